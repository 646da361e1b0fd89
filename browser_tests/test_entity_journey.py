"""The entity page in a real browser: source links, the graph's depth and relation filters swapping the
graph in place (htmx), and an API's reference with operations and responses."""

import re

import pytest
import yaml
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import documents_yaml, yaml_load
from catalog.tests.test_apidocs import OPENAPI3


def _doc(kind: str, name: str, spec: dict, **metadata) -> str:
    return yaml.safe_dump({"apiVersion": "backstage.io/v1alpha1", "kind": kind,
                           "metadata": {"name": name, **metadata}, "spec": spec}, sort_keys=False)


@pytest.fixture
def catalog(transactional_db, tmp_path, settings):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    service = {"type": "service", "lifecycle": "production", "owner": "team-a", "dependsOn": ["resource:db"],
               "providesApis": ["pets"]}
    docs = [
        _doc("Group", "team-a", {"type": "team", "children": []}),
        _doc("Group", "team-b", {"type": "team", "children": []}),
        _doc("Component", "svc", service, annotations={
            "backstage.io/view-url": "https://github.com/acme/svc/blob/main/catalog-info.yaml",
            "backstage.io/edit-url": "https://github.com/acme/svc/edit/main/catalog-info.yaml",
            "backstage.io/source-location": "url:https://github.com/acme/svc/tree/main/"}),
        _doc("Resource", "db", {"type": "database", "owner": "team-b"}),
        _doc("Component", "reporting", {"type": "service", "lifecycle": "production", "owner": "team-b",
                                        "dependsOn": ["resource:db"]}),
        _doc("API", "pets", {"type": "openapi", "lifecycle": "production", "owner": "team-a", "definition": OPENAPI3}),
    ]
    return yaml_load(tmp_path, documents_yaml(*docs))


def _nodes(page: Page) -> set[str]:
    return set(page.locator("#entity-graph svg.graph [data-ref]").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('data-ref'))"))


def test_source_links_graph_controls_and_api_reference(page: Page, live_server, owner, password, catalog):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/default/component/svc/")

    # Where the definition lives.
    expect(page.get_by_role("link", name="View source")).to_have_attribute(
        "href", "https://github.com/acme/svc/blob/main/catalog-info.yaml")
    expect(page.get_by_role("link", name="Edit source")).to_have_attribute(
        "href", "https://github.com/acme/svc/edit/main/catalog-info.yaml")
    expect(page.get_by_role("link", name="Repository")).to_have_attribute("href", "https://github.com/acme/svc/tree/main/")

    # One hop: the owner, the database and the API, not what else uses the database.
    assert _nodes(page) == {"component:default/svc", "group:default/team-a", "resource:default/db", "api:default/pets"}

    # Two hops, swapped in place: the database's other user appears, the URL says so.
    page.get_by_label("Depth (hops)").select_option("2")
    expect(page.locator('#entity-graph [data-ref="component:default/reporting"]')).to_have_count(1)
    expect(page).to_have_url(re.compile(r"depth=2"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("svc")  # still the same page, not a fragment

    # Only "Owned by": the graph narrows to the owner.
    page.get_by_role("checkbox", name="Owned by").check()
    expect(page.locator('#entity-graph [data-ref="resource:default/db"]')).to_have_count(0)
    assert _nodes(page) == {"component:default/svc", "group:default/team-a"}
    expect(page).to_have_url(re.compile(r"rel=ownedBy"))

    # The centre node is drawn in the kind's dark colour with white text, over any style sheet rule.
    fill = page.locator("#entity-graph .graph-centre rect").evaluate("r => getComputedStyle(r).fill")
    text = page.locator("#entity-graph .graph-centre .graph-name").evaluate("t => getComputedStyle(t).fill")
    assert fill == "rgb(36, 86, 199)" and text == "rgb(255, 255, 255)"

    # The API's reference: operations, the request body and every response.
    page.goto(f"{live_server.url}/catalog/default/api/pets/?tab=api")
    operations = page.get_by_role("region", name="Operations")
    expect(operations.locator("code.op-path").first).to_have_text("/pets/{id}")
    expect(operations).to_contain_text("Request body")
    expect(operations.locator(".status")).to_contain_text(["200", "404", "204", "default"])
    expect(page.get_by_role("region", name="Security schemes")).to_contain_text("bearer format: JWT")
