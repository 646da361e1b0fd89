"""Server-rendered SVG charts: trend lines, bars and sparklines, with no script and no chart CDN.

Every function returns markup safe to put in a template (`{{ chart }}`): labels are escaped, numbers
are formatted here, and colours are SVG presentation attributes (allowed by the strict CSP, which
forbids inline `style`). Each chart is an `<svg role="img">` with a `<title>` and `<desc>` that read
the data out, so a screen reader gets the figures, not a picture. Missing values (None) leave a gap.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito), in the order series are drawn.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
AXIS = "#6b7280"
GRID = "#e5e7eb"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


def _fmt(value: float | None, formatter: Callable[[float], str] | None) -> str:
    if value is None:
        return "no data"
    if formatter is not None:
        return formatter(value)
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def _bounds(values: Sequence[float], y_min: float | None, y_max: float | None) -> tuple[float, float]:
    low = min(values) if y_min is None else y_min
    high = max(values) if y_max is None else y_max
    if y_min is None and low > 0:
        low = 0.0  # bars and most business figures read best from zero
    if high <= low:
        high = low + 1.0
    return float(low), float(high)


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css_class: str) -> SafeString:
    return mark_safe(
        f'<svg class="{css_class}" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def line_chart(*, labels: Sequence[str], series: Sequence[Series], title: str, width: int = 640, height: int = 220,
               y_min: float | None = None, y_max: float | None = None,
               formatter: Callable[[float], str] | None = None) -> SafeString:
    """One line per series over the x `labels` (weeks, months). A series value of None is a gap."""
    left, right, top, bottom = 48, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    present = [v for s in series for v in s.values if v is not None]
    if not labels or not present:
        return _svg(width, 40, title, "No data yet.", [
            f'<text x="0" y="24" fill="{AXIS}" font-size="13">No data yet.</text>'], "chart chart-empty")
    low, high = _bounds(present, y_min, y_max)
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    body = []
    for fraction in (0.0, 0.5, 1.0):
        value = low + fraction * (high - low)
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="{AXIS}">{escape(_fmt(value, formatter))}</text>')
    # At most ~8 x labels, always the first and the last.
    every = max(1, -(-len(labels) // 8))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            # The last label ends at the right edge instead of being centred past it (and cut off).
            anchor = "end" if i == len(labels) - 1 and len(labels) > 1 else "middle"
            body.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="11" '
                        f'fill="{AXIS}">{escape(str(label))}</text>')
    described = []
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        runs, run = [], []
        for i, v in enumerate(s.values[: len(labels)]):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x(i), y(v)))
        if run:
            runs.append(run)
        for points in runs:
            if len(points) == 1:
                px, py = points[0]
                body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
            else:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
                body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" '
                            f'stroke-linejoin="round" stroke-linecap="round"/>')
        last = next((v for v in reversed(s.values) if v is not None), None)
        described.append(f"{s.label}: " + ", ".join(
            f"{label} {_fmt(v, formatter)}" for label, v in zip(labels, s.values, strict=False)))
        if len(series) > 1 and last is not None:
            body.append(f'<text x="{width - right}" y="{top + 12 + 14 * n}" text-anchor="end" font-size="11" '
                        f'fill="{colour}">{escape(s.label)}</text>')
    return _svg(width, height, title, "; ".join(described), body, "chart chart-line")


def bar_chart(*, bars: Sequence[tuple[str, float | None]], title: str, width: int = 640, bar_height: int = 20,
              formatter: Callable[[float], str] | None = None, highlight: str | None = None) -> SafeString:
    """Horizontal bars, one per (label, value), labelled with their values (grade distributions, costs)."""
    if not bars:
        return _svg(width, 40, title, "No data yet.", [
            f'<text x="0" y="24" fill="{AXIS}" font-size="13">No data yet.</text>'], "chart chart-empty")
    label_w, value_w, gap = 160, 80, 6
    plot_w = width - label_w - value_w
    values = [v for _label, v in bars if v is not None]
    high = max([v for v in values if v > 0], default=1.0)
    body = []
    for i, (label, value) in enumerate(bars):
        top = i * (bar_height + gap)
        text_y = top + bar_height * 0.72
        body.append(f'<text x="{label_w - 8}" y="{text_y:.1f}" text-anchor="end" font-size="12" '
                    f'fill="#111827">{escape(str(label))}</text>')
        if value is not None and value > 0:
            colour = PALETTE[1] if highlight is not None and label == highlight else PALETTE[0]
            body.append(f'<rect x="{label_w}" y="{top}" width="{max(value / high * plot_w, 1):.1f}" '
                        f'height="{bar_height}" fill="{colour}" rx="2"/>')
        body.append(f'<text x="{width - value_w + 6}" y="{text_y:.1f}" font-size="12" '
                    f'fill="{AXIS}">{escape(_fmt(value, formatter))}</text>')
    height = len(bars) * (bar_height + gap)
    desc = "; ".join(f"{label}: {_fmt(value, formatter)}" for label, value in bars)
    return _svg(width, height, title, desc, body, "chart chart-bar")


def sparkline(*, values: Sequence[float | None], title: str, width: int = 120, height: int = 28,
              formatter: Callable[[float], str] | None = None) -> SafeString:
    """A small trend line with its last point marked, for tables and figure tiles."""
    present = [v for v in values if v is not None]
    if len(present) == 0:
        return _svg(width, height, title, "No data yet.", [], "chart chart-spark chart-empty")
    low, high = min(present), max(present)
    if high == low:
        high, low = high + 1, low - 1
    step = (width - 4) / max(len(values) - 1, 1)
    points = [(2 + i * step, 2 + (height - 4) * (1 - (v - low) / (high - low)))
              for i, v in enumerate(values) if v is not None]
    body = []
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/>')
    px, py = points[-1]
    body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{PALETTE[0]}"/>')
    desc = ", ".join(_fmt(v, formatter) for v in values)
    return _svg(width, height, title, desc, body, "chart chart-spark")
