"""publish:github:pull-request against a recording HTTP server that answers like GitHub, its clone url a
local bare repository holding a `main` branch."""

import subprocess
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scaffolding.actions import action_get
from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.publish_github_pr import PublishGitHubPullRequest
from scaffolding.lib.examples import example_from_schema
from scaffolding.tests.helpers import bare_log, fake_git_api, olive_ctx

TOKEN = "ghp_secret_token_123"
REPO = "github.com?owner=acme&repo=web"

make_ctx = partial(olive_ctx, task_id="task-9", step_id="pr")


class FakeGitHub:
    """acme/web exists (default branch main); pull requests are kept in `pulls`."""

    def __init__(self, clone_url: str):
        self.clone_url = clone_url
        self.pulls: list[dict] = []
        self.fail: dict[str, tuple[int, dict]] = {}

    def __call__(self, method, path, body):
        url = urlsplit(path)
        key = f"{method} {url.path}"
        if key in self.fail:
            return self.fail[key]
        if key == "GET /repos/acme/web":
            return 200, {"full_name": "acme/web", "default_branch": "main", "clone_url": self.clone_url,
                         "html_url": "https://github.com/acme/web"}
        if key == "GET /repos/acme/web/pulls":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            return 200, [p for p in self.pulls
                         if f"acme:{p['head']['ref']}" == query.get("head") and p["state"] == query.get("state")]
        if key == "POST /repos/acme/web/pulls":
            number = 41 + len(self.pulls)
            pull = {"number": number, "html_url": f"https://github.com/acme/web/pull/{number}", "state": "open",
                    "title": body["title"], "head": {"ref": body["head"]}, "base": {"ref": body["base"]}}
            self.pulls.append(pull)
            return 201, pull
        if method == "PATCH" and url.path.startswith("/repos/acme/web/pulls/"):
            pull = next(p for p in self.pulls if p["number"] == int(url.path.rsplit("/", 1)[1]))
            pull.update(title=body["title"])
            return 200, pull
        if method == "POST" and url.path.endswith(("/requested_reviewers", "/assignees")):
            return 201, {}
        return 404, {"message": "Not Found"}


def git(*args, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def ls_tree(bare: Path, ref: str) -> list[str]:
    return git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", ref).split()


def show(bare: Path, spec: str) -> str:
    return git("--git-dir", str(bare), "show", spec)


@pytest.fixture
def github(settings, tmp_path, file_remotes):
    api = fake_git_api(tmp_path, FakeGitHub)
    seed = tmp_path / "seed"
    (seed / "services").mkdir(parents=True)
    (seed / "README.md").write_text("# web\n")
    (seed / "services" / "keep.txt").write_text("kept\n")
    git("init", "-q", "-b", "main", str(seed))
    git("add", "-A", cwd=seed)
    git("-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "-q", "-m", "seed", cwd=seed)
    git("push", "-q", str(api.bare), "main", cwd=seed)
    settings.PAVED_GITHUB_TOKEN = TOKEN
    settings.PAVED_GITHUB_HOST = "github.com"
    settings.PAVED_GITHUB_API_URL = api.url
    yield api
    api.close()


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    (root / "out").mkdir(parents=True)
    (root / "out" / "catalog-info.yaml").write_text("kind: Component\n")
    (root / "out" / "README.md").write_text("# web, described\n")
    (root / "scratch.txt").write_text("not published\n")
    return root


def pr_inputs(**extra) -> dict:
    return {"repoUrl": REPO, "branchName": "add-catalog-info", "title": "Add catalog-info.yaml",
            "description": "Registers **web**.", **extra}


def test_is_installed_and_skipped_in_dry_runs_with_example_outputs():
    action = action_get("publish:github:pull-request")
    assert isinstance(action, PublishGitHubPullRequest) and action.supports_dry_run is False
    assert example_from_schema(action.output_schema) == {
        "remoteUrl": "https://github.com/acme/web/pull/42", "pullRequestNumber": 42, "targetBranchName": "main"}


def test_pushes_the_files_at_target_path_and_opens_the_pull_request(github, workspace):
    ctx = make_ctx(workspace, **pr_inputs(sourcePath="out", targetPath="services/web", draft=True,
                                          reviewers=["jane"], teamReviewers=["acme/platform"]))
    PublishGitHubPullRequest().run(ctx)

    assert github.paths() == [
        "GET /repos/acme/web", "GET /repos/acme/web/pulls?head=acme%3Aadd-catalog-info&state=open",
        "POST /repos/acme/web/pulls", "POST /repos/acme/web/pulls/41/requested_reviewers",
    ]
    assert github.calls[2]["body"] == {"title": "Add catalog-info.yaml", "body": "Registers **web**.",
                                       "head": "add-catalog-info", "base": "main", "draft": True}
    assert github.calls[3]["body"] == {"reviewers": ["jane"], "team_reviewers": ["platform"]}
    assert all(c["headers"]["authorization"] == f"Bearer {TOKEN}" for c in github.calls)

    assert ls_tree(github.bare, "add-catalog-info") == [
        "README.md", "services/keep.txt", "services/web/README.md", "services/web/catalog-info.yaml"]
    assert show(github.bare, "add-catalog-info:services/web/README.md") == "# web, described\n"
    assert show(github.bare, "add-catalog-info:README.md") == "# web\n"
    log = bare_log(github.bare, "add-catalog-info")
    assert [line.split("|", 1)[1] for line in log] == [
        "Olive Owner <olive@example.com>|Add catalog-info.yaml", "Seed <seed@example.com>|seed"]
    assert log[1] == bare_log(github.bare, "main")[0]

    assert ctx.outputs == {"remoteUrl": "https://github.com/acme/web/pull/41", "pullRequestNumber": 41,
                           "targetBranchName": "main"}
    assert ctx.created == [{"kind": "pull-request", "ref": "acme/web#41",
                            "url": "https://github.com/acme/web/pull/41", "step": "pr"}]
    assert not (workspace / ".git").exists()
    assert not any(TOKEN in line for line in ctx.lines)


def test_the_whole_workspace_goes_to_the_root_of_a_named_target_branch(github, workspace):
    git("--git-dir", str(github.bare), "branch", "release", "main")
    ctx = make_ctx(workspace, **pr_inputs(targetBranchName="release", commitMessage="catalog: add web",
                                          gitAuthorName="Bot", gitAuthorEmail="bot@example.com"))
    PublishGitHubPullRequest().run(ctx)
    assert github.calls[2]["body"]["base"] == "release" and github.calls[2]["body"]["draft"] is False
    assert ls_tree(github.bare, "add-catalog-info") == [
        "README.md", "out/README.md", "out/catalog-info.yaml", "scratch.txt", "services/keep.txt"]
    assert bare_log(github.bare, "add-catalog-info")[0].split("|")[1:] == ["Bot <bot@example.com>",
                                                                          "catalog: add web"]
    assert ctx.outputs["targetBranchName"] == "release"


def test_a_retry_does_not_open_a_second_pull_request(github, workspace):
    github.state.fail["POST /repos/acme/web/pulls"] = (502, {"message": "Bad Gateway"})
    first = make_ctx(workspace, **pr_inputs(reviewers=["jane"]))
    with pytest.raises(ActionError, match="GitHub answered 502 to POST /repos/acme/web/pulls: Bad Gateway"):
        PublishGitHubPullRequest().run(first)
    pushed = bare_log(github.bare, "add-catalog-info")

    del github.state.fail["POST /repos/acme/web/pulls"]
    second = make_ctx(workspace, checkpoint=first.checkpoint, **pr_inputs(reviewers=["jane"]))
    PublishGitHubPullRequest().run(second)
    third = make_ctx(workspace, checkpoint=second.checkpoint, **pr_inputs(reviewers=["jane"]))
    PublishGitHubPullRequest().run(third)

    assert github.paths().count("POST /repos/acme/web/pulls") == 2  # the failed one and the one that worked
    assert len(github.state.pulls) == 1
    assert github.paths().count("POST /repos/acme/web/pulls/41/requested_reviewers") == 1
    assert bare_log(github.bare, "add-catalog-info") == pushed  # the same commit, not pushed again
    assert second.outputs == third.outputs == {"remoteUrl": "https://github.com/acme/web/pull/41",
                                               "pullRequestNumber": 41, "targetBranchName": "main"}
    assert len(second.created) == 1 and third.created == []


def test_an_open_pull_request_of_the_branch_is_found_and_updated(github, workspace):
    PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs()))
    (workspace / "out" / "README.md").write_text("# web, v2\n")
    again = make_ctx(workspace, **pr_inputs(title="Add catalog-info.yaml (v2)", update=True))
    PublishGitHubPullRequest().run(again)

    assert github.paths().count("POST /repos/acme/web/pulls") == 1
    assert "PATCH /repos/acme/web/pulls/41" in github.paths()
    assert github.state.pulls[0]["title"] == "Add catalog-info.yaml (v2)"
    assert again.outputs["pullRequestNumber"] == 41 and again.created == []
    assert len(bare_log(github.bare, "add-catalog-info")) == 3  # seed, first commit, the update on top
    assert show(github.bare, "add-catalog-info:out/README.md") == "# web, v2\n"


def test_an_existing_branch_is_refused_without_update(github, workspace):
    git("--git-dir", str(github.bare), "branch", "add-catalog-info", "main")
    with pytest.raises(ActionError, match="branch 'add-catalog-info' already exists in acme/web"):
        PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs()))
    assert github.paths() == ["GET /repos/acme/web"]
    assert len(bare_log(github.bare, "add-catalog-info")) == 1


def test_missing_token_names_the_setting(settings, workspace):
    settings.PAVED_GITHUB_TOKEN = None
    with pytest.raises(ActionError, match="PAVED_GITHUB_TOKEN"):
        PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs()))


def test_github_errors_are_surfaced_with_status_and_message(github, workspace):
    github.state.fail["POST /repos/acme/web/pulls"] = (
        422, {"message": "Validation Failed", "errors": [{"message": "No commits between main and x"}]})
    with pytest.raises(ActionError) as exc:
        PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs()))
    assert "GitHub answered 422 to POST /repos/acme/web/pulls: Validation Failed" in str(exc.value)
    assert "No commits between main and x" in str(exc.value)
    assert TOKEN not in str(exc.value)


def test_an_unknown_repository_or_target_branch_is_a_clear_error(github, workspace):
    with pytest.raises(ActionError, match="repository acme/other was not found on github.com"):
        PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs(repoUrl="github.com?owner=acme&repo=other")))
    with pytest.raises(ActionError, match="targetBranchName: branch 'develop' does not exist in acme/web"):
        PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs(targetBranchName="develop")))


def test_a_reviewer_github_refuses_is_logged_and_the_pull_request_stays(github, workspace):
    github.state.fail["POST /repos/acme/web/pulls/41/requested_reviewers"] = (
        422, {"message": "Reviews may only be requested from collaborators."})
    ctx = make_ctx(workspace, **pr_inputs(reviewers=["stranger"]))
    PublishGitHubPullRequest().run(ctx)
    assert ctx.outputs["pullRequestNumber"] == 41
    assert any("only be requested from collaborators" in line for line in ctx.lines)


@pytest.mark.parametrize("target_path", ["../elsewhere", "/etc", "services/../../x", ".git/hooks", "a\\b"])
def test_a_target_path_leaving_the_repository_is_refused(github, workspace, target_path):
    with pytest.raises(ActionInputError, match="^targetPath"):
        PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs(targetPath=target_path)))
    assert github.calls == []


@pytest.mark.parametrize(("field", "value", "pattern"), [
    ("repoUrl", "gitlab.com?owner=acme&repo=web", "^repoUrl"),
    ("branchName", "bad..name", "^branchName"),
    ("sourcePath", "../up", "^sourcePath"),
    ("reviewers", ["not a name"], "^reviewers"),
])
def test_bad_input_fails_before_anything_is_called(github, workspace, field, value, pattern):
    with pytest.raises(ActionInputError, match=pattern):
        PublishGitHubPullRequest().run(make_ctx(workspace, **pr_inputs(**{field: value})))
    assert github.calls == []
