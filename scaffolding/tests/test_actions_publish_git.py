"""publish:git end to end against the real built-in git host, and repoUrl parsing."""

import subprocess
from functools import partial
from pathlib import Path

import jsonschema
import pytest

from core.access import access_cache_clear
from core.models import AuditEntry, Grant
from githost import services
from githost.models import GitRepository
from scaffolding.actions import action_registry
from scaffolding.actions.base import ActionError, ActionInputError, ActionUser, published_records
from scaffolding.actions.publish_git import PublishGit
from scaffolding.lib.repo_url import clone_url_from, repo_url_parse
from scaffolding.tests.helpers import olive_ctx

HOST = "git.paved.test:8000"
MY_ACTIONS = ["publish:git", "publish:github", "publish:gitlab", "kubernetes:create-namespace",
              "argocd:create-application", "datadog:create-monitors"]


@pytest.fixture
def git_host(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_PUBLIC_URL = f"http://{HOST}"
    settings.PAVED_GIT_HOST = HOST
    return settings.PAVED_GIT_ROOT


make_ctx = partial(olive_ctx, task_id="task-1", step_id="create-repo")


@pytest.fixture(autouse=True)
def olive(db, django_user_model):
    """The person olive_ctx runs as: with no team in the catalog, what she publishes is her own."""
    access_cache_clear()  # roles are cached per process: forget those an earlier test changed
    return django_user_model.objects.create_user("olive", "olive@example.com", "x")


def git(*args: str, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "README.md").write_text("# web\n")
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    return root


def clone(git_root: Path, tmp_path: Path, owner="acme", name="web") -> Path:
    dest = tmp_path / f"clone-{owner}-{name}"
    git("clone", "-q", str(git_root / owner / f"{name}.git"), str(dest))
    return dest


@pytest.mark.django_db
def test_publishes_the_workspace_as_a_new_repository(git_host, workspace, tmp_path):
    ctx = make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web", description="The web app")
    PublishGit().run(ctx)

    checkout = clone(git_host, tmp_path)
    assert (checkout / "README.md").read_text() == "# web\n"
    assert (checkout / "src" / "app.py").read_text() == "print('hi')\n"
    assert git("log", "--format=%an <%ae>|%s", cwd=checkout).splitlines() == [
        "Olive Owner <olive@example.com>|initial commit"]
    assert ctx.outputs["commitHash"] == git("rev-parse", "HEAD", cwd=checkout).strip()
    assert ctx.outputs["remoteUrl"] == f"http://{HOST}/git/acme/web.git" == ctx.outputs["repoUrl"]
    assert ctx.outputs["repoContentsUrl"] == f"http://{HOST}/git/acme/web/blob/main"
    # What the task created links to the repository's page; its outputs keep the clone URL (Backstage's remoteUrl).
    assert ctx.created == [{"kind": "repository", "ref": "acme/web", "url": f"http://{HOST}/git/acme/web",
                            "step": "create-repo"}]
    assert ctx.checkpoint["created_repo"] == "acme/web"
    assert published_records(ctx.checkpoint) == [{
        "provider": "git", "host": HOST, "owner": "acme", "repo": "web", "remote_url": ctx.outputs["remoteUrl"],
        "default_branch": "main", "source_path": ""}]


@pytest.mark.django_db
def test_a_retry_of_the_same_task_makes_no_second_repository_or_commit(git_host, workspace, tmp_path):
    first = make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web")
    PublishGit().run(first)
    retry = make_ctx(workspace, checkpoint=first.checkpoint, repoUrl=f"{HOST}?owner=acme&repo=web")
    PublishGit().run(retry)

    assert retry.outputs["commitHash"] == first.outputs["commitHash"]
    assert retry.created == []
    assert len(published_records(retry.checkpoint)) == 1, "a retry replaces what the step recorded"
    assert len(git("log", "--format=%H", cwd=clone(git_host, tmp_path)).splitlines()) == 1
    assert GitRepository.objects.filter(owner="acme", name="web").count() == 1


@pytest.mark.django_db
def test_an_existing_repository_of_someone_else_is_refused(git_host, workspace):
    from githost.services import repo_create

    repo_create(owner="acme", name="web", owner_ref="group:default/team-b")
    before = GitRepository.objects.get()
    with pytest.raises(ActionError, match=r"repository acme/web already exists \(owned by group:default/team-b\)"):
        PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web"))
    assert GitRepository.objects.get().owner_ref == before.owner_ref
    assert services.repo_head(owner="acme", name="web", branch="main") is None  # nothing was published into it


# --- Who may create what (issue 9) -----------------------------------------------------------------


def run_as(workspace, user, parameters=None, **inputs):
    ctx = make_ctx(workspace, **{"repoUrl": f"{HOST}?owner=acme&repo=web", **inputs})
    ctx.user = ActionUser(username=user.username, email=user.email, display_name=user.username)
    ctx.parameters = parameters or {}
    PublishGit().run(ctx)
    return ctx


@pytest.mark.django_db
def test_without_a_team_the_repository_is_the_publishers_own(git_host, workspace, olive):
    PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web"))
    assert GitRepository.objects.get().owner_ref == "user:default/olive"
    created = AuditEntry.objects.get(action="githost.repository.create")
    assert (created.actor, created.target, created.detail["via"]) == (olive, "acme/web",
                                                                      "scaffolder task task-1 (publish:git)")
    commit = AuditEntry.objects.get(action="githost.repository.push")
    assert (commit.actor, commit.detail["ref"], commit.detail["change"]) == (olive, "refs/heads/main", "create")


@pytest.mark.django_db
@pytest.mark.parametrize("who,answer,expected", [
    ("owner", "group:default/team-a", "group:default/team-a"),
    ("owner", "team-a", "group:default/team-a"),
    ("lead", "group:default/team-a", "group:default/team-a"),  # a parent group's member
    ("admin_user", "group:default/team-b", "group:default/team-b"),
])
def test_the_owner_answer_names_the_repositorys_owner(git_host, workspace, org, request, who, answer, expected):
    run_as(workspace, request.getfixturevalue(who), {"owner": answer})
    assert GitRepository.objects.get().owner_ref == expected


@pytest.mark.django_db
def test_the_url_owners_group_owns_it_when_the_publisher_is_a_member(git_host, workspace, org, owner):
    run_as(workspace, owner, repoUrl=f"{HOST}?owner=team-a&repo=web")
    assert GitRepository.objects.get().owner_ref == "group:default/team-a"


@pytest.mark.django_db
def test_a_team_the_publisher_is_not_in_is_refused(git_host, workspace, org, outsider):
    with pytest.raises(ActionError, match="group:default/team-a is not yours"):
        run_as(workspace, outsider, {"owner": "group:default/team-a"})
    assert not GitRepository.objects.exists()
    denied = AuditEntry.objects.get(action="githost.repository.create")
    assert (denied.actor, denied.outcome, denied.target) == (outsider, "denied", "acme/web")


@pytest.mark.django_db
@pytest.mark.parametrize("answer,message", [
    ("component:default/orders", "parameters.owner: 'component:default/orders' is a component"),
    ("not a ref!", "parameters.owner: 'not a ref!' is not an owner"),
])
def test_an_owner_answer_that_is_not_a_group_or_user_is_refused(git_host, workspace, org, owner, answer, message):
    with pytest.raises(ActionInputError, match=message):
        run_as(workspace, owner, {"owner": answer})
    assert not GitRepository.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"{HOST}?owner=platform&repo=gitops", f"{HOST}?owner=platform&repo=anything",
                                 f"{HOST}?owner=ops&repo=manifests"])
def test_the_portals_own_repositories_are_never_created_by_publish_git(git_host, workspace, settings, admin_user,
                                                                        url):
    settings.PAVED_GITOPS_REPO = "ops/manifests"
    with pytest.raises(ActionError, match="is reserved: the platform/ owner and the GitOps repository"):
        run_as(workspace, admin_user, repoUrl=url)
    assert not GitRepository.objects.exists()


@pytest.mark.django_db
def test_publishing_needs_githost_repository_create(git_host, workspace, olive):
    Grant.objects.filter(permission="githost.repository.create").delete()
    access_cache_clear()
    try:
        with pytest.raises(ActionError, match="githost.repository.create is not granted to you"):
            PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web"))
    finally:
        access_cache_clear()  # the grant comes back with the rollback; the cache must not outlive it
    assert not GitRepository.objects.exists()


@pytest.mark.django_db
def test_another_host_is_refused_naming_the_allowed_one(git_host, workspace):
    with pytest.raises(ActionInputError) as exc:
        PublishGit().run(make_ctx(workspace, repoUrl="github.com?owner=acme&repo=web"))
    message = str(exc.value)
    assert message.startswith("repoUrl:")
    assert "'paved'" in message and HOST in message and "github.com" in message


@pytest.mark.django_db
def test_allowed_hosts_must_contain_the_host(git_host, workspace):
    with pytest.raises(ActionInputError, match="allowedHosts"):
        PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web", allowedHosts=["github.com"]))


@pytest.mark.django_db
@pytest.mark.parametrize("source_path", ["../", "/etc", "src/../../x"])
def test_a_source_path_leaving_the_workspace_is_refused(git_host, workspace, source_path):
    with pytest.raises(ActionInputError, match="^sourcePath"):
        PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web", sourcePath=source_path))


@pytest.mark.django_db
def test_a_source_path_that_is_a_file_is_refused(git_host, workspace):
    with pytest.raises(ActionInputError, match="sourcePath: 'README.md' is not a directory"):
        PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web", sourcePath="README.md"))


@pytest.mark.django_db
def test_source_path_publishes_only_that_folder_with_the_given_author_and_branch(git_host, workspace, tmp_path):
    ctx = make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=api", sourcePath="src", defaultBranch="trunk",
                   gitCommitMessage="scaffold", gitAuthorName="Bot", gitAuthorEmail="bot@example.com")
    PublishGit().run(ctx)
    checkout = clone(git_host, tmp_path, name="api")
    assert sorted(p.name for p in checkout.iterdir() if p.name != ".git") == ["app.py"]
    assert git("log", "--format=%an <%ae>|%s", cwd=checkout).strip() == "Bot <bot@example.com>|scaffold"
    assert git("branch", "--show-current", cwd=checkout).strip() == "trunk"
    assert ctx.outputs["repoContentsUrl"].endswith("/blob/trunk")


@pytest.mark.django_db
def test_github_only_inputs_are_accepted_and_logged_once(git_host, workspace):
    inputs = {"repoUrl": f"{HOST}?owner=acme&repo=web", "repoVisibility": "public", "protectDefaultBranch": True,
              "topics": ["python"], "collaborators": [{"user": "x", "access": "push"}]}
    jsonschema.validate(inputs, PublishGit.input_schema)
    ctx = make_ctx(workspace, **inputs)
    PublishGit().run(ctx)
    ignored = [line for line in ctx.lines if "ignored by publish:git" in line]
    assert ignored == ["collaborators, protectDefaultBranch, repoVisibility, topics: ignored by publish:git"]


@pytest.mark.django_db
def test_a_bad_branch_name_is_refused(git_host, workspace):
    with pytest.raises(ActionInputError, match="defaultBranch"):
        PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web", defaultBranch="a..b"))


@pytest.mark.django_db
def test_a_symlink_in_the_workspace_fails_with_the_git_hosts_message(git_host, workspace):
    (workspace / "link").symlink_to("/etc/passwd")
    with pytest.raises(ActionError, match="link is a symbolic link"):
        PublishGit().run(make_ctx(workspace, repoUrl=f"{HOST}?owner=acme&repo=web"))


def test_every_action_is_registered_with_valid_schemas_and_a_description():
    registry = action_registry()
    for action_id in MY_ACTIONS:
        action = registry[action_id]
        assert action.description
        jsonschema.Draft7Validator.check_schema(action.input_schema)
        jsonschema.Draft7Validator.check_schema(action.output_schema)
        assert action.output_schema["properties"], action_id
        for name, prop in action.output_schema["properties"].items():
            assert prop.get("type") and prop.get("description"), (action_id, name)
        assert action.supports_dry_run is False


# --- repoUrl -------------------------------------------------------------------------------------

def test_repo_url_parses_backstage_form():
    parsed = repo_url_parse("GitHub.com?owner=acme&repo=web&organization=org")
    assert (parsed.host, parsed.owner, parsed.repo, parsed.organization) == ("github.com", "acme", "web", "org")
    assert parsed.full_name == "acme/web"


def test_repo_url_allows_gitlab_subgroups_only_when_asked():
    assert repo_url_parse("gitlab.com?owner=a/b&repo=c", allow_subgroups=True).full_name == "a/b/c"
    with pytest.raises(ActionInputError, match="owner 'a/b'"):
        repo_url_parse("gitlab.com?owner=a/b&repo=c")


@pytest.mark.parametrize(("value", "message"), [
    ("", "repoUrl: expected"),
    (None, "repoUrl: expected"),
    ("https://github.com/acme/web", "is a URL"),
    ("github.com", "is missing repo"),
    ("github.com?owner=acme", "is missing repo"),
    ("github.com?repo=web", "is missing owner"),
    ("github.com?owner=acme&repo=../etc", "repo '../etc' is not a valid name"),
    ("github.com?owner=acme&repo=web.git", "not a valid name"),
    ("github.com?owner=acme&repo=a&repo=b", "repo is given 2 times"),
    ("bad host?owner=a&repo=b", "host 'bad host'"),
    ("github.com?owner=%00&repo=b", "owner"),
])
def test_repo_url_errors_name_the_field(value, message):
    with pytest.raises(ActionInputError, match="^repoUrl") as exc:
        repo_url_parse(value)
    assert message in str(exc.value)


def test_clone_url_from_backstage_form_and_clone_urls(settings):
    settings.PAVED_PUBLIC_URL = f"http://{HOST}"
    settings.PAVED_GIT_HOST = HOST
    assert clone_url_from(f"{HOST}?owner=acme&repo=web") == f"http://{HOST}/git/acme/web.git"
    assert clone_url_from("github.com?owner=acme&repo=web") == "https://github.com/acme/web.git"
    assert clone_url_from("https://github.com/acme/web.git") == "https://github.com/acme/web.git"
    assert clone_url_from("git@github.com:acme/web.git") == "git@github.com:acme/web.git"
    for bad in ("https://user:pw@github.com/a/b.git", "file:///etc", "ftp://x/y", "https://h/a b"):
        with pytest.raises(ActionInputError, match="^repoUrl"):
            clone_url_from(bad)
