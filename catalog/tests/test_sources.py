"""catalog.sources: the checked reads other apps (techdocs, the scaffolder) make of files and URLs."""

import pytest

from catalog import sources
from catalog.ingest import readers
from githost import services as githost


@pytest.fixture
def roots(settings, tmp_path):
    inside = tmp_path / "root"
    inside.mkdir()
    (inside / "a.yaml").write_text("kind: Component\n")
    (tmp_path / "secret").write_text("key")
    (inside / "link").symlink_to(tmp_path / "secret")
    settings.PAVED_FILE_ROOTS = [str(inside)]
    settings.PAVED_READ_ALLOW = ["docs.example.com"]
    return inside


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no request may leave for a host outside PAVED_READ_ALLOW")

    monkeypatch.setattr(readers._opener, "open", refuse)


def test_the_error_is_the_readers_one_so_existing_handlers_still_catch_it():
    assert sources.ReadError is readers.ReadError


def test_a_path_is_allowed_only_inside_the_file_roots_with_links_resolved(roots, tmp_path):
    assert sources.source_path_allowed(path=roots)
    assert sources.source_path_allowed(path=str(roots / "a.yaml"))
    assert not sources.source_path_allowed(path=tmp_path / "secret")
    assert not sources.source_path_allowed(path=roots / ".." / "secret")
    assert not sources.source_path_allowed(path=roots / "link")  # a link leading out of the root


def test_a_url_on_a_host_outside_the_allow_list_is_refused_before_any_request(roots, no_network):
    with pytest.raises(sources.ReadError, match="not in PAVED_READ_ALLOW"):
        sources.source_read_url(url="https://evil.example.com/catalog-info.yaml")
    with pytest.raises(sources.ReadError, match="must use http or https"):
        sources.source_read_url(url="file:///etc/passwd")


@pytest.mark.django_db
def test_a_url_on_the_built_in_git_host_is_read_without_the_network(settings, tmp_path, no_network):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_GIT_HOST = "127.0.0.1:8000"
    settings.PAVED_READ_ALLOW = []
    githost.repo_create(owner="acme", name="docs")
    githost.repo_commit_files(owner="acme", name="docs", branch="main", message="docs", files={"mkdocs.yml": b"x"},
                              author_name="Ada", author_email="ada@x.io")

    assert sources.source_read_url(url="http://127.0.0.1:8000/git/acme/docs/blob/main/mkdocs.yml") == b"x"


def test_a_location_is_read_as_the_catalog_reads_its_own(roots, tmp_path, no_network):
    assert sources.source_read(location_type="file", target=str(roots / "a.yaml")) == b"kind: Component\n"
    with pytest.raises(sources.ReadError, match="outside the directories the catalog may read"):
        sources.source_read(location_type="file", target=str(tmp_path / "secret"))
    with pytest.raises(sources.ReadError, match="not in PAVED_READ_ALLOW"):
        sources.source_read(location_type="url", target="https://evil.example.com/x.yaml")
    with pytest.raises(sources.ReadError, match="unknown location type"):
        sources.source_read(location_type="git", target="x")
