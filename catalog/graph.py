"""Server-rendered SVG of an entity's neighbourhood: the entity in the centre, related entities
on an ellipse around it, one edge per neighbour labelled with the relation types.

Pure function of its inputs (no database); every piece of text is escaped here.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 820, 480
NODE_W, NODE_H = 168, 42
MAX_NODES = 24
MAX_LABEL = 22


@dataclass(frozen=True)
class Node:
    ref: str
    kind: str
    label: str
    url: str = ""


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _css_kind(kind: str) -> str:
    return "".join(ch for ch in kind.lower() if ch.isalnum()) or "unknown"


def _node_svg(node: Node, x: float, y: float, *, centre: bool = False) -> str:
    left, top = x - NODE_W / 2, y - NODE_H / 2
    classes = f"graph-node kind-{_css_kind(node.kind)}" + (" graph-centre" if centre else "")
    body = (
        f'<title>{escape(node.ref)}</title>'
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
        f'<text x="{x:.1f}" y="{y - 5:.1f}" class="graph-kind">{escape(node.kind.lower())}</text>'
        f'<text x="{x:.1f}" y="{y + 12:.1f}" class="graph-name">{escape(_short(node.label))}</text>'
    )
    if node.url and not centre:
        return f'<a href="{escape(node.url)}" class="{classes}">{body}</a>'
    return f'<g class="{classes}">{body}</g>'


def neighbourhood_svg(*, centre: Node, neighbours: Sequence[tuple[str, Node]]) -> SafeString:
    """`neighbours`: (relation type as seen from the centre, node). Several relation types to the
    same node share one edge. Past MAX_NODES the rest are summarised in a note."""
    grouped: dict[str, tuple[Node, list[str]]] = {}
    for rtype, node in neighbours:
        grouped.setdefault(node.ref, (node, []))[1].append(rtype)
    items = list(grouped.values())
    hidden = max(0, len(items) - MAX_NODES)
    items = items[:MAX_NODES]
    cx, cy = WIDTH / 2, HEIGHT / 2
    rx, ry = WIDTH / 2 - NODE_W / 2 - 8, HEIGHT / 2 - NODE_H / 2 - 10
    edges, nodes = [], []
    count = len(items) or 1
    for i, (node, types) in enumerate(items):
        angle = 2 * math.pi * i / count - math.pi / 2
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        label = ", ".join(sorted(set(types)))
        mx, my = cx + (x - cx) * 0.55, cy + (y - cy) * 0.55
        edges.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" class="graph-edge"/>'
            f'<text x="{mx:.1f}" y="{my:.1f}" class="graph-edge-label">{escape(_short(label, 34))}</text>'
        )
        nodes.append(_node_svg(node, x, y))
    note = ""
    if hidden:
        note = f'<text x="8" y="{HEIGHT - 8}" class="graph-note">and {hidden} more (see Relations)</text>'
    title = f"Relations of {centre.ref}"
    svg = (
        f'<svg class="graph" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(edges) + "".join(nodes) + _node_svg(centre, cx, cy, centre=True) + note + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every interpolated text above goes through escape()
