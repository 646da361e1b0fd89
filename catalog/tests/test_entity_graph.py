"""The entity page's relations graph: readable centre on every kind, no overlapping boxes on busy
graphs, depth (1-3 hops) and relation filters from the URL, an htmx fragment, bounded queries."""

import itertools
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.graph import CENTRE_COLOURS, MAX_NODES, Graph, Node, graph_svg, neighbourhood_svg
from catalog.tests.factories import documents_yaml, yaml_load

KINDS = ["Component", "API", "Group", "User", "System", "Domain", "Resource", "Location", "Template", "Weird-Kind"]


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _centre_colours(svg: str) -> tuple[str, list[str]]:
    centre = re.search(r'<g class="graph-node [^"]*graph-centre".*?</g>', svg).group(0)
    fill = re.search(r'<rect[^>]*style="fill:(#[0-9a-f]{6})', centre).group(1)
    texts = re.findall(r'<text[^>]*style="fill:(#[0-9a-f]{6})"', centre)
    return fill, texts


def test_contrast_helper_matches_known_values():
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    assert contrast("#ffffff", "#f3f0fb") < 1.2  # what a Group centre used to be: white on pale lilac


@pytest.mark.parametrize("kind", KINDS)
def test_the_centre_node_is_readable_on_every_kind(kind):
    svg = neighbourhood_svg(centre=Node("x:default/a", kind, "A"),
                            neighbours=[("ownedBy", Node("group:default/t", "Group", "T", "/t/"))])
    fill, texts = _centre_colours(svg)
    assert len(texts) == 2  # kind and name both carry the colour inline, above any style sheet rule
    for text in texts:
        assert contrast(fill, text) >= 4.5, (kind, fill, text)


def test_every_palette_entry_passes():
    for fill, _stroke, text in CENTRE_COLOURS.values():
        assert contrast(fill, text) >= 4.5


def _boxes(svg: str) -> list[tuple[float, float, float, float]]:
    return [tuple(float(v) for v in m) for m in
            re.findall(r'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)]


def _assert_no_overlap(svg: str, expected: int) -> None:
    boxes = _boxes(svg)
    assert len(boxes) == expected
    for (x1, y1, w1, h1), (x2, y2, w2, h2) in itertools.combinations(boxes, 2):
        assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1, ((x1, y1), (x2, y2))
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups()
    width, height = float(view[0]), float(view[1])
    assert all(x >= 0 and y >= 0 and x + w <= width and y + h <= height for x, y, w, h in boxes)


@pytest.mark.parametrize("count", [1, 2, 7, 45, 200])
def test_busy_graphs_do_not_overlap(count):
    types = ["dependsOn", "ownerOf", "hasPart", "providesApi", "consumesApi"]
    neighbours = [(types[i % len(types)], Node(f"component:default/n{i}", "Component", f"n{i}", f"/n{i}/"))
                  for i in range(count)]
    svg = neighbourhood_svg(centre=Node("group:default/hub", "Group", "Hub"), neighbours=neighbours)
    _assert_no_overlap(svg, min(count, MAX_NODES) + 1)
    if count > MAX_NODES:
        assert f"+{count - MAX_NODES} more" in svg


def test_three_hop_layouts_do_not_overlap():
    centre = Node("component:default/c", "Component", "C")
    graph = Graph(centre=centre)
    for i in range(8):
        a = Node(f"resource:default/a{i}", "Resource", f"a{i}")
        graph.nodes.append((a, 1))
        graph.parent[a.ref] = centre.ref
        graph.edges[(centre.ref, a.ref)] = {"dependsOn" if i % 2 else "ownedBy"}
        for j in range(5):
            b = Node(f"component:default/b{i}-{j}", "Component", f"b{i}-{j}")
            graph.nodes.append((b, 2))
            graph.parent[b.ref] = a.ref
            graph.edges[(a.ref, b.ref)] = {"dependencyOf"}
            c = Node(f"api:default/c{i}-{j}", "API", f"c{i}-{j}")
            graph.nodes.append((c, 3))
            graph.parent[c.ref] = b.ref
            graph.edges[(b.ref, c.ref)] = {"providesApi"}
    _assert_no_overlap(graph_svg(graph), len(graph.nodes) + 1)


# --- The page: depth, filters, fragment, queries -----------------------------------------------------



def _doc(kind: str, name: str, spec: str) -> str:
    return f"apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec: {spec}\n"


def _chain_catalog(width: int = 3) -> str:
    """team-a owns svc; svc depends on db-i; each db-i is depended on by other-i, which provides api-i."""
    docs = [_doc("Group", "team-a", "{type: team, children: []}"),
            _doc("Group", "team-b", "{type: team, children: []}"),
            _doc("Component", "svc", "{type: service, lifecycle: production, owner: team-a, dependsOn: ["
                 + ", ".join(f"resource:db-{i}" for i in range(width)) + "]}")]
    for i in range(width):
        docs.append(_doc("Resource", f"db-{i}", "{type: database, owner: team-b}"))
        docs.append(_doc("Component", f"other-{i}", f"{{type: service, lifecycle: production, owner: team-b, "
                                                    f"dependsOn: [resource:db-{i}], providesApis: [api-{i}]}}"))
        docs.append(_doc("API", f"api-{i}", "{type: openapi, lifecycle: production, owner: team-b, definition: x}"))
    return documents_yaml(*docs)


SVC = "/catalog/default/component/svc/"


def _drawn(html: str) -> set[str]:
    return set(re.findall(r'data-ref="([^"]+)"', html))


@pytest.mark.django_db
def test_depth_reaches_further_and_filters_keep_only_chosen_relations(client_owner, tmp_path):
    yaml_load(tmp_path, _chain_catalog())
    one = _drawn(client_owner.get(SVC).content.decode())
    assert "resource:default/db-0" in one and "group:default/team-a" in one
    assert "component:default/other-0" not in one
    two = _drawn(client_owner.get(SVC, {"depth": "2"}).content.decode())
    assert "component:default/other-0" in two and "api:default/api-0" not in two
    page = client_owner.get(SVC, {"depth": "3", "tab": "relations"}).content.decode()
    assert "api:default/api-0" in _drawn(page)
    assert 'name="rel" value="providesApi">' in page  # a type met past the first hop can be chosen too
    filtered = _drawn(client_owner.get(SVC, {"depth": "1", "rel": "ownedBy"}).content.decode())
    assert filtered == {"component:default/svc", "group:default/team-a"}
    html = client_owner.get(SVC, {"rel": "ownedBy"}).content.decode()
    assert 'name="rel" value="ownedBy" checked' in html and 'name="rel" value="dependsOn">' in html
    assert '<option value="1" selected>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"depth": "abc"}, {"depth": "99"}, {"depth": "-1"}, {"depth": "1e9"},
                                    {"rel": "<script>alert(1)</script>"}, {"rel": ["x"] * 500},
                                    {"depth": "3", "rel": "' OR 1=1 --"}])
def test_hostile_graph_parameters_fall_back_safely(client_owner, tmp_path, params):
    yaml_load(tmp_path, _chain_catalog())
    response = client_owner.get(SVC, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    if "depth" in params and params["depth"] != "3":
        assert '<option value="1" selected>' in html
    assert "resource:default/db-0" in _drawn(html)  # unknown relation types are ignored, not matched


@pytest.mark.django_db
def test_the_graph_controls_swap_a_fragment(client_owner, tmp_path):
    yaml_load(tmp_path, _chain_catalog())
    response = client_owner.get(SVC, {"depth": "2"}, headers={"HX-Request": "true", "HX-Target": "entity-graph"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and html.lstrip().startswith('<div id="entity-graph"')
    assert "component:default/other-0" in _drawn(html)
    assert "HX-Target" in response["Vary"]
    page = client_owner.get(SVC).content.decode()
    assert 'hx-target="#entity-graph"' in page and 'hx-get="/catalog/default/component/svc/"' in page


@pytest.mark.django_db
def test_depth_three_on_a_hub_is_bounded(client_owner, tmp_path):
    counts, timings = [], []
    for width in (3, 40):
        path = tmp_path / str(width)
        path.mkdir()
        location = yaml_load(path, _chain_catalog(width))
        client_owner.get(SVC, {"depth": "3"})
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            html = client_owner.get(SVC, {"depth": "3"}).content.decode()
            timings.append(time.perf_counter() - started)
        counts.append(len(ctx.captured_queries))
        drawn = _drawn(html)
        assert len(drawn) <= MAX_NODES + 1
        if width == 40:
            assert 'class="muted small graph-more">+' in html  # 40 dbs + 40 others + 40 apis + owner > cap
            _assert_no_overlap(re.search(r"<svg class=\"graph\".*?</svg>", html, re.S).group(0), len(drawn))
        from catalog import services

        services.location_delete(location=location)
    print("queries", counts, "seconds", timings)
    assert counts[0] == counts[1] <= 14, counts
    assert timings[1] < 2.0


@pytest.mark.django_db
def test_deeper_hops_respect_the_read_policy(org, outsider, client):
    from core.models import Grant

    client.force_login(outsider)
    html = client.get("/catalog/default/component/billing/", {"depth": "3"}).content.decode()
    assert "user:default/outsider" in _drawn(html)  # the default policy reads everything
    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    from core.access import access_cache_clear

    access_cache_clear()
    html = client.get("/catalog/default/component/billing/", {"depth": "3"}).content.decode()
    assert _drawn(html) == {"component:default/billing", "group:default/team-b"}
