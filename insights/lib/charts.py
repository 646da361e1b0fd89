"""Small server-drawn SVG geometry for the delivery pages (until core/charts.py is on main):
bars scaled into a fixed view box; the template draws the rectangles."""

WIDTH, HEIGHT, GAP = 600, 120, 2


def bars(points: list[tuple[str, float]], *, label: str) -> dict:
    """{"width", "height", "label", "bars": [{"x", "y", "w", "h", "title"}]} for (name, value) points."""
    if not points:
        return {"width": WIDTH, "height": HEIGHT, "label": label, "bars": [], "max": 0}
    top = max(value for _, value in points) or 1
    step = WIDTH / len(points)
    out = []
    for i, (name, value) in enumerate(points):
        h = round(HEIGHT * value / top, 1)
        out.append({"x": round(i * step + GAP / 2, 1), "y": round(HEIGHT - h, 1), "w": round(max(step - GAP, 1), 1),
                    "h": h, "title": f"{name}: {value:g}"})
    return {"width": WIDTH, "height": HEIGHT, "label": label, "bars": out, "max": top}
