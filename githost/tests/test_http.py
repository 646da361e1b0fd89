"""Git's smart HTTP protocol: a real `git` against the live server, and the edges through the test client."""

import base64
import os
import subprocess

import pytest

from catalog.models import Location
from githost import services
from githost.lib.git import git_run
from githost.signals import repository_pushed
from portal.tokens import api_token_create

AUTHOR = {"author_name": "Ada", "author_email": "ada@x.io"}


def basic(token: str, user: str = "x") -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


def git(*args, cwd=None, home=None, check=True) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
           "GIT_AUTHOR_NAME": "Bob", "GIT_AUTHOR_EMAIL": "bob@x.io", "GIT_COMMITTER_NAME": "Bob",
           "GIT_COMMITTER_EMAIL": "bob@x.io", "GIT_ASKPASS": "/bin/false"}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.django_db(transaction=True)
def test_clone_and_push_with_a_token_then_the_catalog_is_asked_to_refresh(live_server, settings, tmp_path, owner,
                                                                          monkeypatch):
    host = live_server.url.split("://", 1)[1]
    settings.PAVED_GIT_HOST = host
    settings.PAVED_PUBLIC_URL = live_server.url
    from catalog import tasks

    sent, pushed = [], []
    monkeypatch.setattr(tasks.location_refresh, "delay", lambda location_id: sent.append(location_id))
    repository_pushed.connect(lambda sender, **kwargs: pushed.append(kwargs), weak=False, dispatch_uid="test.pushed")
    services.repo_create(owner="acme", name="web", owner_ref="user:default/owner")
    services.repo_commit_files(owner="acme", name="web", branch="main", message="First",
                               files={"catalog-info.yaml": b"kind: Component\n"}, **AUTHOR)
    target = services.contents_url("acme", "web", "main") + "/catalog-info.yaml"
    mine = Location.objects.create(type="url", target=target)
    other = Location.objects.create(type="url", target=services.web_url("acme", "website") + "/blob/main/c.yaml")
    token = api_token_create(user=owner)

    work = tmp_path / "work"
    git("clone", f"http://x:{token}@{host}/git/acme/web.git", str(work), home=tmp_path)
    assert (work / "catalog-info.yaml").read_bytes() == b"kind: Component\n"
    (work / "new.txt").write_text("pushed\n")
    git("add", "new.txt", cwd=work, home=tmp_path)
    git("commit", "-m", "Pushed over HTTP", cwd=work, home=tmp_path)
    try:
        git("push", "origin", "main", cwd=work, home=tmp_path)
    finally:
        repository_pushed.disconnect(dispatch_uid="test.pushed")

    local = git("rev-parse", "HEAD", cwd=work, home=tmp_path).stdout.strip()
    assert services.repo_head(owner="acme", name="web", branch="main") == local
    assert services.repo_read_file(owner="acme", name="web", ref="main", path="new.txt") == b"pushed\n"
    assert len(pushed) == 1
    assert {k: pushed[0][k] for k in ("owner", "name", "web_url")} == {
        "owner": "acme", "name": "web", "web_url": services.web_url("acme", "web")}
    [(ref, old, new)] = pushed[0]["ref_updates"]
    assert ref == "refs/heads/main" and new == local and old != new and pushed[0]["actor"] == owner
    assert sent == [str(mine.pk)]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.refresh_requested_at is not None and other.refresh_requested_at is None


@pytest.mark.django_db(transaction=True)
def test_anonymous_and_bad_token_clones_are_refused(live_server, settings, tmp_path):
    host = live_server.url.split("://", 1)[1]
    settings.PAVED_GIT_HOST = host
    settings.PAVED_PUBLIC_URL = live_server.url
    services.repo_create(owner="acme", name="web")
    anonymous = git("clone", f"http://{host}/git/acme/web.git", str(tmp_path / "a"), home=tmp_path, check=False)
    assert anonymous.returncode != 0
    assert not (tmp_path / "a").exists()
    bad = git("clone", f"http://x:pvd_wrong@{host}/git/acme/web.git", str(tmp_path / "b"), home=tmp_path, check=False)
    assert bad.returncode != 0 and "Authentication failed" in bad.stderr


# --- The edges, through the test client ---------------------------------------------------------


@pytest.fixture
def token(owner) -> str:
    return api_token_create(user=owner)


@pytest.mark.django_db
def test_anonymous_git_requests_get_a_basic_challenge(client, repo):
    response = client.get("/git/acme/web.git/info/refs?service=git-upload-pack")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="Paved git"'


@pytest.mark.django_db
def test_ref_advertisement_with_basic_token(client, repo, token):
    response = client.get("/git/acme/web.git/info/refs?service=git-upload-pack", headers=basic(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-git-upload-pack-advertisement"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"001e# service=git-upload-pack\n")
    head = services.repo_head(owner="acme", name="web", branch="main")
    assert f"{head} refs/heads/main".encode() in body


@pytest.mark.django_db
def test_a_signed_in_session_may_fetch(client_owner, repo):
    response = client_owner.get("/git/acme/web.git/info/refs?service=git-receive-pack")
    assert response.status_code == 200
    assert b"git-receive-pack" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_unknown_and_unregistered_repositories_are_404(client, repo, token, git_root):
    response = client.get("/git/acme/nope.git/info/refs?service=git-upload-pack", headers=basic(token))
    assert response.status_code == 404
    # On disk but not registered: neither served nor pushable.
    git_run("acme", "web", "init", "--bare", "--quiet", str(git_root / "acme" / "stray.git"))
    response = client.post("/git/acme/stray.git/git-receive-pack", b"0000",
                           content_type="application/x-git-receive-pack-request", headers=basic(token))
    assert response.status_code == 404


@pytest.mark.django_db
def test_only_the_smart_protocol_is_served(client, repo, token):
    assert client.get("/git/acme/web.git/HEAD", headers=basic(token)).status_code == 404
    assert client.get("/git/acme/web.git/info/refs", headers=basic(token)).status_code == 404
    assert client.get("/git/acme/web.git/config", headers=basic(token)).status_code == 404
    assert client.put("/git/acme/web.git/git-receive-pack", headers=basic(token)).status_code == 405


@pytest.mark.django_db
def test_pushes_over_the_size_limit_are_refused(client, repo, token, settings):
    settings.PAVED_GIT_MAX_PUSH_BYTES = 1024
    response = client.post("/git/acme/web.git/git-receive-pack", b"0" * 2048,
                           content_type="application/x-git-receive-pack-request", headers=basic(token))
    assert response.status_code == 413


@pytest.mark.django_db
def test_csrf_is_not_required_for_git_posts(repo, token):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/git/acme/web.git/git-upload-pack", b"0000",
                           content_type="application/x-git-upload-pack-request", headers=basic(token))
    assert response.status_code == 200
    b"".join(response.streaming_content)
