"""Styled pages for people, Backstage's envelope for API clients, 503 while the database is away."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_an_unknown_page_is_a_styled_404_with_ways_out(client_owner):
    response = client_owner.get("/catalog/default/component/no-such-thing/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<html" in page and 'aria-label="Main"' in page  # the whole shell, navigation included
    assert "Not found" in page and 'href="/search/"' in page


@pytest.mark.django_db
def test_an_unknown_url_names_the_path_not_the_resolver_internals(client_owner):
    page = client_owner.get("/no/such/page/").content.decode()
    assert "/no/such/page/" in page and "tried" not in page


@pytest.mark.django_db
def test_an_unknown_api_path_is_the_envelope(client_owner):
    response = client_owner.get("/api/no-such-api/")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "NotFoundError"


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_a_bug_is_a_styled_500_without_a_stack_trace(failing, owner):
    response = _client(owner).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "Traceback" not in page and "a bug" not in page
    assert "Request id" in page


@pytest.mark.django_db
def test_an_api_bug_is_a_500_envelope(failing, owner):
    response = _client(owner).get("/api/boom/")
    assert response.status_code == 500
    assert response.json()["error"]["name"] == "Error"


@pytest.mark.django_db
def test_an_unreachable_database_is_a_503_page_that_asks_to_retry(failing, owner):
    response = _client(owner).get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "cannot reach its database" in response.content.decode()
    assert "5432" not in response.content.decode()


@pytest.mark.django_db
def test_an_unreachable_database_is_a_503_envelope_for_api_clients(failing, owner):
    response = _client(owner).get("/api/database-gone/")
    assert response.status_code == 503
    assert response.json()["error"]["name"] == "ServiceUnavailableError"


# --- every app's refusals are styled pages with the shell and a way back into the app ----------------

def _styled(response, status: int, *, back: str | None = None) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<html" in page and 'aria-label="Main"' in page, page[:300]  # base.html, navigation included
    assert 'href="/"' in page or 'href="/">' in page or "Home</a>" in page
    if back:
        assert f'href="{back}" class="way-back"' in page, page
    return page


@pytest.mark.parametrize(("path", "back"), [
    ("/catalog/default/component/no-such-thing/", "/catalog/"),
    ("/catalog/locations/00000000-0000-0000-0000-000000000000/", "/catalog/"),
    ("/docs/default/component/no-such-thing/", "/docs/"),
    ("/create/templates/default/no-such-template/", "/create/"),
    ("/create/tasks/00000000-0000-0000-0000-000000000000/", "/create/"),
    ("/surveys/999999/answer/", "/surveys/"),
    ("/surveys/999999/results/", "/surveys/"),
])
@pytest.mark.django_db
def test_each_apps_404_is_a_styled_page_with_a_way_back(client_owner, admin_user, path, back):
    client = client_owner if "results" not in path else _client(admin_user)
    page = _styled(client.get(path), 404, back=back)
    assert "Not found" in page and path in page


@pytest.mark.django_db
def test_the_git_browser_404_is_a_styled_page(client_owner):
    page = _styled(client_owner.get("/git/nobody/nothing/"), 404)
    assert "All repositories" in page


@pytest.mark.parametrize(("path", "back"), [
    ("/catalog/", "/catalog/"), ("/catalog/orphans/", "/catalog/"), ("/docs/", "/docs/"), ("/create/", "/create/"),
    ("/create/tasks/", "/create/"), ("/surveys/", "/surveys/"), ("/git/", "/git/"), ("/search/", None),
])
@pytest.mark.django_db
def test_a_wrong_method_on_a_page_is_a_styled_405_naming_the_allowed_ones(client_owner, path, back):
    response = client_owner.put(path)
    page = _styled(response, 405, back=back)
    assert "GET" in response["Allow"] and "<code>GET</code>" in page and "<code>PUT</code>" in page


@pytest.mark.django_db
def test_a_hostile_method_and_path_are_escaped_on_the_405_page(client_owner):
    response = client_owner.generic("<SCRIPT>", "/surveys/")
    page = _styled(response, 405, back="/surveys/")
    assert "<SCRIPT>" not in page and "&lt;SCRIPT&gt;" in page


@pytest.mark.django_db
def test_a_head_request_to_a_post_only_page_stays_bodiless(client_owner):
    response = client_owner.head("/catalog/orphans/1/delete/")
    assert response.status_code == 405 and response.content == b""


@pytest.mark.django_db
def test_the_api_keeps_its_405_envelope(client_owner):
    response = client_owner.delete("/api/catalog/entities")
    assert response.status_code == 405 and response.json()["error"]["name"] == "NotAllowedError"


@pytest.mark.django_db
def test_the_git_protocol_keeps_answering_git_clients_in_plain_text(client_owner):
    response = client_owner.put("/git/acme/thing.git/info/refs")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("text/plain") and b"<html" not in response.content


@pytest.mark.django_db
def test_a_survey_results_refusal_says_who_may_see_them(client_owner):
    from surveys.access import WHO_MAY

    page = _styled(client_owner.get("/surveys/1/results/"), 403, back="/surveys/")
    assert "You are not allowed to do this" in page
    assert "platform admins" in page and "Survey results reader" in page
    assert WHO_MAY.split(";")[1].strip() in page  # what to do about it


@pytest.mark.django_db
def test_a_catalog_refusal_is_a_styled_403_with_a_way_back(org, outsider):
    response = _client(outsider).post("/catalog/default/component/orders/unregister/")
    _styled(response, 403, back="/catalog/")


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_a_styled_403_saying_what_to_do(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    page = _styled(client.post("/catalog/register/", {"target": "x"}), 403, back="/catalog/")
    assert "The form could not be sent" in page and "Reload the page" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_an_api_write_without_its_csrf_token_stays_the_envelope(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post("/api/catalog/locations", {"type": "url", "target": "x"})
    assert response.status_code == 403 and response.json()["error"]["name"] == "NotAllowedError"


def test_the_500_page_renders_without_the_database():
    """No django_db mark: any query raises. The handler must not need one (no context processors)."""
    from django.test import RequestFactory

    from portal.errors import server_error

    request = RequestFactory().get("/docs/default/component/x/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "a bug" not in page
    assert 'href="/docs/" class="way-back"' in page and 'href="/"' in page
