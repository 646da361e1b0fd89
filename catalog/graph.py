"""An entity's neighbourhood as a server-rendered SVG: the entity in the centre, related entities in
columns either side of it, one column block per hop, one edge per related pair labelled with the
relation types (as seen from the node nearer the centre).

Two halves:
- `neighbourhood()` walks the relations breadth-first up to `depth` hops (1-3), keeping only the
  relation types asked for, and stops adding nodes at `max_nodes`: the rest are counted in
  `hidden` ("+N more"). It costs one query per hop past the first (the first hop comes from the
  entity overview the page already read) plus one to resolve titles, whatever the graph's size.
- `graph_svg()` lays the nodes out on a grid (no two boxes can overlap: each node owns a cell) and
  draws it. It is a pure function; every piece of text is escaped here.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalog.lib.refs import split_key
from catalog.lib.relations import RELATION_PAIRS

NODE_W, NODE_H = 168, 42
ROW_PITCH = NODE_H + 16
COLUMN_GAP = 150  # room for an edge label between two columns
MAX_ROWS = 16  # a hop with more nodes on one side wraps into another column
MARGIN = 12
MAX_NODES = 60
MAX_DEPTH = 3
MAX_ROWS_PER_HOP = 3000  # relation rows read per hop: a hub cannot make one hop unbounded
MAX_LABEL = 22

# Centre node colours per kind: (fill, stroke, text). White text on a dark fill of the kind's hue;
# the contrast ratio of each pair is at least 4.5 (tested), whatever catalog.css says about kinds.
CENTRE_COLOURS: dict[str, tuple[str, str, str]] = {
    "component": ("#2456c7", "#1a3f93", "#ffffff"),
    "api": ("#1d6b3e", "#134a2a", "#ffffff"),
    "group": ("#5b3fa8", "#432e7d", "#ffffff"),
    "user": ("#6b3c8f", "#4e2b69", "#ffffff"),
    "system": ("#1f5c8a", "#154165", "#ffffff"),
    "domain": ("#34508f", "#243968", "#ffffff"),
    "resource": ("#8a4f00", "#633900", "#ffffff"),
    "location": ("#4a5568", "#333b48", "#ffffff"),
    "template": ("#7a3366", "#58244a", "#ffffff"),
}
DEFAULT_CENTRE = ("#3d4657", "#2a303c", "#ffffff")


@dataclass(frozen=True)
class Node:
    ref: str
    kind: str
    label: str
    url: str = ""


@dataclass
class Graph:
    centre: Node
    nodes: list[tuple[Node, int]] = field(default_factory=list)  # (node, hop), in discovery order
    parent: dict[str, str] = field(default_factory=dict)  # ref -> the ref it was reached from
    edges: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (from, to) -> relation types
    hidden: int = 0  # related entities left out past the node cap
    truncated: bool = False  # a hop read more relations than MAX_ROWS_PER_HOP allows


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _css_kind(kind: str) -> str:
    return "".join(ch for ch in kind.lower() if ch.isalnum()) or "unknown"


def centre_colours(kind: str) -> tuple[str, str, str]:
    return CENTRE_COLOURS.get(_css_kind(kind), DEFAULT_CENTRE)


# --- Walking the relations -------------------------------------------------------------------------


def _hop_edges(frontier: set[str], rows: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(frontier ref, relation type as seen from it, other ref), both directions, deduplicated."""
    found = set()
    for source_ref, rtype, target_ref in rows:
        if source_ref == target_ref:
            continue
        if source_ref in frontier:
            found.add((source_ref, rtype, target_ref))
        if target_ref in frontier and rtype in RELATION_PAIRS:
            found.add((target_ref, RELATION_PAIRS[rtype], source_ref))
    return sorted(found)


def neighbourhood(*, centre: Node, first_hop: Sequence[tuple[str, Node]], depth: int = 1,
                  types: Iterable[str] = (), max_nodes: int = MAX_NODES, url_for=None, visible=None) -> Graph:
    """The graph around `centre`. `first_hop`: (relation type as seen from the centre, node), as the
    entity overview read them. `types`: relation types to keep (all when empty). `visible`: the read
    policy's condition on Entity (None: everything); what it hides is neither drawn nor walked through,
    at one more query per hop."""
    from catalog.models import Entity, Relation  # the drawing half stays usable without a database

    depth = max(1, min(MAX_DEPTH, depth))
    wanted = set(types)
    graph = Graph(centre=centre)
    seen: dict[str, int] = {centre.ref: 0}
    hidden: set[str] = set()
    known: dict[str, Node] = {}

    def visit(parent: str, rtype: str, ref: str, hop: int, node: Node | None = None) -> bool:
        if wanted and rtype not in wanted:
            return False
        if ref in seen:
            pair = (parent, ref)
            if (ref, parent) not in graph.edges and (seen[ref] >= seen[parent] or pair in graph.edges):
                graph.edges.setdefault(pair, set()).add(rtype)
            return False
        if len(seen) - 1 >= max_nodes:
            hidden.add(ref)
            return False
        seen[ref] = hop
        graph.parent[ref] = parent
        graph.edges.setdefault((parent, ref), set()).add(rtype)
        if node is not None:
            known[ref] = node
        graph.nodes.append((node or Node(ref, "", ""), hop))
        return True

    def readable(new: set[str]) -> set[str]:
        if visible is None or not new:
            return new
        allowed = set(Entity.objects.filter(visible, ref__in=new).values_list("ref", flat=True))
        if allowed != new:
            graph.nodes = [(n, h) for n, h in graph.nodes if n.ref not in new or n.ref in allowed]
            graph.edges = {pair: t for pair, t in graph.edges.items()
                           if not (set(pair) & (new - allowed))}
        return allowed

    frontier = set()
    for rtype, node in first_hop:
        if visit(centre.ref, rtype, node.ref, 1, node):
            frontier.add(node.ref)
    frontier = readable(frontier)
    for hop in range(2, depth + 1):
        if not frontier:
            break
        rows = list(Relation.objects.filter(Q(source_ref__in=frontier) | Q(target_ref__in=frontier))
                    .order_by("id").values_list("source_ref", "type", "target_ref")[:MAX_ROWS_PER_HOP + 1])
        if len(rows) > MAX_ROWS_PER_HOP:
            graph.truncated = True
            rows = rows[:MAX_ROWS_PER_HOP]
        next_frontier = set()
        for parent, rtype, other in _hop_edges(frontier, rows):
            if visit(parent, rtype, other, hop):
                next_frontier.add(other)
        frontier = readable(next_frontier)
    unresolved = [ref for ref, _ in ((n.ref, h) for n, h in graph.nodes) if ref not in known]
    resolved = {}
    if unresolved:
        resolved = {e.ref: e for e in Entity.objects.filter(ref__in=unresolved).only("ref", "kind", "name", "title")}
    nodes = []
    for node, hop in graph.nodes:
        if node.ref not in known:
            entity = resolved.get(node.ref)
            kind, _, name = split_key(node.ref)
            node = Node(node.ref, entity.kind if entity else kind, (entity.title or entity.name) if entity else name,
                        url_for(node.ref) if url_for else "")
        nodes.append((node, hop))
    graph.nodes = nodes
    graph.hidden = len(hidden - set(seen))
    return graph


# --- Layout and drawing ----------------------------------------------------------------------------


def layout(graph: Graph) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Centre of every node box, and the drawing's width and height.

    Hop-1 nodes are split between the right and the left of the centre by relation type (a type
    stays on one side); deeper nodes follow the side of the hop-1 node they hang from. Each
    (side, hop) block is a grid of MAX_ROWS rows and as many columns as it needs; blocks and their
    columns sit COLUMN_GAP apart, so every box has its own cell and none can overlap another.
    """
    first_types: dict[str, list[str]] = {}
    for node, hop in graph.nodes:
        if hop == 1:
            rtype = sorted(graph.edges.get((graph.centre.ref, node.ref), {""}))[0]
            first_types.setdefault(rtype, []).append(node.ref)
    side_of: dict[str, int] = {}
    counts = {1: 0, -1: 0}
    for _rtype, refs in sorted(first_types.items(), key=lambda item: (-len(item[1]), item[0])):
        side = 1 if counts[1] <= counts[-1] else -1
        counts[side] += len(refs)
        for ref in refs:
            side_of[ref] = side
    order = {node.ref: i for i, (node, _) in enumerate(graph.nodes)}
    blocks: dict[tuple[int, int], list[str]] = {}
    for node, hop in graph.nodes:
        ref = node.ref
        root = ref
        while graph.parent.get(root, graph.centre.ref) != graph.centre.ref:
            root = graph.parent[root]
        side = side_of.get(root, 1)
        side_of[ref] = side
        blocks.setdefault((side, hop), []).append(ref)

    def sort_key(ref: str):
        chain, current = [], ref
        while current != graph.centre.ref:
            chain.append(order.get(current, 0))
            current = graph.parent.get(current, graph.centre.ref)
        return list(reversed(chain))

    positions: dict[str, tuple[float, float]] = {graph.centre.ref: (0.0, 0.0)}
    pitch_x = NODE_W + COLUMN_GAP
    for side in (1, -1):
        column = 0
        for hop in range(1, MAX_DEPTH + 1):
            refs = sorted(blocks.get((side, hop), []), key=sort_key)
            if not refs:
                continue
            rows = min(MAX_ROWS, len(refs))
            columns = math.ceil(len(refs) / rows)
            for i, ref in enumerate(refs):
                col, row = divmod(i, rows)
                x = side * (column + col + 1) * pitch_x
                y = (row - (rows - 1) / 2) * ROW_PITCH
                positions[ref] = (x, y)
            column += columns
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    left, top = min(xs) - NODE_W / 2 - MARGIN, min(ys) - NODE_H / 2 - MARGIN
    width = max(xs) - min(xs) + NODE_W + 2 * MARGIN
    height = max(ys) - min(ys) + NODE_H + 2 * MARGIN + 20  # room for the note
    width, height = max(width, 2 * NODE_W + 2 * MARGIN), max(height, 120)
    return {ref: (x - left, y - top) for ref, (x, y) in positions.items()}, width, height


def _node_svg(node: Node, x: float, y: float, *, centre: bool = False) -> str:
    left, top = x - NODE_W / 2, y - NODE_H / 2
    classes = f"graph-node kind-{_css_kind(node.kind)}" + (" graph-centre" if centre else "")
    rect_style = text_style = ""
    if centre:  # inline styles win over any kind rule in the style sheets
        fill, stroke, text = centre_colours(node.kind)
        rect_style = f' style="fill:{fill};stroke:{stroke};stroke-width:2"'
        text_style = f' style="fill:{text}"'
    body = (
        f'<title>{escape(node.ref)}</title>'
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{NODE_W}" height="{NODE_H}" rx="6"{rect_style}/>'
        f'<text x="{x:.1f}" y="{y - 5:.1f}" class="graph-kind"{text_style}>{escape(node.kind.lower())}</text>'
        f'<text x="{x:.1f}" y="{y + 12:.1f}" class="graph-name"{text_style}>{escape(_short(node.label))}</text>'
    )
    if node.url and not centre:
        return f'<a href="{escape(node.url)}" class="{classes}" data-ref="{escape(node.ref)}">{body}</a>'
    return f'<g class="{classes}" data-ref="{escape(node.ref)}">{body}</g>'


def graph_svg(graph: Graph) -> SafeString:
    positions, width, height = layout(graph)
    edges = []
    for (a, b), types in graph.edges.items():
        if a not in positions or b not in positions:
            continue
        (x1, y1), (x2, y2) = positions[a], positions[b]
        label = ", ".join(sorted(types))
        if graph.parent.get(b) != a:  # a relation between two nodes already drawn: a faint line, no label
            edges.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="graph-edge graph-edge-cross" '
                f'style="stroke-dasharray:4 4;opacity:0.5">'
                f'<title>{escape(a)} {escape(label)} {escape(b)}</title></line>'
            )
            continue
        # The line runs from the side of one box to the facing side of the other; the label sits just
        # above its end, beside the box it points to (rows are ROW_PITCH apart, so labels never collide).
        if x1 != x2:
            toward = 1 if x2 > x1 else -1
            x1, x2 = x1 + toward * NODE_W / 2, x2 - toward * NODE_W / 2
            lx, ly, anchor = x2 - toward * 6, y2 - 5, "end" if toward == 1 else "start"
        else:
            lx, ly, anchor = x1 + 6, (y1 + y2) / 2, "start"
        edges.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="graph-edge"/>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" class="graph-edge-label" text-anchor="{anchor}" '
            f'style="text-anchor:{anchor}">{escape(_short(label, 22))}</text>'
        )
    nodes = [_node_svg(node, *positions[node.ref]) for node, _ in graph.nodes]
    cx, cy = positions[graph.centre.ref]
    note = ""
    if graph.hidden or graph.truncated:
        more = f"+{graph.hidden}{'+' if graph.truncated else ''} more" if graph.hidden else "more"
        note = (f'<text x="{MARGIN}" y="{height - 8:.0f}" class="graph-note">{escape(more)} '
                f'not drawn (narrow the relations or the depth, or see Relations)</text>')
    title = f"Relations of {graph.centre.ref}"
    svg = (
        f'<svg class="graph" role="img" aria-label="{escape(title)}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="min-width:{min(width, 2400) * 0.7:.0f}px" data-nodes="{len(graph.nodes)}" '
        f'data-hidden="{graph.hidden}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(edges) + "".join(nodes) + _node_svg(graph.centre, cx, cy, centre=True) + note + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every interpolated text above goes through escape()


def neighbourhood_svg(*, centre: Node, neighbours: Sequence[tuple[str, Node]],
                      max_nodes: int = MAX_NODES) -> SafeString:
    """One hop, no database: `neighbours` are (relation type as seen from the centre, node). Several
    relation types to the same node share one edge; past `max_nodes` the rest are counted."""
    graph = Graph(centre=centre)
    seen: set[str] = set()
    hidden: set[str] = set()
    for rtype, node in neighbours:
        if node.ref == centre.ref:
            continue
        if node.ref not in seen:
            if len(seen) >= max_nodes:
                hidden.add(node.ref)
                continue
            seen.add(node.ref)
            graph.nodes.append((node, 1))
            graph.parent[node.ref] = centre.ref
        graph.edges.setdefault((centre.ref, node.ref), set()).add(rtype)
    graph.hidden = len(hidden)
    return graph_svg(graph)
