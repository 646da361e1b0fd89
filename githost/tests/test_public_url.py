"""The built-in host's names (`paved`, the public host, PAVED_GIT_HOST) and its URLs on PAVED_PUBLIC_URL."""

import pytest

from githost import services
from githost.services import HostUrl


@pytest.fixture(autouse=True)
def deployed(settings):
    """A deployment at https://paved.example.com/tools (PAVED_GIT_HOST derived from it, as settings do)."""
    settings.PAVED_PUBLIC_URL = "https://paved.example.com/tools"
    settings.PAVED_GIT_HOST = "paved.example.com"


def test_every_url_uses_the_public_url_with_its_prefix():
    assert services.public_url("/git/") == "https://paved.example.com/tools/git/"
    assert services.remote_url("acme", "web") == "https://paved.example.com/tools/git/acme/web.git"
    assert services.web_url("acme", "web") == "https://paved.example.com/tools/git/acme/web"
    assert services.contents_url("acme", "web", "main") == "https://paved.example.com/tools/git/acme/web/blob/main"


def test_the_host_names_are_the_stable_name_and_the_public_host():
    assert services.host_names() == ("paved", "paved.example.com")
    assert services.is_host("paved") and services.is_host("PAVED") and services.is_host("paved.example.com")


@pytest.mark.parametrize("host", [
    "127.0.0.1:8000",            # the old default address is not this deployment's
    "paved.example.com:8443", "paved:80", "paved.evil.com", "evil.com", "paved.", ".paved", "paved@evil.com",
    "evil.com@paved", "paved/..", "", None, 42, ["paved"],
])
def test_other_hosts_are_not_the_built_in_one(host):
    assert not services.is_host(host)


def test_an_older_deployment_may_keep_its_own_name(settings):
    settings.PAVED_GIT_HOST = "127.0.0.1:8000"  # PAVED_GIT_HOST=127.0.0.1:8000 kept for old templates
    assert services.is_host("127.0.0.1:8000")
    assert services.remote_url("acme", "web") == "https://paved.example.com/tools/git/acme/web.git"


@pytest.mark.parametrize("url,expected", [
    ("https://paved.example.com/tools/git/acme/web/blob/main/catalog-info.yaml",
     HostUrl("acme", "web", "main", "catalog-info.yaml")),
    ("https://paved.example.com:443/tools/git/acme/web/tree/dev/docs", HostUrl("acme", "web", "dev", "docs")),
    ("http://paved/git/acme/web/blob/main/x.yaml", HostUrl("acme", "web", "main", "x.yaml")),  # the stable name
    ("https://me:token@paved.example.com/tools/git/acme/web.git", HostUrl("acme", "web", "main", "")),
    ("http://evil.example.com@paved/git/acme/web/raw/main/x", HostUrl("acme", "web", "main", "x")),  # host: paved
])
def test_urls_on_any_name_of_the_host_are_read_from_its_repositories(url, expected, db):
    assert services.parse_host_url(url) == expected


@pytest.mark.parametrize("url", [
    "http://paved@evil.example.com/git/acme/web/blob/main/x",    # the host is evil.example.com
    "https://paved.example.com.evil.com/tools/git/acme/web",
    "https://paved.example.com:8443/tools/git/acme/web",
    "http://127.0.0.1:8000/git/acme/web/blob/main/x",            # no longer this deployment's address
    "http://paved/git/acme/../../etc/passwd", "http://paved/git/%2e%2e/web/blob/main/x",
    "http://paved/git/acme/.git/blob/main/x", "http://paved/git/acme/web/blob/..%2f..%2fx/y",
    "http://paved/git/-acme/web", "file://paved/git/acme/web", "ssh://paved/git/acme/web",
    "https://paved.example.com/tools/api/acme/web", "http://paved:99999/git/acme/web", "",
])
def test_anything_else_is_not_ours(url, db):
    assert services.parse_host_url(url) is None


def test_canonical_url_writes_any_name_as_the_public_url(db):
    assert services.canonical_url("http://paved/git/acme/web/blob/main/catalog-info.yaml") == \
        "https://paved.example.com/tools/git/acme/web/blob/main/catalog-info.yaml"
    assert services.canonical_url("https://paved.example.com/git/acme/web.git") == \
        "https://paved.example.com/tools/git/acme/web.git"
    for other in ("https://github.com/acme/web", "http://paved@evil.example.com/git/acme/web", "http://paved/api/x"):
        assert services.canonical_url(other) == other


def test_a_clone_url_opened_in_a_browser_shows_the_repository_page(client_owner, repo):
    response = client_owner.get("/git/acme/web.git")
    assert response.status_code == 302 and response["Location"] == "/git/acme/web"
    missing = client_owner.get("/git/acme/nope.git")
    assert missing.status_code == 404 and "There is no repository acme/nope." in missing.content.decode()


def test_the_repository_page_offers_the_public_clone_url_with_a_copy_button(client_owner, repo):
    page = client_owner.get("/git/acme/web/").content.decode()
    assert 'value="https://paved.example.com/tools/git/acme/web.git"' in page
    assert 'data-copy="#clone-url"' in page and "js/copy.js" in page and "onclick" not in page
