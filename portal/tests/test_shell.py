import pytest

from portal.context_processors import current_section

pytestmark = pytest.mark.django_db


def test_home_greets_the_signed_in_user_with_the_navigation(client_owner):
    response = client_owner.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Welcome, owner" in content
    for href in ("/catalog/", "/create/", "/docs/", "/surveys/", "/scorecards/", "/insights/", "/maturity/"):
        assert f'href="{href}"' in content
    assert 'hx-headers=\'{"X-CSRFToken": "' in content
    assert "/static/vendor/htmx/htmx.min.js" in content


def test_home_shows_the_catalog_summary(client_owner, org):
    content = client_owner.get("/").content.decode()
    assert "component" in content and "group" in content


def test_staff_see_the_admin_link(client, owner):
    client.force_login(owner)
    assert b'href="/admin/"' not in client.get("/").content
    owner.is_staff = True
    owner.save()
    assert b'href="/admin/"' in client.get("/").content


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/", "home"),
        ("/catalog/", "catalog"),
        ("/catalog/x/y", "catalog"),
        ("/docs/", "docs"),
        ("/profile/", ""),
    ],
)
def test_current_section_follows_the_path(path, section):
    assert current_section(path) == section


def test_the_favicon_is_there_for_anonymous_browsers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert b'rel="icon"' in client.get("/login/").content
