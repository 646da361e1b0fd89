"""The built-in git host as templates name it (`paved`) and as Paved prints it (PAVED_PUBLIC_URL): the
repoUrl parser, the RepoUrlPicker, publish:git, catalog:register and the task page (issue 11, 5 and 6)."""

import re
from functools import partial
from pathlib import Path

import pytest
from django.urls import reverse

from catalog.models import Location
from githost import services as githost
from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.catalog import CatalogRegister
from scaffolding.actions.publish_git import PublishGit
from scaffolding.forms.fields import field_for
from scaffolding.forms.schema import validate_values
from scaffolding.lib.repo_url import clone_url_from, host_label, repo_url_parse
from scaffolding.tests.helpers import ada_ctx, olive_ctx
from scaffolding.tests.test_views_runs import make_run

PUBLIC = "https://paved.example.com"


@pytest.fixture(autouse=True)
def deployed(settings, tmp_path):
    """Paved at https://paved.example.com; PAVED_GIT_HOST derived from it, as settings do when it is unset."""
    settings.PAVED_PUBLIC_URL = PUBLIC
    settings.PAVED_GIT_HOST = "paved.example.com"
    settings.PAVED_GIT_ROOT = tmp_path / "git"


@pytest.fixture
def olive(db, django_user_model):
    return django_user_model.objects.create_user("olive", "olive@example.com", "x")


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "README.md").write_text("# web\n")
    return root


publish_ctx = partial(olive_ctx, task_id="task-1", step_id="create-repo")


# --- repoUrl --------------------------------------------------------------------------------------


def test_the_stable_name_maps_to_the_public_clone_url(db):
    parsed = repo_url_parse("paved?owner=acme&repo=web")
    assert (parsed.host, parsed.owner, parsed.repo) == ("paved", "acme", "web")
    assert clone_url_from("paved?owner=acme&repo=web") == f"{PUBLIC}/git/acme/web.git"
    assert clone_url_from("paved.example.com?owner=acme&repo=web") == f"{PUBLIC}/git/acme/web.git"
    assert clone_url_from("http://paved/git/acme/web.git") == f"{PUBLIC}/git/acme/web.git"
    assert clone_url_from("https://paved.example.com/git/acme/web/") == f"{PUBLIC}/git/acme/web.git"
    # Any other host is that host, never the built-in one.
    assert clone_url_from("paved.evil.com?owner=acme&repo=web") == "https://paved.evil.com/acme/web.git"


@pytest.mark.parametrize("value", [
    "paved@evil.com?owner=acme&repo=web", "evil.com@paved?owner=acme&repo=web", "paved/evil.com?owner=a&repo=b",
    "paved:99999?owner=acme&repo=web", "paved:0?owner=acme&repo=web", "paved#x?owner=acme&repo=web",
    "paved?owner=..&repo=web", "paved?owner=acme&repo=..", "paved?owner=acme&repo=../../etc",
    "paved?owner=acme%2F..&repo=web", "paved?owner=acme&repo=web%2F..%2F..%2Fx", "paved?owner=acme&repo=web.git",
    "paved?owner=acme/sub&repo=web", "paved?owner=acme&repo=web&repo=other", "http://paved/acme/web",
    "http://paved/git/acme/../x.git", "https://paved/git/acme/web/blob/main/x", "http://paved:8000/git/acme/web.git",
])
def test_hostile_repo_urls_on_the_stable_name_are_refused(value, db):
    with pytest.raises(ActionInputError, match="^repoUrl: "):
        clone_url_from(value)


# --- publish:git ------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["paved", "PAVED", "paved.example.com"])
def test_publish_git_accepts_every_name_of_the_built_in_host(olive, workspace, host):
    ctx = publish_ctx(workspace, repoUrl=f"{host}?owner=acme&repo=web", allowedHosts=[host.lower()])
    PublishGit().run(ctx)
    assert ctx.outputs["remoteUrl"] == f"{PUBLIC}/git/acme/web.git"
    assert ctx.outputs["repoContentsUrl"] == f"{PUBLIC}/git/acme/web/blob/main"
    assert githost.repo_get(owner="acme", name="web") is not None


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "paved.example.com:8443", "paved.evil.com", "github.com",
                                  "localhost", "paved.example.com.evil.com"])
def test_publish_git_refuses_any_other_host_naming_paved(olive, workspace, host):
    with pytest.raises(ActionInputError) as caught:
        PublishGit().run(publish_ctx(workspace, repoUrl=f"{host}?owner=acme&repo=web"))
    assert f"host {host!r} is not allowed" in str(caught.value) and "to 'paved'" in str(caught.value)
    assert githost.repo_get(owner="acme", name="web") is None


def test_the_old_address_works_when_it_is_the_public_url(settings, olive, workspace):
    settings.PAVED_PUBLIC_URL = "http://127.0.0.1:8000"
    settings.PAVED_GIT_HOST = "127.0.0.1:8000"
    ctx = publish_ctx(workspace, repoUrl="127.0.0.1:8000?owner=acme&repo=web", allowedHosts=["127.0.0.1:8000"])
    PublishGit().run(ctx)
    assert ctx.outputs["remoteUrl"] == "http://127.0.0.1:8000/git/acme/web.git"


# --- catalog:register -------------------------------------------------------------------------------


COMPONENT = b"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec: {type: service, lifecycle: production, owner: team-a}
"""


def test_register_stores_a_stable_name_url_under_the_public_url(db, tmp_path):
    githost.repo_create(owner="acme", name="web")
    githost.repo_commit_files(owner="acme", name="web", branch="main", message="init", author_name="Ada",
                              author_email="ada@example.com", files={"catalog-info.yaml": COMPONENT})
    ctx = ada_ctx(tmp_path, {"catalogInfoUrl": "http://paved/git/acme/web/blob/main/catalog-info.yaml"},
                  step_id="register")
    CatalogRegister().run(ctx)
    url = f"{PUBLIC}/git/acme/web/blob/main/catalog-info.yaml"
    assert ctx.outputs == {"entityRef": "component:default/web", "catalogInfoUrl": url}
    assert Location.objects.filter(target=url).exists()
    assert not Location.objects.filter(target__contains="//paved/").exists()


# --- The RepoUrlPicker ------------------------------------------------------------------------------


PICKER = {"properties": {"repoUrl": {"title": "Repository", "type": "string", "ui:field": "RepoUrlPicker"}}}


def test_the_picker_offers_the_built_in_host_by_name_and_says_where_it_is():
    field = field_for(PICKER["properties"]["repoUrl"], "repoUrl")
    assert field.parts["hosts"] == [{"value": "paved", "label": "paved (Paved's built-in git host)"}]
    assert field.parts["builtin"] == "paved" and field.parts["builtin_url"] == f"{PUBLIC}/git/"
    assert host_label("paved.example.com") == "paved.example.com (Paved's built-in git host)"
    assert host_label("github.com") == "github.com"
    assert validate_values(PICKER, {"repoUrl": "paved?owner=acme&repo=web"}) == []
    errors = validate_values(PICKER, {"repoUrl": "paved@evil.com?owner=acme&repo=web"})
    assert errors and errors[0]["field"] == "repoUrl"


def test_the_picker_page_shows_the_label_and_help(client_owner, tmp_path):
    from catalog.tests.factories import yaml_load

    yaml_load(tmp_path, """apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: repo-picker}
spec:
  owner: team-a
  type: service
  parameters:
    - title: Where
      properties:
        repoUrl: {title: Repository, type: string, ui:field: RepoUrlPicker, ui:options: {allowedHosts: [paved]}}
  steps:
    - {id: log, action: debug:log, input: {message: hi}}
""")
    page = client_owner.get(reverse("scaffolding:template_form", args=["default", "repo-picker"])).content.decode()
    assert '<option value="paved">paved (Paved&#x27;s built-in git host)</option>' in page
    assert "Paved&#x27;s built-in git host" in page and f"<code>{PUBLIC}/git/</code>" in page


# --- The task page ------------------------------------------------------------------------------------


def test_the_repository_link_opens_the_repository_page_and_offers_the_clone_url(client_owner, owner):
    run = make_run(owner, status="completed", steps=("completed",), output={"links": [
        {"title": "Repository", "url": f"{PUBLIC}/git/acme/web.git"},
        {"title": "Stable name", "url": "http://paved/git/acme/api.git"},
        {"title": "A file", "url": "http://paved/git/acme/web/blob/main/README.md"},
        {"title": "Not ours", "url": "http://paved@evil.example.com/git/acme/web.git"},
        {"title": "Elsewhere", "url": "https://github.com/acme/web.git"},
        {"title": "Evil", "url": "javascript:alert(1)//paved/git/acme/web.git"},
    ]}, created_resources=[{"kind": "repository", "ref": "acme/old", "url": "http://paved/git/acme/old.git",
                            "step": "s0"}])
    page = client_owner.get(reverse("scaffolding:run_detail", args=[run.pk])).content.decode()
    anchors = re.findall(r'<a class="button" href="([^"]*)"[^>]*>([^<]+)</a>', page)
    links = {title: href for href, title in anchors}
    assert links == {"Repository": f"{PUBLIC}/git/acme/web", "Stable name": f"{PUBLIC}/git/acme/api",
                     "A file": f"{PUBLIC}/git/acme/web/blob/main/README.md",
                     "Not ours": "http://paved@evil.example.com/git/acme/web.git",
                     "Elsewhere": "https://github.com/acme/web.git"}
    clones = re.findall(r'<input id="(run-clone-url-\d+)"[^>]*value="([^"]*)"', page)
    assert clones == [("run-clone-url-1", f"{PUBLIC}/git/acme/web.git"),
                      ("run-clone-url-2", f"{PUBLIC}/git/acme/api.git")]
    for dom_id, _ in clones:
        assert f'<button type="button" class="button small run-clone-copy" data-copy="#{dom_id}"' in page
    assert "javascript:" not in page and "onclick" not in page
    assert re.search(r'<script src="/static/js/copy\.js" nonce="[^"]+" defer></script>', page)


# --- The stable name never reaches the network ------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://paved/api/catalog/entities", "http://paved/git/acme/../../etc/passwd", "http://paved:8000/git/x",
    "https://paved.example.com/admin/", "http://paved/git/acme/web",
])
def test_register_refuses_a_url_on_the_built_in_host_that_is_no_file_of_it(db, tmp_path, url, monkeypatch):
    from catalog import sources

    monkeypatch.setattr(sources, "source_read_url", lambda **kw: pytest.fail(f"fetched {kw}"))
    ctx = ada_ctx(tmp_path, {"catalogInfoUrl": url}, step_id="register")
    with pytest.raises((ActionInputError, ActionError)):
        CatalogRegister().run(ctx)
    assert not Location.objects.exists()


@pytest.mark.parametrize("url", ["http://paved/templates/x.yaml", "http://paved/git/acme/%2e%2e/x/blob/main/y",
                                 "https://paved.example.com/api/x"])
def test_fetch_refuses_a_url_on_the_built_in_host_that_is_no_file_of_it(db, url, monkeypatch):
    from scaffolding.lib import fetch_source

    monkeypatch.setattr(fetch_source, "source_read_url", lambda **kw: pytest.fail(f"fetched {kw}"))
    with pytest.raises(ActionInputError, match="^url: .*names the built-in git host"):
        fetch_source.fetch_file(base="", url=url)


def test_fetch_reads_a_file_named_with_the_stable_name_from_the_repository(db):
    from scaffolding.lib import fetch_source

    githost.repo_create(owner="acme", name="templates")
    githost.repo_commit_files(owner="acme", name="templates", branch="main", message="init", author_name="Ada",
                              author_email="ada@example.com", files={"svc/README.md": b"# hi\n"})
    assert fetch_source.fetch_file(base="", url="http://paved/git/acme/templates/blob/main/svc/README.md") == b"# hi\n"
