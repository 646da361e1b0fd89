from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def pct(value) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def num(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


@register.simple_tag
def delta(value, kind: str = "mean"):
    """A signed change against the previous campaign: +0.12, +4 pts, or a dash when there is none."""
    if value is None:
        return mark_safe('<span class="delta muted" title="No previous figure">–</span>')
    if kind == "pct":
        text, unit = f"{value * 100:+.0f}", " pts"
    elif kind == "nps":
        text, unit = f"{value:+.1f}", ""
    else:
        text, unit = f"{value:+.2f}", ""
    css = "delta-up" if value > 0 else "delta-down" if value < 0 else "muted"
    return format_html('<span class="delta {}">{}{}</span>', css, text, unit)
