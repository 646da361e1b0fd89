"""Global search: the portal calls the catalog's and TechDocs' public selectors directly."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def searched(monkeypatch):
    """Records the catalog searches the view makes, while still running the real selector."""
    from catalog import selectors as catalog_selectors
    from portal import views

    calls = []

    def entity_search_results(*, query, kind, limit, visible=None):
        calls.append((query, kind, limit))
        return catalog_selectors.entity_search_results(query=query, kind=kind, limit=limit, visible=visible)

    monkeypatch.setattr(views, "entity_search_results", entity_search_results)
    return calls


def test_search_shows_catalog_hits(client_owner, org, searched):
    from portal import views

    response = client_owner.get("/search/", {"q": " orders "})
    assert response.status_code == 200
    assert searched == [("orders", "", views.SEARCH_LIMIT)]
    assert b"component:default/orders" in response.content
    assert b"<html" in response.content


def test_search_without_a_query_does_not_search(client_owner, searched):
    response = client_owner.get("/search/")
    assert response.status_code == 200
    assert searched == []


def test_htmx_search_returns_only_the_results_fragment(client_owner, org):
    response = client_owner.get("/search/", {"q": "orders"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"component:default/orders" in response.content
    assert "HX-Request" in response["Vary"]


def test_search_says_so_when_nothing_matches(client_owner, org):
    response = client_owner.get("/search/", {"q": "no-such-thing"})
    assert "Nothing in the catalog matches “no-such-thing”".encode() in response.content


def test_search_shows_only_what_the_person_may_read(client, org, outsider):
    """Under an owner-only catalog.entity.read policy, another team's entity is not found."""
    from core.models import Grant

    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    client.force_login(outsider)
    assert "component:default/billing" in client.get("/search/", {"q": "billing"}).content.decode()
    assert "component:default/orders" not in client.get("/search/", {"q": "orders"}).content.decode()
    # Nor through the typo fallback or the kind facet.
    page = client.get("/search/", {"q": "ordrs"}).content.decode()
    assert "component:default/orders" not in page
    page = client.get("/search/", {"q": "service", "kind": "component"}).content.decode()
    assert "component:default/orders" not in page


def test_owners_are_links_to_the_owner_entity(client_owner, org):
    page = client_owner.get("/search/", {"q": "orders"}).content.decode()
    assert '<a class="owner-link" href="/catalog/default/group/team-a/" title="group:default/team-a">team-a</a>' in page


def test_a_misspelt_name_finds_the_entity(client_owner, org):
    page = client_owner.get("/search/", {"q": "ordrs"}).content.decode()
    assert "Nothing in the catalog matches “ordrs”" in page
    assert 'href="/catalog/default/component/orders/"' in page


def test_kind_filter_narrows_hits_and_the_facet_counts_each_kind(client_owner, org, searched):
    from portal import views

    everything = client_owner.get("/search/", {"q": "team"}).content.decode()
    assert "group:default/team-a" in everything and "component:default/orders" in everything
    assert 'data-kind="group"' in everything and 'data-kind="component"' in everything
    page = client_owner.get("/search/", {"q": "team", "kind": "Group"}).content.decode()
    assert searched[-1] == ("team", "group", views.SEARCH_LIMIT)
    assert "group:default/team-a" in page and "component:default/orders" not in page
    assert 'id="search-kind" name="kind" value="group"' in page  # the box keeps the filter
    assert 'aria-current="true">Group <span class="badge">' in page


def test_kind_filter_as_htmx_fragment_updates_the_hidden_kind_out_of_band(client_owner, org):
    response = client_owner.get("/search/", {"q": "team", "kind": "group"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="search-kind" name="kind" value="group" hx-swap-oob="true"' in page
    assert "component:default/orders" not in page


@pytest.mark.parametrize("kind", ["widget", "component'; DROP TABLE catalog_entity; --", "x" * 64, "comp\x00onent"])
def test_unknown_kind_says_so_and_searches_every_kind(client_owner, org, kind):
    response = client_owner.get("/search/", {"q": "orders", "kind": kind})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="alert alert-error"' in page
    assert "component:default/orders" in page


@pytest.mark.parametrize("query", [
    "orders & !billing", "orders | billing", "orders:*", "'orders'", '"orders"', "orders\\", "\\'\\",
    "!!!", "&|:*()<->", "orders <-> billing", "o'rders", "%", "_", "orders%", "ü:*", "a" * 200,
])
def test_hostile_queries_answer_a_page(client_owner, org, query):
    response = client_owner.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"Traceback" not in response.content


def test_syntax_characters_are_ignored_not_interpreted(client_owner, org):
    page = client_owner.get("/search/", {"q": "orders:* & !"}).content.decode()
    assert "component:default/orders" in page
    assert "component:default/billing" not in page.split("Documentation")[0]


@pytest.mark.parametrize("query", ["a" * 201, "orders\x00", "x" * 5000])
def test_too_long_or_nul_queries_say_why_and_search_nothing(client_owner, org, searched, query):
    response = client_owner.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b'class="alert alert-error"' in response.content
    assert searched == []
