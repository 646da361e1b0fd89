"""Docs whose source is a repository on the portal's git host (dir: and url: references)."""

import textwrap

import pytest

from catalog.models import Location
from catalog.services import location_refresh
from githost import services as githost
from techdocs import services
from techdocs.models import DocsBuild, DocsPage, DocsSite

from .conftest import ENTITY, write_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def git_root(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_GIT_HOST = "127.0.0.1:8000"
    return settings.PAVED_GIT_ROOT


def publish(tmp_path, *, name="ledger", ref="dir:.", subdir=""):
    root = write_site(tmp_path / "src" / name / subdir)
    (tmp_path / "src" / name / "catalog-info.yaml").write_text(ENTITY.format(name=name, ref=ref))
    githost.repo_create(owner="acme", name=name)
    githost.repo_commit_tree(owner="acme", name=name, branch="main", source_dir=tmp_path / "src" / name,
                             message="initial", author_name="Jane", author_email="jane@example.com")
    url = githost.contents_url("acme", name, "main") + "/catalog-info.yaml"
    location = Location.objects.create(type="url", target=url)
    location_refresh(location_id=location.pk)
    return root


def test_dir_reference_on_a_git_host_entity_builds_from_the_repository(git_root, tmp_path):
    publish(tmp_path)
    build_id = services.docs_scan(enqueue=False)[0]
    build = services.docs_build_here(build_id=build_id)
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    assert DocsPage.objects.filter(site__entity_ref="component:default/ledger").count() == 2


def test_a_push_that_changes_the_docs_is_rebuilt_and_an_unchanged_scan_is_not(git_root, tmp_path):
    publish(tmp_path)
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert services.docs_scan(enqueue=False) == []
    githost.repo_commit_files(owner="acme", name="ledger", branch="main",
                              files={"docs/index.md": textwrap.dedent("# Ledger v2\n\nNew words.\n").encode()},
                              message="docs", author_name="Jane", author_email="jane@example.com")
    rebuilt = services.docs_scan(enqueue=False)
    assert len(rebuilt) == 1
    services.docs_build_here(build_id=rebuilt[0])
    assert DocsPage.objects.filter(html__contains="New words").exists()


def test_url_reference_to_a_subdirectory_on_the_git_host(git_root, tmp_path):
    url = githost.web_url("acme", "ledger") + "/tree/main/handbook"
    publish(tmp_path, ref=f"url:{url}", subdir="handbook")
    build = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log


def test_references_leaving_the_repository_or_on_other_hosts_are_clear_errors(git_root, tmp_path):
    publish(tmp_path, name="escape", ref="dir:../../etc")
    services.docs_scan(enqueue=False)
    assert "leaves the repository acme/escape" in DocsSite.objects.get().ref_error
    with pytest.raises(services.RefError, match=r"PAVED_READ_ALLOW .*PAVED_GIT_HOST=127\.0\.0\.1:8000"):
        services.resolve_source(techdocs_ref="url:https://github.com/org/repo", entity_source="file:/x/c.yaml")


def test_a_missing_docs_directory_in_the_repository_names_it(git_root, tmp_path):
    publish(tmp_path, name="nodocs", ref="dir:./handbook")
    services.docs_scan(enqueue=False)
    assert "acme/nodocs" in DocsSite.objects.get().ref_error
