"""github:actions:dispatch, github:webhook, github:pages:enable, github:repo:create and github:repo:push
against a recording server that answers like GitHub's REST API (pushes go to a local bare repo)."""

from functools import partial
from pathlib import Path

import pytest

from scaffolding.actions.base import ActionError, ActionInputError, published_records
from scaffolding.actions.github import ActionsDispatch, PagesEnable, RepoCreate, RepoPush, Webhook
from scaffolding.tests.helpers import bare_log, fake_git_api, olive_ctx
from scaffolding.tests.test_actions_publish_github import FakeGitHub

TOKEN = "ghp_secret_token_456"
REPO = "github.com?owner=acme&repo=web"
make_ctx = partial(olive_ctx, task_id="task-7", step_id="gh")


class FakeGitHubPlus(FakeGitHub):
    """FakeGitHub plus hooks, Pages and workflow dispatches."""

    def __init__(self, clone_url: str):
        super().__init__(clone_url)
        self.hooks: list[dict] = []
        self.pages = False

    def __call__(self, method, path, body):
        if path.startswith("/repos/acme/web/hooks"):
            if method == "GET":
                return 200, self.hooks
            self.hooks.append(body)
            return 201, {"id": len(self.hooks), **body}
        if path == "/repos/acme/web/pages":
            if method == "GET":
                return (200, {"status": "built"}) if self.pages else (404, {"message": "Not Found"})
            self.pages = True
            return 201, {"status": None}
        if path.endswith("/dispatches"):
            return 204, None
        return super().__call__(method, path, body)


@pytest.fixture
def github(settings, tmp_path, file_remotes):
    api = fake_git_api(tmp_path, FakeGitHubPlus)
    settings.PAVED_GITHUB_TOKEN = TOKEN
    settings.PAVED_GITHUB_HOST = "github.com"
    settings.PAVED_GITHUB_API_URL = api.url
    yield api
    api.close()


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "README.md").write_text("# web\n")
    return root


def test_dispatch_posts_the_ref_and_inputs_once_per_step(github, workspace):
    ctx = make_ctx(workspace, repoUrl=REPO, workflowId="deploy.yml", branchOrTagName="main",
                   workflowInputs={"env": "staging", "replicas": 2}, token="template-token")
    ActionsDispatch().run(ctx)
    assert github.paths() == ["POST /repos/acme/web/actions/workflows/deploy.yml/dispatches"]
    assert github.calls[0]["body"] == {"ref": "main", "inputs": {"env": "staging", "replicas": "2"}}
    assert github.calls[0]["headers"]["authorization"] == f"Bearer {TOKEN}", "the template's token is ignored"
    ActionsDispatch().run(make_ctx(workspace, checkpoint=ctx.checkpoint, repoUrl=REPO, workflowId="deploy.yml",
                                   branchOrTagName="main"))
    assert len(github.calls) == 1, "a retry does not run the workflow twice"


@pytest.mark.parametrize("inputs, message", [
    ({"workflowId": "../../orgs/x"}, "workflowId"),
    ({"branchOrTagName": "main;rm -rf"}, "branch"),
    ({"workflowInputs": {str(i): i for i in range(11)}}, "workflowInputs"),
    ({"repoUrl": "gitlab.com?owner=a&repo=b"}, "repoUrl"),
])
def test_dispatch_refuses_bad_inputs_before_calling(github, workspace, inputs, message):
    base = {"repoUrl": REPO, "workflowId": "ci.yml", "branchOrTagName": "main"}
    with pytest.raises(ActionInputError, match=message):
        ActionsDispatch().run(make_ctx(workspace, **{**base, **inputs}))
    assert github.calls == []


def test_webhook_is_created_once(github, workspace):
    inputs = {"repoUrl": REPO, "webhookUrl": "https://ci.example.com/hook", "webhookSecret": "hook-s3cret",
              "events": ["push", "pull_request"], "contentType": "json"}
    hook_ctx = make_ctx(workspace, **inputs)
    Webhook().run(hook_ctx)
    Webhook().run(make_ctx(workspace, **inputs))
    assert github.paths() == ["GET /repos/acme/web/hooks?per_page=100", "POST /repos/acme/web/hooks",
                              "GET /repos/acme/web/hooks?per_page=100"]
    assert github.calls[1]["body"] == {"config": {"url": "https://ci.example.com/hook", "content_type": "json",
                                                  "insecure_ssl": "0", "secret": "hook-s3cret"},
                                       "events": ["push", "pull_request"], "active": True}
    assert not any("hook-s3cret" in line for line in hook_ctx.lines)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "https://user:pw@x.example/", ""])
def test_webhook_refuses_urls_that_are_not_http(github, workspace, url):
    with pytest.raises(ActionInputError, match="webhookUrl"):
        Webhook().run(make_ctx(workspace, repoUrl=REPO, webhookUrl=url))


def test_pages_enable_once(github, workspace):
    PagesEnable().run(make_ctx(workspace, repoUrl=REPO, sourcePath="/docs"))
    PagesEnable().run(make_ctx(workspace, repoUrl=REPO))
    assert github.paths() == ["GET /repos/acme/web/pages", "POST /repos/acme/web/pages", "GET /repos/acme/web/pages"]
    assert github.calls[1]["body"] == {"build_type": "workflow", "source": {"branch": "main", "path": "/docs"}}
    with pytest.raises(ActionInputError, match="sourcePath"):
        PagesEnable().run(make_ctx(workspace, repoUrl=REPO, sourcePath="/etc"))


def test_repo_create_then_push(github, workspace):
    create = make_ctx(workspace, repoUrl=REPO, repoVisibility="private", topics=["svc"])
    RepoCreate().run(create)
    assert github.paths() == ["GET /repos/acme/web", "GET /user", "POST /orgs/acme/repos", "PUT /repos/acme/web/topics"]
    assert create.outputs["repoContentsUrl"] == "https://github.com/acme/web/blob/main"
    push = make_ctx(workspace, repoUrl=REPO, protectDefaultBranch=False, gitCommitMessage="first")
    RepoPush().run(push)
    log = bare_log(github.bare, "main")
    assert len(log) == 1 and log[0].endswith("|first")
    assert push.outputs["commitHash"] == log[0].split("|")[0]
    assert published_records(push.checkpoint)[0]["repo"] == "web"
    assert not any(TOKEN in line for line in push.lines)


def test_repo_push_needs_the_repository(github, workspace):
    with pytest.raises(ActionError, match="does not exist on github.com; create it first"):
        RepoPush().run(make_ctx(workspace, repoUrl=REPO))


def test_repo_create_refuses_a_repository_it_did_not_make(github, workspace):
    github.state.repos["acme/web"] = {"clone_url": "https://github.com/acme/web.git"}
    with pytest.raises(ActionError, match="already exists"):
        RepoCreate().run(make_ctx(workspace, repoUrl=REPO))


def test_without_a_token_the_setting_is_named(settings, workspace):
    settings.PAVED_GITHUB_TOKEN = None
    with pytest.raises(ActionError, match="PAVED_GITHUB_TOKEN"):
        Webhook().run(make_ctx(workspace, repoUrl=REPO, webhookUrl="https://x.example/h"))
