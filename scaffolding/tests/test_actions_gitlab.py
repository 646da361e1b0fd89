"""The GitLab module's actions against a recording server that answers like GitLab's REST API v4."""

import base64
import re
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, unquote

import pytest

from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.gitlab import (
    GroupEnsureExists,
    MergeRequest,
    ProjectAccessToken,
    ProjectDeployToken,
    ProjectVariable,
)
from scaffolding.tests.helpers import RecordingApi, olive_ctx

TOKEN = "glpat-secret-789"
REPO = "gitlab.example.com?owner=platform/backend&repo=orders"
make_ctx = partial(olive_ctx, task_id="task-3", step_id="gl")


class FakeGitLab:
    def __init__(self):
        self.groups = {"platform": {"id": 1, "full_path": "platform"}}
        self.files = {"README.md"}
        self.branches = {"main"}
        self.merge_requests: list[dict] = []
        self.variables: dict[str, dict] = {}
        self.tokens = 0

    def __call__(self, method, path, body):
        path = path.removeprefix("/api/v4")
        route, _, query = path.partition("?")
        if route.startswith("/groups/") and method == "GET":
            full = unquote(route.removeprefix("/groups/"))
            return (200, self.groups[full]) if full in self.groups else (404, {"message": "404 Group Not Found"})
        if route == "/groups" and method == "POST":
            parent = next((g for g in self.groups.values() if g["id"] == body.get("parent_id")), None)
            full = f"{parent['full_path']}/{body['path']}" if parent else body["path"]
            self.groups[full] = {"id": len(self.groups) + 1, "full_path": full}
            return 201, self.groups[full]
        route = re.sub(r"^/projects/[^/]+", "/projects/P", route)  # by id or by path: one project here
        project = "/projects/P"
        if route == project:
            return 200, {"id": 77, "default_branch": "main"}
        if route == f"{project}/merge_requests":
            if method == "GET":
                wanted = parse_qs(query).get("source_branch", [""])[0]
                return 200, [m for m in self.merge_requests if m["source_branch"] == wanted]
            self.merge_requests.append({**body, "iid": len(self.merge_requests) + 1,
                                        "web_url": f"https://gitlab.example.com/mr/{len(self.merge_requests) + 1}"})
            return 201, self.merge_requests[-1]
        if route.startswith(f"{project}/repository/branches"):
            if method == "POST":
                self.branches.add(body["branch"])
                return 201, {}
            name = unquote(route.rsplit("/", 1)[-1])
            return (200, {"name": name}) if name in self.branches else (404, {"message": "404 Branch Not Found"})
        if route.startswith(f"{project}/repository/files/"):
            name = unquote(route.rsplit("/", 1)[-1])
            return (200, {"file_path": name}) if name in self.files else (404, {"message": "404 File Not Found"})
        if route == f"{project}/repository/commits":
            return 201, {"id": "abc"}
        if route == f"{project}/variables" and method == "POST":
            if body["key"] in self.variables:
                return 400, {"message": {"key": ["has already been taken"]}}
            self.variables[body["key"]] = body
            return 201, body
        if route.startswith(f"{project}/variables/"):
            key = route.rsplit("/", 1)[-1]
            if method == "GET":
                return (200, self.variables[key]) if key in self.variables else (404, {"message": "404 Not Found"})
            self.variables[key] = body
            return 200, body
        if route.endswith("/rotate") or route in (f"{project}/access_tokens", f"{project}/deploy_tokens"):
            self.tokens += 1
            return 201, {"id": self.tokens, "token": f"made-{self.tokens}", "username": "gitlab+deploy-token-1"}
        if method == "DELETE":
            return 204, None
        return 404, {"message": "404 Not Found"}


@pytest.fixture
def gitlab(settings):
    api = RecordingApi(FakeGitLab())
    settings.PAVED_GITLAB_TOKEN = TOKEN
    settings.PAVED_GITLAB_HOST = "gitlab.example.com"
    settings.PAVED_GITLAB_URL = api.url
    yield api
    api.close()


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "README.md").write_text("# orders\n")
    (root / "src" / "app.py").write_text("print('hi')\n")
    return root


def test_merge_request_commits_the_workspace_and_opens_once(gitlab, workspace):
    inputs = dict(repoUrl=REPO, title="Add CI", description="From Paved", branchName="paved/ci",
                  labels=["bot"], removeSourceBranch=True, targetPath="svc")
    ctx = make_ctx(workspace, **inputs)
    MergeRequest().run(ctx)
    commit = next(c for c in gitlab.calls if c["path"].endswith("/repository/commits"))
    assert commit["body"]["branch"] == "paved/ci" and commit["body"]["author_email"] == "olive@example.com"
    actions = {a["file_path"]: a for a in commit["body"]["actions"]}
    assert set(actions) == {"svc/README.md", "svc/src/app.py"}
    assert actions["svc/src/app.py"]["action"] == "create"
    assert base64.b64decode(actions["svc/src/app.py"]["content"]) == b"print('hi')\n"
    mr = next(c for c in gitlab.calls if c["method"] == "POST" and c["path"].endswith("/merge_requests"))
    assert mr["body"] == {"source_branch": "paved/ci", "target_branch": "main", "title": "Add CI",
                          "description": "From Paved", "remove_source_branch": True, "labels": "bot"}
    assert ctx.outputs == {"targetBranchName": "main", "projectid": "77", "projectPath": "platform/backend/orders",
                           "mergeRequestUrl": "https://gitlab.example.com/mr/1"}
    assert all(c["headers"]["private-token"] == TOKEN for c in gitlab.calls)
    calls_before = len(gitlab.calls)
    MergeRequest().run(make_ctx(workspace, **inputs))  # a retry finds the open merge request
    assert [c["method"] for c in gitlab.calls[calls_before:]] == ["GET", "GET"]


def test_merge_request_auto_updates_files_that_exist(gitlab, workspace):
    MergeRequest().run(make_ctx(workspace, repoUrl=REPO, title="t", description="d", branchName="b"))
    commit = next(c for c in gitlab.calls if c["path"].endswith("/repository/commits"))
    assert {a["file_path"]: a["action"] for a in commit["body"]["actions"]} == {"README.md": "update",
                                                                                  "src/app.py": "create"}


@pytest.mark.parametrize("inputs, message", [
    ({"branchName": "bad branch"}, "branch"), ({"title": " "}, "title"), ({"sourcePath": "../.."}, "sourcePath"),
    ({"targetPath": "../x"}, "targetPath"), ({"commitAction": "rm"}, "commitAction"),
])
def test_merge_request_refuses_bad_inputs(gitlab, workspace, inputs, message):
    base = dict(repoUrl=REPO, title="t", description="d", branchName="b")
    with pytest.raises(ActionInputError, match=message):
        MergeRequest().run(make_ctx(workspace, **{**base, **inputs}))


def test_group_ensure_exists_creates_missing_levels_only(gitlab, workspace):
    ctx = make_ctx(workspace, repoUrl=REPO, path=["platform", "backend", "payments"])
    GroupEnsureExists().run(ctx)
    posts = [c["body"] for c in gitlab.calls if c["method"] == "POST"]
    assert posts == [{"name": "backend", "path": "backend", "parent_id": 1},
                     {"name": "payments", "path": "payments", "parent_id": 2}]
    assert ctx.outputs == {"groupId": 3}
    again = make_ctx(workspace, repoUrl=REPO, path="platform/backend/payments")
    GroupEnsureExists().run(again)
    assert [c["method"] for c in gitlab.calls].count("POST") == 2 and again.outputs == {"groupId": 3}
    with pytest.raises(ActionInputError, match="path"):
        GroupEnsureExists().run(make_ctx(workspace, repoUrl=REPO, path=["..", "x"]))


def test_group_ensure_exists_dry_run_calls_nothing(gitlab, workspace):
    ctx = make_ctx(workspace, repoUrl=REPO, path=["a"])
    ctx.dry_run = True
    GroupEnsureExists().run(ctx)
    assert gitlab.calls == [] and ctx.outputs == {"groupId": 42}


def test_project_access_token_is_rotated_on_retry(gitlab, workspace):
    ctx = make_ctx(workspace, repoUrl=REPO, projectId=77, name="ci", scopes=["api"], expiresAt="2027-01-01")
    ProjectAccessToken().run(ctx)
    assert gitlab.calls[0]["path"] == "/api/v4/projects/77/access_tokens"
    assert gitlab.calls[0]["body"] == {"name": "ci", "scopes": ["api"], "access_level": 40, "expires_at": "2027-01-01"}
    assert ctx.outputs == {"access_token": "made-1"}
    retry = make_ctx(workspace, checkpoint=ctx.checkpoint, repoUrl=REPO, projectId=77, name="ci")
    ProjectAccessToken().run(retry)
    assert gitlab.calls[1]["path"] == "/api/v4/projects/77/access_tokens/1/rotate"
    assert retry.outputs == {"access_token": "made-2"}
    assert not any("made-" in line for line in ctx.lines + retry.lines)


@pytest.mark.parametrize("inputs, message", [
    ({"accessLevel": 99}, "accessLevel"), ({"expiresAt": "tomorrow"}, "expiresAt"),
    ({"scopes": ["api;drop"]}, "scopes"), ({"projectId": "../../users"}, "projectId"),
    ({"projectId": True}, "projectId"),
])
def test_project_access_token_refuses_bad_inputs(gitlab, workspace, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        ProjectAccessToken().run(make_ctx(workspace, repoUrl=REPO, **{"projectId": 77, **inputs}))


def test_project_variable_is_created_then_updated(gitlab, workspace):
    inputs = dict(repoUrl=REPO, projectId="platform/backend/orders", key="DB_URL", value="postgres://x",
                  variableType="env_var", masked=True)
    ProjectVariable().run(make_ctx(workspace, **inputs))
    ProjectVariable().run(make_ctx(workspace, **{**inputs, "value": "postgres://y"}))
    assert [c["method"] for c in gitlab.calls] == ["GET", "POST", "GET", "PUT"]
    assert gitlab.calls[3]["body"]["value"] == "postgres://y" and gitlab.calls[3]["body"]["masked"] is True
    with pytest.raises(ActionInputError, match="key"):
        ProjectVariable().run(make_ctx(workspace, **{**inputs, "key": "A-B/../x"}))


def test_deploy_token_replaces_the_one_a_failed_attempt_made(gitlab, workspace):
    ctx = make_ctx(workspace, repoUrl=REPO, projectId=77, name="deploy", scopes=["read_registry"])
    ProjectDeployToken().run(ctx)
    assert ctx.outputs == {"deploy_token": "made-1", "user": "gitlab+deploy-token-1"}
    retry = make_ctx(workspace, checkpoint=ctx.checkpoint, repoUrl=REPO, projectId=77, name="deploy")
    ProjectDeployToken().run(retry)
    assert [f"{c['method']} {c['path']}" for c in gitlab.calls[1:]] == [
        "DELETE /api/v4/projects/77/deploy_tokens/1", "POST /api/v4/projects/77/deploy_tokens"]


def test_without_a_token_the_setting_is_named(settings, workspace):
    settings.PAVED_GITLAB_TOKEN = None
    with pytest.raises(ActionError, match="PAVED_GITLAB_TOKEN"):
        ProjectVariable().run(make_ctx(workspace, repoUrl=REPO, projectId=1, key="K", value="v",
                                       variableType="env_var"))
