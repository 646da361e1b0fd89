"""publish:gitlab against a recording HTTP server that answers like GitLab's API v4."""

from functools import partial
from pathlib import Path

import pytest

from scaffolding.actions.base import ActionError, ActionInputError, published_records
from scaffolding.actions.publish_gitlab import PublishGitLab
from scaffolding.tests.helpers import bare_log, fake_git_api, olive_ctx

TOKEN = "glpat-secret-456"

make_ctx = partial(olive_ctx, task_id="task-9", step_id="publish")


class FakeGitLab:
    def __init__(self, clone_url: str):
        self.clone_url = clone_url
        self.namespaces = {"platform": 7, "platform/backend": 8, "olive": 3}
        self.projects: dict[str, dict] = {}
        self.fail: dict[str, tuple[int, dict]] = {}

    def __call__(self, method, path, body):
        key = f"{method} {path}"
        if key in self.fail:
            return self.fail[key]
        path = path.removeprefix("/api/v4")
        if method == "GET" and path.startswith("/projects/"):
            full = path.removeprefix("/projects/").replace("%2F", "/")
            return (200, self.projects[full]) if full in self.projects else (404, {"message": "404 Project Not Found"})
        if method == "GET" and path.startswith("/namespaces/"):
            full = path.removeprefix("/namespaces/").replace("%2F", "/")
            if full in self.namespaces:
                return 200, {"id": self.namespaces[full], "full_path": full}
            return 404, {"message": "404 Namespace Not Found"}
        if method == "POST" and path == "/projects":
            owner = next(k for k, v in self.namespaces.items() if v == body["namespace_id"])
            full = f"{owner}/{body['path']}"
            self.projects[full] = {"id": 100 + len(self.projects), "http_url_to_repo": self.clone_url,
                                   "web_url": f"https://gitlab.com/{full}"}
            return 201, self.projects[full]
        return 404, {"message": "404 Not Found"}


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# docs\n")
    return root


@pytest.fixture
def gitlab(settings, tmp_path, file_remotes):
    api = fake_git_api(tmp_path, FakeGitLab)
    settings.PAVED_GITLAB_TOKEN = TOKEN
    settings.PAVED_GITLAB_HOST = "gitlab.com"
    settings.PAVED_GITLAB_URL = api.url
    yield api
    api.close()


def test_creates_the_project_in_a_subgroup_and_pushes(gitlab, workspace):
    ctx = make_ctx(workspace, repoUrl="gitlab.com?owner=platform/backend&repo=orders", repoVisibility="internal",
                   description="Orders", topics=["go"], defaultBranch="develop")
    PublishGitLab().run(ctx)

    assert gitlab.paths() == ["GET /api/v4/projects/platform%2Fbackend%2Forders",
                              "GET /api/v4/namespaces/platform%2Fbackend", "POST /api/v4/projects"]
    assert gitlab.calls[2]["body"] == {"name": "orders", "path": "orders", "namespace_id": 8,
                                       "visibility": "internal", "default_branch": "develop",
                                       "description": "Orders", "topics": ["go"]}
    assert all(c["headers"]["private-token"] == TOKEN for c in gitlab.calls)
    log = bare_log(gitlab.bare, "develop")
    assert len(log) == 1 and log[0].endswith("|Olive Owner <olive@example.com>|initial commit")
    assert ctx.outputs == {"remoteUrl": f"file://{gitlab.bare}", "commitHash": log[0].split("|")[0],
                           "repoContentsUrl": "https://gitlab.com/platform/backend/orders/-/blob/develop",
                           "projectId": 100, "created": True}
    assert ctx.created[0]["ref"] == "platform/backend/orders"
    assert published_records(ctx.checkpoint) == [{
        "provider": "gitlab", "host": "gitlab.com", "owner": "platform/backend", "repo": "orders",
        "remote_url": f"file://{gitlab.bare}", "default_branch": "develop", "source_path": ""}]
    assert not any(TOKEN in line for line in ctx.lines)


def test_a_retry_pushes_the_same_commit_to_the_project_it_created(gitlab, workspace):
    first = make_ctx(workspace, repoUrl="gitlab.com?owner=platform&repo=orders")
    PublishGitLab().run(first)
    retry = make_ctx(workspace, checkpoint=first.checkpoint, repoUrl="gitlab.com?owner=platform&repo=orders")
    PublishGitLab().run(retry)
    assert retry.outputs["commitHash"] == first.outputs["commitHash"]
    assert gitlab.paths().count("POST /api/v4/projects") == 1
    assert len(bare_log(gitlab.bare, "main")) == 1


def test_an_existing_project_is_refused_unless_skip_existing(gitlab, workspace):
    gitlab.state.projects["platform/orders"] = {"id": 5, "http_url_to_repo": "https://gitlab.com/platform/orders.git",
                                                "web_url": "https://gitlab.com/platform/orders"}
    with pytest.raises(ActionError, match="repository platform/orders already exists"):
        PublishGitLab().run(make_ctx(workspace, repoUrl="gitlab.com?owner=platform&repo=orders"))
    ctx = make_ctx(workspace, repoUrl="gitlab.com?owner=platform&repo=orders", skipExisting=True)
    PublishGitLab().run(ctx)
    assert ctx.outputs["projectId"] == 5 and ctx.outputs["created"] is False
    assert [r["repo"] for r in published_records(ctx.checkpoint)] == ["orders"], "an existing project is lineage too"
    assert "POST /api/v4/projects" not in gitlab.paths()


def test_an_unknown_namespace_is_named(gitlab, workspace):
    with pytest.raises(ActionError, match="GitLab has no group or user 'nobody'"):
        PublishGitLab().run(make_ctx(workspace, repoUrl="gitlab.com?owner=nobody&repo=orders"))


def test_missing_token_names_the_setting(settings, workspace):
    settings.PAVED_GITLAB_TOKEN = None
    with pytest.raises(ActionError, match="PAVED_GITLAB_TOKEN"):
        PublishGitLab().run(make_ctx(workspace, repoUrl="gitlab.com?owner=platform&repo=orders"))


def test_gitlab_errors_are_surfaced_with_status_and_message(gitlab, workspace):
    gitlab.state.fail["POST /api/v4/projects"] = (400, {"message": {"path": ["has already been taken"]}})
    with pytest.raises(ActionError) as exc:
        PublishGitLab().run(make_ctx(workspace, repoUrl="gitlab.com?owner=platform&repo=orders"))
    assert str(exc.value).startswith("GitLab answered 400 to POST /api/v4/projects:")
    assert "has already been taken" in str(exc.value)


def test_another_host_is_refused_before_any_call(gitlab, workspace):
    with pytest.raises(ActionInputError, match="PAVED_GITLAB_HOST"):
        PublishGitLab().run(make_ctx(workspace, repoUrl="github.com?owner=platform&repo=orders"))
    assert gitlab.calls == []


def test_a_push_failure_is_reported_without_the_token(gitlab, workspace, tmp_path):
    gitlab.state.clone_url = f"file://{tmp_path}/missing.git"
    with pytest.raises(ActionError) as exc:
        PublishGitLab().run(make_ctx(workspace, repoUrl="gitlab.com?owner=platform&repo=orders"))
    assert "git push failed" in str(exc.value) and TOKEN not in str(exc.value)
