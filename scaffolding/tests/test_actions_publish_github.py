"""publish:github against a recording HTTP server that answers like GitHub, pushing to a local bare repo."""

import subprocess
from functools import partial
from pathlib import Path

import pytest

from scaffolding.actions import _publish as publish_git
from scaffolding.actions.base import ActionError, ActionInputError, published_records
from scaffolding.actions.publish_github import PublishGitHub
from scaffolding.tests.helpers import bare_log, fake_git_api, olive_ctx

TOKEN = "ghp_secret_token_123"


make_ctx = partial(olive_ctx, task_id="task-9", step_id="publish")


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "README.md").write_text("# web\n")
    (root / "catalog-info.yaml").write_text("kind: Component\n")
    return root


class FakeGitHub:
    """State of the fake GitHub: which repositories exist, and what to answer."""

    def __init__(self, clone_url: str, login: str = "paved-bot"):
        self.repos: dict[str, dict] = {}
        self.clone_url, self.login = clone_url, login
        self.fail: dict[str, tuple[int, dict]] = {}

    def __call__(self, method, path, body):
        key = f"{method} {path}"
        if key in self.fail:
            return self.fail[key]
        if method == "GET" and path == "/user":
            return 200, {"login": self.login}
        if method == "GET" and path.startswith("/repos/") and path.count("/") == 3:
            full = path.removeprefix("/repos/")
            return (200, self.repos[full]) if full in self.repos else (404, {"message": "Not Found"})
        if method == "POST" and path.endswith("/repos"):
            owner = self.login if path == "/user/repos" else path.split("/")[2]
            full = f"{owner}/{body['name']}"
            self.repos[full] = {"full_name": full, "clone_url": self.clone_url,
                                "html_url": f"https://github.com/{full}"}
            return 201, self.repos[full]
        if method == "PUT":
            return 200, {}
        return 404, {"message": "Not Found"}


@pytest.fixture
def github(settings, tmp_path, file_remotes):
    api = fake_git_api(tmp_path, FakeGitHub)
    settings.PAVED_GITHUB_TOKEN = TOKEN
    settings.PAVED_GITHUB_HOST = "github.com"
    settings.PAVED_GITHUB_API_URL = api.url
    yield api
    api.close()


def test_creates_the_repository_pushes_and_protects_the_branch(github, workspace):
    ctx = make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web", repoVisibility="internal",
                   description="Web", topics=["python", "web"], access="acme/platform",
                   collaborators=[{"user": "jane", "access": "push"}], requireCodeOwnerReviews=True)
    PublishGitHub().run(ctx)

    assert github.paths() == [
        "GET /repos/acme/web", "GET /user", "POST /orgs/acme/repos",
        "PUT /orgs/acme/teams/platform/repos/acme/web", "PUT /repos/acme/web/collaborators/jane",
        "PUT /repos/acme/web/topics", "PUT /repos/acme/web/branches/main/protection",
    ]
    create = github.calls[2]["body"]
    assert create["name"] == "web" and create["private"] is True and create["visibility"] == "internal"
    assert create["description"] == "Web"
    assert github.calls[5]["body"] == {"names": ["python", "web"]}
    protection = github.calls[6]["body"]
    assert protection["required_pull_request_reviews"]["require_code_owner_reviews"] is True
    assert all(c["headers"]["authorization"] == f"Bearer {TOKEN}" for c in github.calls)

    log = bare_log(github.bare, "main")
    assert len(log) == 1 and log[0].split("|")[1:] == ["Olive Owner <olive@example.com>", "initial commit"]
    assert ctx.outputs == {"remoteUrl": f"file://{github.bare}", "commitHash": log[0].split("|")[0],
                           "repoContentsUrl": "https://github.com/acme/web/blob/main"}
    assert ctx.created[0]["kind"] == "repository" and ctx.created[0]["ref"] == "acme/web"
    assert published_records(ctx.checkpoint) == [{
        "provider": "github", "host": "github.com", "owner": "acme", "repo": "web",
        "remote_url": f"file://{github.bare}", "default_branch": "main", "source_path": ""}]
    files = subprocess.run(["git", "--git-dir", str(github.bare), "ls-tree", "--name-only", "main"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert files == ["README.md", "catalog-info.yaml"]
    assert not (workspace / ".git").exists()
    assert not any(TOKEN in line for line in ctx.lines)


def test_a_repository_of_the_token_user_goes_to_user_repos(github, workspace):
    ctx = make_ctx(workspace, repoUrl="github.com?owner=paved-bot&repo=tool", protectDefaultBranch=False)
    PublishGitHub().run(ctx)
    assert github.paths() == ["GET /repos/paved-bot/tool", "GET /user", "POST /user/repos"]


def test_a_retry_reuses_the_repository_this_task_created_and_pushes_the_same_commit(github, workspace):
    first = make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web", protectDefaultBranch=False)
    PublishGitHub().run(first)
    retry = make_ctx(workspace, checkpoint=first.checkpoint, repoUrl="github.com?owner=acme&repo=web",
                     protectDefaultBranch=False)
    PublishGitHub().run(retry)
    assert retry.outputs["commitHash"] == first.outputs["commitHash"]
    assert github.paths().count("POST /orgs/acme/repos") == 1
    assert len(bare_log(github.bare, "main")) == 1


def test_an_existing_repository_is_refused(github, workspace):
    github.state.repos["acme/web"] = {"clone_url": "https://github.com/acme/web.git"}
    with pytest.raises(ActionError, match="repository acme/web already exists"):
        PublishGitHub().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web"))
    assert github.paths() == ["GET /repos/acme/web"]


def test_missing_token_names_the_setting(settings, workspace):
    settings.PAVED_GITHUB_TOKEN = None
    with pytest.raises(ActionError, match="PAVED_GITHUB_TOKEN"):
        PublishGitHub().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web"))


def test_github_errors_are_surfaced_with_status_and_message(github, workspace):
    github.state.fail["POST /orgs/acme/repos"] = (422, {"message": "Repository creation failed.",
                                                        "errors": [{"message": "name already exists"}]})
    with pytest.raises(ActionError) as exc:
        PublishGitHub().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web"))
    assert "GitHub answered 422 to POST /orgs/acme/repos: Repository creation failed." in str(exc.value)
    assert "name already exists" in str(exc.value)
    assert TOKEN not in str(exc.value)


def test_another_host_is_refused(github, workspace):
    with pytest.raises(ActionInputError, match="github.com"):
        PublishGitHub().run(make_ctx(workspace, repoUrl="gitlab.com?owner=acme&repo=web"))
    assert github.calls == []


def test_bad_topics_and_collaborators_fail_before_anything_is_created(github, workspace):
    with pytest.raises(ActionInputError, match="^topics"):
        PublishGitHub().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web", topics=["Not OK"]))
    with pytest.raises(ActionInputError, match=r"^collaborators\[0\]"):
        PublishGitHub().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web",
                                     collaborators=[{"user": "x", "access": "owner"}]))
    assert github.calls == []


def test_a_clone_url_off_the_github_host_is_not_pushed_to(github, workspace, monkeypatch):
    monkeypatch.setattr(publish_git, "ALLOW_FILE_REMOTES", False)
    github.state.clone_url = "https://evil.example/acme/web.git"
    with pytest.raises(ActionError, match="not an https URL on github.com"):
        PublishGitHub().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web"))


def test_an_unreachable_api_is_a_clear_error(settings, workspace):
    settings.PAVED_GITHUB_TOKEN = TOKEN
    settings.PAVED_GITHUB_API_URL = "http://127.0.0.1:9"
    with pytest.raises(ActionError, match="GitHub could not be reached at 127.0.0.1:9"):
        PublishGitHub().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web"))


@pytest.mark.django_db(transaction=True)
def test_the_push_authenticates_with_the_token_in_a_header(live_server, settings, owner, workspace, monkeypatch,
                                                           tmp_path):
    """The same Basic "x-access-token:<token>" GitHub takes, checked by Paved's own git host over HTTP."""
    from githost.services import repo_create, repo_head
    from portal.tokens import api_token_create

    settings.PAVED_GIT_ROOT = tmp_path / "git"
    monkeypatch.setattr(publish_git, "PUSH_PROTOCOLS", ("https", "http"))
    repo_create(owner="acme", name="pushed", owner_ref="user:default/owner")  # the token's person may push
    remote = f"{live_server.url}/git/acme/pushed.git"
    ctx = make_ctx(workspace)

    with pytest.raises(ActionError) as refused:
        publish_git.git_push_directory(ctx, source=workspace, remote=remote, branch="main", message="m",
                                       author=("A", "a@example.com"),
                                       auth_header=publish_git.basic_auth_header("x-access-token", "wrong"),
                                       secret="wrong")
    assert "wrong" not in str(refused.value)
    token = api_token_create(user=owner, name="push")
    sha = publish_git.git_push_directory(ctx, source=workspace, remote=remote, branch="main", message="m",
                                         author=("A", "a@example.com"),
                                         auth_header=publish_git.basic_auth_header("x-access-token", token),
                                         secret=token)
    assert repo_head(owner="acme", name="pushed", branch="main") == sha
