"""Global search: the portal calls the catalog's and TechDocs' public selectors directly."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def searched(monkeypatch):
    """Records the catalog searches the view makes, while still running the real selector."""
    from catalog import selectors as catalog_selectors
    from portal import views

    calls = []

    def entity_search(*, query, limit, visible=None):
        calls.append((query, limit))
        return catalog_selectors.entity_search(query=query, limit=limit, visible=visible)

    monkeypatch.setattr(views, "entity_search", entity_search)
    return calls


def test_search_shows_catalog_hits(client_owner, org, searched):
    from portal import views

    response = client_owner.get("/search/", {"q": " orders "})
    assert response.status_code == 200
    assert searched == [("orders", views.SEARCH_LIMIT)]
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
