"""Clone, web and contents URLs, and reading them back with parse_host_url."""

import pytest

from githost import services
from githost.services import HostUrl


@pytest.fixture(autouse=True)
def host(settings):
    settings.PAVED_PUBLIC_URL = "https://git.example.com:8000"
    settings.PAVED_GIT_HOST = "git.example.com:8000"


def test_urls_use_the_public_url():
    assert services.remote_url("acme", "web") == "https://git.example.com:8000/git/acme/web.git"
    assert services.web_url("acme", "web") == "https://git.example.com:8000/git/acme/web"
    assert services.contents_url("acme", "web", "main") == "https://git.example.com:8000/git/acme/web/blob/main"


@pytest.mark.parametrize("url,expected", [
    ("https://git.example.com:8000/git/acme/web/blob/main/catalog-info.yaml",
     HostUrl("acme", "web", "main", "catalog-info.yaml")),
    ("http://GIT.example.com:8000/git/acme/web/tree/dev/docs/a%20b/", HostUrl("acme", "web", "dev", "docs/a b")),
    ("https://git.example.com:8000/git/acme/web/raw/0123abc/x.yaml?x=1", HostUrl("acme", "web", "0123abc", "x.yaml")),
    ("https://git.example.com:8000/git/acme/web/blob/main", HostUrl("acme", "web", "main", "")),
    ("https://user:tok@git.example.com:8000/git/acme/web.git", HostUrl("acme", "web", "main", "")),
    ("https://git.example.com:8000/git/acme/web/", HostUrl("acme", "web", "main", "")),
])
def test_parse_host_url_understands_our_urls(url, expected, db):
    assert services.parse_host_url(url) == expected


@pytest.mark.parametrize("url", [
    "https://github.com/git/acme/web/blob/main/x.yaml",
    "https://git.example.com/git/acme/web/blob/main/x.yaml",  # another port
    "https://git.example.com:9000/git/acme/web",
    "ftp://git.example.com:8000/git/acme/web",
    "https://git.example.com:8000/api/acme/web",
    "https://git.example.com:8000/git/acme",
    "https://git.example.com:8000/git/acme/web/commits/main",
    "https://git.example.com:8000/git/acme/web/blob",
    "https://git.example.com:8000/git/acme/web/blob/-x/y",
    "https://git.example.com:8000/git/../web/blob/main/y",
    "https://git.example.com:bad/git/acme/web",
    "not a url",
    "",
])
def test_parse_host_url_returns_none_for_anything_else(url, db):
    assert services.parse_host_url(url) is None


def test_parse_host_url_defaults_to_the_registered_default_branch(db, git_root):
    services.repo_create(owner="acme", name="web", default_branch="trunk")
    assert services.parse_host_url("https://git.example.com:8000/git/acme/web").ref == "trunk"
