"""Template lineage: recording what a run published, and upgrading it by a three-way merge."""

import uuid
from pathlib import Path

import pytest

from catalog import services as catalog_services
from catalog.tests.factories import location_load
from githost.lib.git import git_run  # stands in for the owner's push: no service fast-forwards a branch
from githost.services import repo_commit_files, repo_head, repo_log, repo_read_file
from scaffolding import lineage, runner
from scaffolding import services as scaffold_services
from scaffolding.lineage import tasks as lineage_tasks
from scaffolding.lineage import upgrade as lineage_upgrade
from scaffolding.models import ScaffoldedRepository, ScaffoldRun, ScaffoldStep
from scaffolding.selectors import template_get, template_version

pytestmark = pytest.mark.django_db

HOST = "git.paved.test:8000"
APP = "one\ntwo\nthree\nfour\nfive\n"

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: svc
  title: Service
spec:
  owner: group:default/platform
  type: service
  parameters:
    - required: [name]
      properties:
        name: {{type: string}}
        repoUrl: {{type: string}}
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{{{ parameters.name }}}}{extra}
    - id: publish
      action: publish:git
      input:
        repoUrl: ${{{{ parameters.repoUrl }}}}
"""



@pytest.fixture
def host(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_GIT_HOST = HOST
    settings.PAVED_PUBLIC_URL = f"http://{HOST}"
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    return settings.PAVED_GIT_ROOT


class TemplateDir:
    """A template on disk, registered in the catalog; `change()` edits it and re-reads it."""

    def __init__(self, root: Path):
        self.root = root
        (root / "skeleton").mkdir(parents=True)
        self.write(app=APP, extra="")
        self.location = location_load(root / "template.yaml")

    def write(self, *, app: str, extra: str) -> None:
        (self.root / "skeleton" / "README.md").write_text("# ${{ values.name }}\n")
        (self.root / "skeleton" / "app.txt").write_text(app)
        (self.root / "template.yaml").write_text(TEMPLATE.format(extra=extra))

    def change(self, *, app: str, extra: str):
        # The version is a hash of the spec, so each change also edits the spec (`extra`).
        self.write(app=app, extra=extra)
        catalog_services.location_refresh(location_id=self.location.pk)
        return self.entity

    @property
    def entity(self):
        return template_get(namespace="default", name="svc")


@pytest.fixture
def tpl(tmp_path, host) -> TemplateDir:
    return TemplateDir(tmp_path / "tpl")


def scaffold(tpl: TemplateDir, actor, *, repo="web") -> ScaffoldRun:
    """Create and execute a real run of the template (no worker), then record its lineage."""
    values = {"name": repo, "repoUrl": f"{HOST}?owner=acme&repo={repo}"}
    run = scaffold_services.run_create(template=tpl.entity, values=values, actor=actor)
    assert scaffold_services.run_claim(run_id=run.pk, task_id="test")
    assert runner.run_execute(run_id=run.pk) == ScaffoldRun.Status.COMPLETED, ScaffoldRun.objects.get(pk=run.pk).error
    lineage.lineage_record(run_id=run.pk)
    return run


def owner_edit(path: str, text: str, repo="web") -> str:
    return repo_commit_files(owner="acme", name=repo, branch="main", files={path: text.encode()},
                             message="owner edit", author_name="Olive", author_email="olive@example.com")


def read(ref: str, path: str = "app.txt", repo="web") -> str:
    return repo_read_file(owner="acme", name=repo, ref=ref, path=path).decode()


# --- Recording ---------------------------------------------------------------------------------


def test_a_completed_run_records_the_repository_it_published(tpl, owner):
    run = scaffold(tpl, owner)
    row = ScaffoldedRepository.objects.get()
    assert (row.provider, row.owner, row.name) == ("git", "acme", "web")
    assert (row.default_branch, row.source_path) == ("main", "")
    assert row.run_id == run.pk and row.template_ref == "template:default/svc"
    assert row.template_version == template_version(template=tpl.entity) == run.template_version
    assert row.values == {"name": "web", "repoUrl": f"{HOST}?owner=acme&repo=web"}
    assert row.remote_url == f"http://{HOST}/git/acme/web.git"


def test_recording_twice_keeps_one_row(tpl, owner):
    run = scaffold(tpl, owner)
    again = lineage.lineage_record(run_id=run.pk)
    assert len(again) == 1 and ScaffoldedRepository.objects.count() == 1


def make_run(steps: list[dict], *, outputs: dict, statuses: dict | None = None, published: dict | None = None,
             **fields) -> ScaffoldRun:
    """A run as the runner leaves it; `published` = {step id: [what the step's ctx.record_published kept]}."""
    run = ScaffoldRun.objects.create(template_ref="template:default/t", template_version="v1",
                                     spec={"steps": steps}, status=fields.pop("status", ScaffoldRun.Status.COMPLETED),
                                     step_outputs=outputs, **fields)
    for index, step in enumerate(steps):
        checkpoint = {"published": (published or {})[step["id"]]} if step["id"] in (published or {}) else {}
        ScaffoldStep.objects.create(run=run, index=index, step_id=step["id"], name=step["id"], action=step["action"],
                                    status=(statuses or {}).get(step["id"], ScaffoldStep.Status.COMPLETED),
                                    checkpoint=checkpoint)
    return run


GITHUB_STEPS = [
    {"id": "publish", "action": "publish:github",
     "input": {"repoUrl": "github.com?owner=${{ parameters.org }}&repo=${{ parameters.name }}",
               "defaultBranch": "trunk", "sourcePath": "svc", "token": "${{ secrets.token }}"}},
    {"id": "register", "action": "catalog:register", "input": {"repoContentsUrl": "x"}},
]
GITHUB_OUTPUTS = {"publish": {"remoteUrl": "https://github.com/acme/api.git"},
                  "register": {"entityRef": "component:default/api"}}


def published(provider="github", owner="acme", repo="api", **fields) -> dict:
    return {"provider": provider, "host": f"{provider}.com", "owner": owner, "repo": repo,
            "remote_url": f"https://{provider}.com/{owner}/{repo}.git", "default_branch": "main", "source_path": "",
            **fields}


GITHUB_PUBLISHED = {"publish": [published(default_branch="trunk", source_path="svc")]}


def test_records_provider_branch_source_path_and_registered_entity():
    run = make_run(GITHUB_STEPS, outputs=GITHUB_OUTPUTS, published=GITHUB_PUBLISHED,
                   values={"org": "acme", "name": "api"})
    [row] = lineage.lineage_record(run_id=run.pk)
    assert (row.provider, row.owner, row.name) == ("github", "acme", "api")
    assert (row.default_branch, row.source_path) == ("trunk", "svc")
    assert row.remote_url == "https://github.com/acme/api.git"
    assert row.entity_ref == "component:default/api"
    assert row.template_version == "v1"


@pytest.mark.parametrize("fields", [
    {"status": ScaffoldRun.Status.FAILED},
    {"status": ScaffoldRun.Status.PROCESSING},
    {"dry_run": True},
])
def test_unfinished_failed_and_dry_runs_record_nothing(fields):
    run = make_run(GITHUB_STEPS, outputs=GITHUB_OUTPUTS, published=GITHUB_PUBLISHED,
                   values={"org": "acme", "name": "api"},
                   **fields)
    assert lineage.lineage_record(run_id=run.pk) == []
    assert not ScaffoldedRepository.objects.exists()


@pytest.mark.parametrize("run_id", ["not-a-uuid", uuid.uuid4(), None])
def test_unknown_run_ids_record_nothing(run_id):
    assert lineage.lineage_record(run_id=run_id) == []


def test_what_publishing_steps_recorded_is_recorded_and_nothing_else():
    """Lineage reads what each step recorded with ctx.record_published, not its expressions: a step
    that recorded nothing, did not run, recorded something incomplete, or whose action does not
    publish adds no row; a step repeated with `each` records every repository it published."""
    steps = [{"id": key, "action": action} for key, action in (
        ("nothing", "publish:github"), ("not-run", "publish:github"), ("incomplete", "publish:gitlab"),
        ("not-a-publisher", "debug:log"), ("looped", "publish:github"), ("good", "publish:gitlab"))]
    records = {"not-run": [published(repo="d")], "incomplete": [published(repo="")],
               "not-a-publisher": [published(repo="x")], "looped": [published(repo="c1"), published(repo="c2")],
               "good": [published("gitlab", owner="team/sub", repo="e")]}
    run = make_run(steps, outputs={}, published=records, statuses={"not-run": ScaffoldStep.Status.SKIPPED})
    rows = lineage.lineage_record(run_id=run.pk)
    assert [(r.provider, r.owner, r.name) for r in rows] == [
        ("github", "acme", "c1"), ("github", "acme", "c2"), ("gitlab", "team/sub", "e")]
    assert rows[-1].remote_url == "https://gitlab.com/team/sub/e.git"


def test_a_run_whose_steps_recorded_nothing_records_nothing():
    run = make_run([], outputs={}, values={})
    ScaffoldRun.objects.filter(pk=run.pk).update(spec={"steps": "oops"})
    ScaffoldStep.objects.create(run=run, index=0, step_id="p", name="p", action="publish:git",
                                status=ScaffoldStep.Status.COMPLETED)
    assert lineage.lineage_record(run_id=run.pk) == []


# --- Upgrading ---------------------------------------------------------------------------------


def test_upgrade_merges_a_template_change_and_keeps_the_owners_edit(tpl, owner):
    scaffold(tpl, owner)
    mine = owner_edit("app.txt", "ONE (mine)\ntwo\nthree\nfour\nfive\n")
    template = tpl.change(app="one\ntwo\nthree\nfour\nfive (v2)\n", extra="\n          tier: gold")
    version = template_version(template=template)
    repo = ScaffoldedRepository.objects.get()

    result = lineage.lineage_upgrade_repository(repo=repo, template=template, actor=owner)

    assert (result.status, result.branch, result.conflicts) == ("upgraded", f"paved/upgrade-{version}", ())
    assert repo_head(owner="acme", name="web", branch=result.branch) == result.commit
    assert read(result.branch) == "ONE (mine)\ntwo\nthree\nfour\nfive (v2)\n"
    assert read("main") == "ONE (mine)\ntwo\nthree\nfour\nfive\n"  # the owner reviews before it lands
    assert repo_head(owner="acme", name="web", branch="main") == mine
    repo.refresh_from_db()
    assert repo.upgraded_to_version == version and repo.upgraded_at is not None
    assert repo.template_version != version  # not merged yet


def test_upgrade_commits_conflict_markers_and_lists_the_files(tpl, owner):
    scaffold(tpl, owner)
    owner_edit("app.txt", "one\ntwo (mine)\nthree\nfour\nfive\n")
    template = tpl.change(app="one\ntwo (template)\nthree\nfour\nfive\n", extra="\n          tier: gold")
    repo = ScaffoldedRepository.objects.get()

    result = lineage.lineage_upgrade_repository(repo=repo, template=template, actor=owner)

    assert result.status == "upgraded" and result.conflicts == ("app.txt",)
    merged = read(result.branch)
    assert "<<<<<<< refs/heads/main\ntwo (mine)\n=======\ntwo (template)\n>>>>>>>" in merged
    [commit] = repo_log(owner="acme", name="web", ref=result.branch, limit=1)
    assert lineage.conflicts_from_message(commit["message"]) == ["app.txt"]
    assert lineage.lineage_get(template=template).repositories[0].upgrade["conflicts"] == ["app.txt"]


def test_a_repeated_upgrade_changes_nothing(tpl, owner):
    scaffold(tpl, owner)
    template = tpl.change(app="one\ntwo\nthree\nfour\nfive (v2)\n", extra="\n          tier: gold")
    repo = ScaffoldedRepository.objects.get()
    first = lineage.lineage_upgrade_repository(repo=repo, template=template, actor=owner)

    second = lineage.lineage_upgrade_repository(repo=repo, template=template, actor=owner)

    assert first.status == "upgraded" and second.status == "exists"
    assert (second.branch, second.commit) == (first.branch, first.commit)
    assert len(repo_log(owner="acme", name="web", ref=first.branch)) == len(
        repo_log(owner="acme", name="web", ref=f"paved/template-{template_version(template=template)}")) + 1


def test_after_the_owner_merges_the_next_upgrade_starts_from_that_version(tpl, owner):
    scaffold(tpl, owner)
    v2 = tpl.change(app="one\ntwo\nthree\nfour\nfive (v2)\n", extra="\n          tier: gold")
    repo = ScaffoldedRepository.objects.get()
    first = lineage.lineage_upgrade_repository(repo=repo, template=v2, actor=owner)
    # The owner merges the upgrade branch (a fast-forward of main), then edits line one.
    repo_commit_files(owner="acme", name="web", branch=first.branch, files={"app.txt": read(first.branch).replace(
        "one", "ONE (mine)").encode()}, message="mine", author_name="Olive", author_email="o@example.com")
    git_run("acme", "web", "update-ref", "refs/heads/main", f"refs/heads/{first.branch}")
    state = lineage.lineage_get(template=v2)
    assert state.repositories[0].version == template_version(template=v2) and not state.behind

    v3 = tpl.change(app="one\ntwo\nthree (v3)\nfour\nfive (v3)\n", extra="\n          tier: platinum")
    second = lineage.lineage_upgrade_repository(repo=ScaffoldedRepository.objects.get(), template=v3, actor=owner)

    # Based on the v2 render: v2 -> v3 on line five is clean (from the first render it would conflict).
    assert second.status == "upgraded" and second.conflicts == ()
    assert read(second.branch) == "ONE (mine)\ntwo\nthree (v3)\nfour\nfive (v3)\n"


def test_a_version_that_renders_the_same_files_is_up_to_date(tpl, owner):
    scaffold(tpl, owner)
    template = tpl.change(app=APP, extra="\n          unused: true")
    result = lineage.lineage_upgrade_repository(repo=ScaffoldedRepository.objects.get(), template=template,
                                                actor=owner)
    assert result.status == "up-to-date"
    assert repo_head(owner="acme", name="web", branch=f"paved/upgrade-{template_version(template=template)}") is None
    assert not lineage.lineage_get(template=template).behind


def test_a_template_that_no_longer_renders_fails_with_its_reason(tpl, owner):
    scaffold(tpl, owner)
    template = tpl.change(app=APP, extra="")
    body = template.body
    body["spec"]["steps"][0]["input"]["url"] = "./gone"
    template.body = body
    result = lineage.lineage_upgrade_repository(repo=ScaffoldedRepository.objects.get(), template=template,
                                                actor=owner)
    assert result.status == "failed" and "rendering template:default/svc failed" in result.message
    assert "gone" in result.message


def test_other_providers_are_not_upgraded(tpl):
    repo = ScaffoldedRepository.objects.create(template_ref="template:default/svc", template_version="old",
                                               provider="github", owner="acme", name="api", remote_url="https://x")
    result = lineage.lineage_upgrade_repository(repo=repo, template=tpl.entity, actor=None)
    assert (result.status, result.message) == ("unsupported", "upgrade not supported for github yet")


def test_a_repository_missing_from_the_host_fails_cleanly(tpl):
    repo = ScaffoldedRepository.objects.create(template_ref="template:default/svc", template_version="old",
                                               owner="acme", name="gone", remote_url="http://x")
    result = lineage.lineage_upgrade_repository(repo=repo, template=tpl.entity, actor=None)
    assert result.status == "failed" and "acme/gone does not exist" in result.message


def test_the_task_upgrades_every_repository_behind_and_is_idempotent(tpl, owner):
    scaffold(tpl, owner, repo="web")
    scaffold(tpl, owner, repo="api")
    template = tpl.change(app="one\ntwo\nthree\nfour\nfive (v2)\n", extra="\n          tier: gold")
    ScaffoldedRepository.objects.create(template_ref=template.ref, template_version="old", provider="gitlab",
                                        owner="acme", name="lab", remote_url="https://x")

    lineage_tasks.lineage_upgrade(template.ref, owner.pk)
    results = lineage.lineage_upgrade(template_ref=template.ref, actor_id=owner.pk)

    assert sorted((r.repository, r.status) for r in results) == [
        ("acme/api", "exists"), ("acme/lab", "unsupported"), ("acme/web", "exists")]
    assert read(f"paved/upgrade-{template_version(template=template)}", repo="api").endswith("five (v2)\n")
    assert lineage.lineage_get(template=template).pending == []


def test_the_task_of_a_deleted_template_does_nothing(owner):
    assert lineage.lineage_upgrade(template_ref="template:default/nope", actor_id=owner.pk) == []


def test_upgrade_start_enqueues_after_commit_only_when_something_is_behind(tpl, owner, monkeypatch,
                                                                           django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(lineage_tasks.lineage_upgrade, "delay", lambda *args: sent.append(args))
    scaffold(tpl, owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert lineage.lineage_upgrade_start(template=tpl.entity, actor=owner) == 0
    assert sent == []

    template = tpl.change(app="changed\n", extra="\n          tier: gold")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert lineage.lineage_upgrade_start(template=template, actor=owner) == 1
        assert sent == []  # not before the commit
    assert len(callbacks) == 1 and sent == [("template:default/svc", owner.pk)]


def test_conflicts_are_read_from_the_commit_message():
    message = "Upgrade\n\nbody\n\nConflicts:\n\ta.txt\n\tdir/b c.txt\n"
    assert lineage.conflicts_from_message(message) == ["a.txt", "dir/b c.txt"]
    assert lineage.conflicts_from_message("Upgrade\n\nno conflicts") == []




def test_a_render_the_host_refuses_leaves_no_template_branch(tpl, owner, monkeypatch):
    scaffold(tpl, owner)
    template = tpl.change(app="changed\n", extra="\n          tier: gold")

    def refuse(**kwargs):
        raise lineage.GitHostError("link is a symbolic link; links cannot be committed")

    monkeypatch.setattr(lineage_upgrade, "repo_commit_tree", refuse)
    result = lineage.lineage_upgrade_repository(repo=ScaffoldedRepository.objects.get(), template=template,
                                                actor=owner)
    version = template_version(template=template)
    assert result.status == "failed" and "symbolic link" in result.message
    assert repo_head(owner="acme", name="web", branch=f"paved/template-{version}") is None
    assert lineage.lineage_get(template=template).repositories[0].behind


# --- Only for those who may push (issue 9) ------------------------------------------------------


def test_the_worker_leaves_repositories_the_person_may_not_push_to(tpl, owner, outsider):
    from core.models import AuditEntry

    scaffold(tpl, owner)  # no team named: the repository is owner's own
    template = tpl.change(app="ONE\ntwo\nthree\nfour\nfive\n", extra=" ")
    before = AuditEntry.objects.filter(action="githost.repository.push").count()
    [result] = lineage.lineage_upgrade(template_ref=template.ref, actor_id=outsider.pk)
    assert result.status == "not-yours" and "only those who may push to acme/web" in result.message
    [result] = lineage.lineage_upgrade(template_ref=template.ref, actor_id=None)
    assert result.status == "not-yours"
    assert repo_head(owner="acme", name="web", branch=f"paved/template-{template_version(template=template)}") is None
    assert AuditEntry.objects.filter(action="githost.repository.push").count() == before
    upgraded = lineage.lineage_upgrade_repository(repo=ScaffoldedRepository.objects.get(), template=template,
                                                  actor=owner)
    assert upgraded.status == "upgraded"
    made = AuditEntry.objects.filter(action="githost.repository.push", actor=owner).order_by("pk")
    # publish:git's commit on main, then the template branch (created, committed) and the upgrade branch
    assert [e.detail["ref"] for e in made][-1] == f"refs/heads/{upgraded.branch}" and made.count() == 4
