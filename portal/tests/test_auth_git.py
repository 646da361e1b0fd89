"""Authentication under /git/: HTTP Basic with an API token, a Basic challenge for git, redirects for pages."""

import base64

import pytest

from portal.auth import is_git_protocol_path

pytestmark = pytest.mark.django_db


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize("path,expected", [
    ("/git/acme/web.git/info/refs", True), ("/git/acme/web.git", False), ("/git/acme/web.git/git-receive-pack", True),
    ("/git/acme/web/", False), ("/git/", False), ("/git/acme/web/blob/main/x.git/y", False), ("/api/x.git/", False),
])
def test_git_protocol_paths(path, expected):
    assert is_git_protocol_path(path) is expected


def test_anonymous_git_protocol_requests_get_a_401_with_a_basic_challenge(client):
    response = client.get("/git/acme/web.git/info/refs?service=git-upload-pack")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Paved git"'
    assert response.json()["error"]["name"] == "AuthenticationError"


@pytest.mark.parametrize("path", ["/git/acme/web/", "/git/acme/web.git"])
def test_anonymous_browse_pages_redirect_to_the_login_page(client, path):
    response = client.get(path)  # a clone URL opened in a browser too: sign in, then the repository page
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_basic_auth_with_a_token_as_password_signs_in_under_git(client, api_token, owner):
    response = client.get("/git/", headers=basic("anything", api_token))
    assert response.status_code == 200
    assert response.context["user"] == owner


@pytest.mark.parametrize("header", [
    basic("x", "pvd_not-a-token"), basic("x", ""), {"Authorization": "Basic !!!notbase64"},
    {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
])
def test_bad_basic_credentials_under_git_are_401_with_a_challenge(client, api_token, header):
    response = client.get("/git/acme/web.git/info/refs", headers=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Paved git"'
    assert client.get("/git/", headers=header).status_code == 401


def test_basic_auth_is_ignored_outside_git(client, api_token):
    response = client.get("/profile/", headers=basic("x", api_token))
    assert response.status_code == 302


def test_a_password_is_not_a_token(client, owner, password):
    assert client.get("/git/", headers=basic("owner", password)).status_code == 401


def test_bearer_tokens_still_work_under_git(client, api_token, owner):
    response = client.get("/git/", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
