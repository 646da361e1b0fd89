from types import SimpleNamespace

import pytest

from portal import views

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_search(monkeypatch):
    calls = []

    def entity_search(*, query, limit):
        calls.append((query, limit))
        return [
            SimpleNamespace(
                ref="component:default/payments",
                name="payments",
                title="Payments",
                kind="Component",
                owner_ref="group:default/team-a",
                description="Takes money",
            )
        ]

    monkeypatch.setattr(views, "catalog_selector", {"entity_search": entity_search}.get)
    return calls


def test_search_shows_catalog_hits(client_owner, fake_search):
    response = client_owner.get("/search/", {"q": " payments "})
    assert response.status_code == 200
    assert fake_search == [("payments", views.SEARCH_LIMIT)]
    assert b"component:default/payments" in response.content
    assert b"<html" in response.content


def test_search_without_a_query_does_not_search(client_owner, fake_search):
    response = client_owner.get("/search/")
    assert response.status_code == 200
    assert fake_search == []


def test_htmx_search_returns_only_the_results_fragment(client_owner, fake_search):
    response = client_owner.get("/search/", {"q": "pay"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"component:default/payments" in response.content
    assert "HX-Request" in response["Vary"]


def test_search_says_so_when_the_catalog_has_no_search(client_owner, monkeypatch):
    monkeypatch.setattr(views, "catalog_selector", lambda name: None)
    response = client_owner.get("/search/", {"q": "x"})
    assert b"Catalog search is not available" in response.content
