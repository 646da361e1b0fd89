"""Server-rendered line charts: points to SVG coordinates (the template draws them)."""

from dataclasses import dataclass

WIDTH, HEIGHT, PAD_X, PAD_TOP, PAD_BOTTOM = 320, 120, 34, 10, 22


@dataclass
class ChartPoint:
    x: float
    y: float
    label: str
    value: float
    display: str


@dataclass
class Chart:
    points: list[ChartPoint]
    polyline: str
    gridlines: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT


def line_chart(series: list[tuple[str, float | None]], *, y_min: float, y_max: float, fmt: str = "{:.2f}") -> Chart:
    """Scale (label, value) pairs into the chart box; None values leave a gap in the labels only."""
    plot_w = WIDTH - 2 * PAD_X
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(series) - 1, 1)
    span = (y_max - y_min) or 1
    points = []
    for i, (label, value) in enumerate(series):
        if value is None:
            continue
        x = PAD_X + (i * step if len(series) > 1 else plot_w / 2)
        y = PAD_TOP + plot_h * (1 - (value - y_min) / span)
        points.append(ChartPoint(round(x, 1), round(y, 1), label, value, fmt.format(value)))
    gridlines = [(round(PAD_TOP + plot_h * (1 - (v - y_min) / span), 1), f"{v:g}")
                 for v in (y_min, (y_min + y_max) / 2, y_max)]
    return Chart(points=points, polyline=" ".join(f"{p.x},{p.y}" for p in points), gridlines=gridlines)
