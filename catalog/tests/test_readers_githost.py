"""URL locations on the built-in git host are read from its repositories: no network, no allow-list."""

import pytest

from catalog import services
from catalog.ingest import readers
from catalog.ingest.readers import ReadError, read_url
from catalog.models import Entity, Location
from githost import services as githost

pytestmark = pytest.mark.django_db

AUTHOR = {"author_name": "Ada", "author_email": "ada@x.io"}
COMPONENT = b"""apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: web-root}
spec: {targets: [./more/api.yaml]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec: {type: website, lifecycle: production, owner: team-a}
"""
API = b"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web-api}
spec: {type: service, lifecycle: production, owner: team-a}
"""


@pytest.fixture(autouse=True)
def git_host(settings, tmp_path, monkeypatch):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_GIT_HOST = "127.0.0.1:8000"
    settings.PAVED_READ_ALLOW = []

    def no_network(*args, **kwargs):
        raise AssertionError("the git host must be read without the network")

    monkeypatch.setattr(readers._opener, "open", no_network)
    githost.repo_create(owner="acme", name="web")
    githost.repo_commit_files(owner="acme", name="web", branch="main", message="catalog",
                              files={"catalog-info.yaml": COMPONENT, "more/api.yaml": API}, **AUTHOR)


def refresh(target: str) -> Location:
    location = Location.objects.create(type="url", target=target)
    services.location_refresh(location_id=location.pk)
    location.refresh_from_db()
    return location


def test_a_location_on_the_git_host_is_ingested_with_its_relative_targets():
    location = refresh("http://127.0.0.1:8000/git/acme/web/blob/main/catalog-info.yaml")
    assert location.status == Location.Status.OK, location.message
    names = set(Entity.objects.filter(location=location).values_list("name", flat=True))
    assert {"web", "web-api"} <= names


def test_a_push_is_seen_on_the_next_refresh():
    location = refresh("http://127.0.0.1:8000/git/acme/web/blob/main/catalog-info.yaml")
    githost.repo_commit_files(owner="acme", name="web", branch="main", message="rename",
                              files={"more/api.yaml": API.replace(b"web-api", b"web-backend")}, **AUTHOR)
    services.location_refresh(location_id=location.pk)
    current = set(Entity.objects.filter(location=location, orphan=False).values_list("name", flat=True))
    assert "web-backend" in current and "web-api" not in current  # the catalog keeps the old one as an orphan


def test_read_url_reads_bytes_from_the_repository():
    assert read_url("http://127.0.0.1:8000/git/acme/web/raw/main/more/api.yaml") == API


@pytest.mark.parametrize("target,message", [
    ("http://127.0.0.1:8000/git/acme/web/blob/main/missing.yaml", "missing.yaml does not exist at main"),
    ("http://127.0.0.1:8000/git/acme/nope/blob/main/catalog-info.yaml", "repository acme/nope does not exist"),
    ("http://127.0.0.1:8000/git/acme/web/blob/nope/catalog-info.yaml", "ref 'nope' does not exist"),
    ("http://127.0.0.1:8000/git/acme/web/tree/main/more", "is a directory"),
    ("http://127.0.0.1:8000/git/acme/web", "names a repository, not a file"),
])
def test_unreadable_targets_are_read_errors_naming_the_problem(target, message):
    with pytest.raises(ReadError, match=message):
        read_url(target)


def test_files_over_the_size_limit_are_refused(settings):
    settings.PAVED_MAX_FILE_BYTES = 10
    with pytest.raises(ReadError, match="over the limit of 10 bytes"):
        read_url("http://127.0.0.1:8000/git/acme/web/blob/main/catalog-info.yaml")


def test_a_failed_location_says_why():
    location = refresh("http://127.0.0.1:8000/git/acme/web/blob/main/missing.yaml")
    assert location.status == Location.Status.FAILED
    assert "missing.yaml does not exist" in location.message


def test_other_hosts_still_need_the_allow_list():
    with pytest.raises(ReadError, match="not in PAVED_READ_ALLOW"):
        read_url("http://127.0.0.1:9000/git/acme/web/blob/main/catalog-info.yaml")
