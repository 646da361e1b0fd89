import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.revision import revision_cache_clear
from catalog.tests.factories import components_yaml, yaml_load

pytestmark = pytest.mark.django_db

USER_OWNER = """\
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {memberOf: [team-a]}
"""


@pytest.fixture
def catalog_30(tmp_path):
    return yaml_load(tmp_path, components_yaml(30))


@pytest.mark.parametrize("path", ["/catalog/", "/catalog/register/", "/catalog/locations/", "/catalog/orphans/",
                                  "/catalog/errors/", "/catalog/default/component/x/"])
def test_anonymous_people_are_sent_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_full_page_lists_entities_with_facets_and_tabs(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"kind": "component"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="entity-facets"' in html and "Register existing component" in html
    assert 'href="/catalog/default/component/svc-000/"' in html
    assert 'href="/catalog/default/group/team-a/"' in html  # owner link
    assert "30 entities" in html
    assert response["Vary"] and "HX-Request" in response["Vary"]
    facet = response.context["result"].facets
    assert {v.value: v.count for v in facet["spec_type"]} == {"service": 15, "website": 15}
    assert {v.value: v.count for v in facet["tag"]}["shared"] == 30


def test_htmx_request_gets_only_the_table_and_out_of_band_facets(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"type": "website"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "<table" in html
    assert 'id="entity-facets" class="facets" aria-label="Filters" hx-swap-oob="true"' in html
    assert "15 entities" in html
    assert "HX-Request" in response["Vary"]
    # Facet links keep a real href next to hx-get, so the page works without JavaScript.
    assert 'href="/catalog/?type=website&amp;tag=shared" hx-get="/catalog/?type=website&amp;tag=shared"' in html


def test_search_filters_the_list(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"q": "svc-007"})
    assert [e.name for e in response.context["entities"]] == ["svc-007"]


def test_pagination_links_keep_the_filters(client_owner, catalog_30, settings):
    response = client_owner.get("/catalog/", {"kind": "component", "page": "2"})
    page = response.context["page_obj"]
    assert (page.number, page.paginator.num_pages, len(page.object_list)) == (2, 2, 5)
    assert 'href="/catalog/?kind=component" hx-get="/catalog/?kind=component" rel="prev"' in response.content.decode()
    assert client_owner.get("/catalog/", {"page": "999"}).status_code == 200
    assert client_owner.get("/catalog/", {"page": "nonsense"}).status_code == 200


def test_owned_by_my_groups(client_owner, tmp_path):
    yaml_load(tmp_path, components_yaml(3, owner="team-a", prefix="mine") + "---\n" + USER_OWNER, name="a.yaml")
    yaml_load(tmp_path, components_yaml(2, owner="team-b", prefix="theirs"), name="b.yaml")
    response = client_owner.get("/catalog/", {"mine": "1", "kind": "component"})
    assert [e.name for e in response.context["entities"]] == ["mine-000", "mine-001", "mine-002"]
    assert "☑ Owned by my groups" in response.content.decode()


def test_odd_filter_values_do_not_fail(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"kind": "x" * 500, "q": "<script>", "mine": "maybe"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1]


@pytest.mark.parametrize("url", ["/catalog/", "/catalog/?kind=component&tag=shared&mine=1&sort=-owner",
                                 "/catalog/?owner=group:default/team-a&owner=group:default/team-b&q=svc&page=2"])
def test_list_uses_the_same_number_of_queries_for_5_and_30_entities(client_owner, tmp_path, url):
    yaml_load(tmp_path, components_yaml(5) + "---\n" + USER_OWNER, name="five.yaml")
    client_owner.get(url)  # warm up the session
    revision_cache_clear()
    with CaptureQueriesContext(connection) as small_cold:
        client_owner.get(url)
    with CaptureQueriesContext(connection) as small_warm:
        client_owner.get(url)
    yaml_load(tmp_path, components_yaml(25, owner="team-a", prefix="more").split("---\n", 1)[1], name="more.yaml")
    with CaptureQueriesContext(connection) as large_cold:  # the catalog changed: counts are computed again
        response = client_owner.get(url)
    with CaptureQueriesContext(connection) as large_warm:
        client_owner.get(url)
    assert response.context["page_obj"].paginator.count >= 5
    assert len(small_cold.captured_queries) == len(large_cold.captured_queries) <= 14
    # An unchanged catalog answers the total and the facet counts from the revision cache.
    assert len(small_warm.captured_queries) == len(large_warm.captured_queries) <= 7
    assert not any("GROUP BY" in q["sql"] or "COUNT(" in q["sql"] for q in large_warm.captured_queries)
