"""Styled pages for people, Backstage's envelope for API clients, 503 while the database is away."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_a_styled_404_with_ways_out(client_owner):
    response = client_owner.get("/catalog/default/component/no-such-thing/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<html" in page and 'aria-label="Main"' in page  # the whole shell, navigation included
    assert "Not found" in page and 'href="/search/"' in page


def test_an_unknown_url_names_the_path_not_the_resolver_internals(client_owner):
    page = client_owner.get("/no/such/page/").content.decode()
    assert "/no/such/page/" in page and "tried" not in page


def test_an_unknown_api_path_is_the_envelope(client_owner):
    response = client_owner.get("/api/no-such-api/")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "NotFoundError"


def test_a_refusal_is_a_styled_403_saying_why(client_owner):
    response = client_owner.get("/audit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You are not allowed to do this" in page and "<html" in page
    assert "paved.audit.read" in page


@pytest.fixture
def failing(settings):
    settings.ROOT_URLCONF = "portal.tests.urls_failing"


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_a_bug_is_a_styled_500_without_a_stack_trace(failing, owner):
    response = _client(owner).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "Traceback" not in page and "a bug" not in page
    assert "Request id" in page


def test_an_api_bug_is_a_500_envelope(failing, owner):
    response = _client(owner).get("/api/boom/")
    assert response.status_code == 500
    assert response.json()["error"]["name"] == "Error"


def test_an_unreachable_database_is_a_503_page_that_asks_to_retry(failing, owner):
    response = _client(owner).get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "cannot reach its database" in response.content.decode()
    assert "5432" not in response.content.decode()


def test_an_unreachable_database_is_a_503_envelope_for_api_clients(failing, owner):
    response = _client(owner).get("/api/database-gone/")
    assert response.status_code == 503
    assert response.json()["error"]["name"] == "ServiceUnavailableError"
