"""Who may push (issue 9): a real `git push` against the live server by the owner's team, a lead of
the parent group, an outsider and an admin; the protected default branch and tags; the audit."""

import base64
import hashlib

import pytest

from core.models import AuditEntry
from githost import services
from githost.lib.git import git_run
from githost.tests.test_http import git
from portal.tokens import api_token_create

AUTHOR = {"author_name": "Ada", "author_email": "ada@x.io"}
# Who may push to a repository owned by team-a: its members, the lead of its parent group, admins.
MATRIX = [("owner", True), ("teammate", True), ("lead", True), ("outsider", False), ("admin_user", True)]


@pytest.fixture
def host(live_server, settings):
    host = live_server.url.split("://", 1)[1]
    settings.PAVED_GIT_HOST = host
    settings.PAVED_PUBLIC_URL = live_server.url
    return host


@pytest.fixture
def team_repo(org):
    """acme/web owned by team-a, with one commit on main."""
    repo, _ = services.repo_create(owner="acme", name="web", owner_ref="group:default/team-a")
    services.repo_commit_files(owner="acme", name="web", branch="main", message="First",
                               files={"README.md": b"# web\n"}, **AUTHOR)
    return repo


class Clone:
    """A working copy of a repository, cloned with the API token of one person."""

    def __init__(self, host, tmp_path, user, owner="acme", name="web"):
        token = api_token_create(user=user)
        self.home = tmp_path / f"home-{user.username}"
        self.home.mkdir(exist_ok=True)
        self.work = tmp_path / f"work-{user.username}-{name}"
        git("clone", "-q", f"http://x:{token}@{host}/git/{owner}/{name}.git", str(self.work), home=self.home)

    def __call__(self, *args, check=True):
        return git(*args, cwd=self.work, home=self.home, check=check)

    def commit(self, path="change.txt", text="changed\n", message="Change"):
        (self.work / path).write_text(text)
        self("add", path)
        self("commit", "-q", "-m", message)
        return self("rev-parse", "HEAD").stdout.strip()


def head(branch="main", owner="acme", name="web"):
    return services.repo_head(owner=owner, name=name, branch=branch)


def entries(outcome=None):
    """Audit entries of ref updates pushed over HTTP (the fixtures' own commits are the portal's)."""
    found = AuditEntry.objects.filter(action="githost.repository.push", detail__via="git push over HTTP")
    found = found.order_by("pk")
    return list(found.filter(outcome=outcome) if outcome else found)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who,allowed", MATRIX)
def test_only_the_owners_members_and_admins_push(who, allowed, request, host, team_repo, tmp_path):
    user = request.getfixturevalue(who)
    before = head()
    clone = Clone(host, tmp_path, user)  # everyone may clone
    new = clone.commit()
    pushed = clone("push", "origin", "main", check=False)
    if allowed:
        assert pushed.returncode == 0, pushed.stderr
        assert head() == new
        [entry] = entries()
        assert (entry.actor, entry.target, entry.outcome) == (user, "acme/web", "success")
        assert entry.detail == {"ref": "refs/heads/main", "old": before, "new": new, "change": "update",
                                "via": "git push over HTTP"}
    else:
        assert pushed.returncode != 0
        assert "remote: Paved: You are not allowed to push commits and branches to a repository (acme/web)" \
            in pushed.stderr
        assert "403" in pushed.stderr
        assert head() == before
        assert entries() == []
        denied = AuditEntry.objects.get(action="githost.repository.push", outcome="denied")
        assert (denied.actor, denied.target) == (user, "acme/web")


@pytest.mark.django_db(transaction=True)
def test_members_cannot_rewrite_or_delete_the_default_branch_admins_can(host, team_repo, tmp_path, teammate,
                                                                        admin_user):
    before = head()
    clone = Clone(host, tmp_path, teammate)
    clone("commit", "-q", "--amend", "-m", "Rewritten history")
    forced = clone("push", "--force", "origin", "main", check=False)
    assert forced.returncode != 0
    assert "remote: Paved: main is the protected default branch: this push is not a fast-forward" in forced.stderr
    assert "pre-receive hook declined" in forced.stderr
    assert head() == before
    deleted = clone("push", "origin", ":main", check=False)
    assert deleted.returncode != 0 and "only platform admins may delete it" in deleted.stderr
    assert head() == before
    refused = entries("denied")
    assert [(e.detail["ref"], e.detail["change"]) for e in refused] == [("refs/heads/main", "update"),
                                                                        ("refs/heads/main", "delete")]
    assert "not a fast-forward" in refused[0].detail["reason"]

    admin = Clone(host, tmp_path, admin_user)
    admin("commit", "-q", "--amend", "-m", "Rewritten by an admin")
    rewritten = admin("rev-parse", "HEAD").stdout.strip()
    assert admin("push", "--force", "origin", "main", check=False).returncode == 0
    assert head() == rewritten
    last = entries("success")[-1]
    assert (last.actor, last.detail["reason"]) == (admin_user, "force-push")


@pytest.mark.django_db(transaction=True)
def test_members_own_their_feature_branches(host, team_repo, tmp_path, teammate):
    clone = Clone(host, tmp_path, teammate)
    clone("checkout", "-q", "-b", "feature")
    clone.commit(message="Work in progress")
    assert clone("push", "-q", "origin", "feature").returncode == 0
    clone("commit", "-q", "--amend", "-m", "Tidied")
    assert clone("push", "-q", "--force", "origin", "feature").returncode == 0
    assert head("feature") == clone("rev-parse", "HEAD").stdout.strip()
    assert clone("push", "-q", "origin", ":feature").returncode == 0
    assert head("feature") is None
    assert [e.detail["change"] for e in entries("success")] == ["create", "update", "delete"]


@pytest.mark.django_db(transaction=True)
def test_tags_are_created_by_members_and_moved_or_deleted_only_by_admins(host, team_repo, tmp_path, teammate,
                                                                         admin_user):
    clone = Clone(host, tmp_path, teammate)
    clone("tag", "v1")
    assert clone("push", "-q", "origin", "v1").returncode == 0
    tagged = clone("rev-parse", "v1").stdout.strip()
    clone.commit()
    clone("tag", "-f", "v1")
    moved = clone("push", "--force", "origin", "v1", check=False)
    assert moved.returncode != 0 and "remote: Paved: tag v1 exists: only platform admins may move a tag" in moved.stderr
    deleted = clone("push", "origin", ":refs/tags/v1", check=False)
    assert deleted.returncode != 0 and "only platform admins may delete a tag" in deleted.stderr
    assert git_run("acme", "web", "rev-parse", "refs/tags/v1").decode().strip() == tagged

    admin = Clone(host, tmp_path, admin_user)
    assert admin("push", "-q", "origin", ":refs/tags/v1").returncode == 0
    assert git_run("acme", "web", "tag", "--list").decode().strip() == ""


@pytest.mark.django_db(transaction=True)
def test_only_admins_push_to_the_gitops_repository_whatever_its_owner(host, org, tmp_path, settings, owner,
                                                                      admin_user):
    settings.PAVED_GITOPS_REPO = "platform/gitops"
    # Even mislabelled as team-a's, the portal's own repository is not theirs.
    services.repo_create(owner="platform", name="gitops", owner_ref="group:default/team-a")
    services.repo_commit_files(owner="platform", name="gitops", branch="main", message="First",
                               files={"README.md": b"# gitops\n"}, **AUTHOR)
    clone = Clone(host, tmp_path, owner, owner="platform", name="gitops")
    clone.commit(path="evil-rolebinding.yaml", text="kind: RoleBinding\n")
    pushed = clone("push", "origin", "main", check=False)
    assert pushed.returncode != 0 and "You are not allowed to push" in pushed.stderr
    admin = Clone(host, tmp_path, admin_user, owner="platform", name="gitops")
    admin.commit()
    assert admin("push", "-q", "origin", "main").returncode == 0


# --- Through the test client ----------------------------------------------------------------------


def basic(user) -> dict:
    token = api_token_create(user=user)
    return {"Authorization": "Basic " + base64.b64encode(f"x:{token}".encode()).decode()}


@pytest.mark.django_db
def test_a_repository_without_owner_is_pushed_to_by_admins_only(client, admin_user, owner):
    services.repo_create(owner="acme", name="orphan", actor=owner)  # the creator is not an owner by that alone
    url = "/git/acme/orphan.git/info/refs?service=git-receive-pack"
    refused = client.get(url, headers=basic(owner))
    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/plain")
    assert b"githost.repository.push is not granted to you" in refused.content
    assert client.get(url, headers=basic(admin_user)).status_code == 200


@pytest.mark.django_db
def test_a_push_body_that_is_not_pkt_lines_is_refused_with_a_message(client, team_repo, owner):
    response = client.post("/git/acme/web.git/git-receive-pack", b"zzzz garbage",
                           content_type="application/x-git-receive-pack-request", headers=basic(owner))
    assert response.status_code == 400
    assert b"not a list of ref updates" in response.content


@pytest.mark.django_db
def test_a_crafted_push_to_another_namespace_is_refused_by_the_hook(client, team_repo, owner):
    line = f"{'0' * 40} {head()} refs/notes/commits\0report-status\n".encode()
    empty_pack = b"PACK" + (2).to_bytes(4, "big") + (0).to_bytes(4, "big")
    body = f"{len(line) + 4:04x}".encode() + line + b"0000" + empty_pack + hashlib.sha1(empty_pack).digest()
    response = client.post("/git/acme/web.git/git-receive-pack", body,
                           content_type="application/x-git-receive-pack-request", headers=basic(owner))
    assert response.status_code == 200
    answer = b"".join(response.streaming_content)
    assert b"ng refs/notes/commits pre-receive hook declined" in answer
    [entry] = entries()
    assert (entry.outcome, entry.detail["ref"]) == ("denied", "refs/notes/commits")
    assert "only branches (refs/heads/) and tags (refs/tags/) may be pushed" in entry.detail["reason"]
    assert git_run("acme", "web", "for-each-ref", "refs/notes/").strip() == b""
