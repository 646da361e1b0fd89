"""Browse pages: access, list, tree with README, file view, raw file, history, 404s."""

import pytest

from githost import services

pytestmark = pytest.mark.django_db

AUTHOR = {"author_name": "Ada", "author_email": "ada@x.io"}


@pytest.mark.parametrize("url", ["/git/", "/git/acme/web/", "/git/acme/web/blob/main/README.md",
                                 "/git/acme/web/raw/main/README.md", "/git/acme/web/commits/main"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, repo, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_pages_are_get_only(client_owner, repo):
    assert client_owner.post("/git/").status_code == 405
    assert client_owner.post("/git/acme/web/").status_code == 405


def test_list_shows_repositories_and_filters(client_owner, repo):
    services.repo_create(owner="beta", name="api")
    response = client_owner.get("/git/")
    assert response.status_code == 200
    assert b"acme/<strong>web</strong>" in response.content and b"beta/<strong>api</strong>" in response.content
    assert b"<html" in response.content
    response = client_owner.get("/git/?q=the+web", headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"acme/<strong>web</strong>" in response.content and b"beta/" not in response.content
    assert "HX-Request" in response["Vary"]


def test_list_query_count_does_not_grow_with_repositories(client_owner, owner, django_assert_max_num_queries):
    for i in range(8):
        services.repo_create(owner="acme", name=f"r{i}", actor=owner)
    client_owner.get("/git/")  # who the person is and the roles are read once, then cached
    with django_assert_max_num_queries(8):
        client_owner.get("/git/")


def test_repo_page_shows_tree_clone_url_last_commit_and_a_sanitised_readme(client_owner, repo, settings):
    settings.PAVED_PUBLIC_URL = "http://git.test:8000"
    response = client_owner.get("/git/acme/web/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "http://git.test:8000/git/acme/web.git" in body
    assert 'href="/git/acme/web/tree/main/src"' in body and 'href="/git/acme/web/blob/main/README.md"' in body
    assert "Initial commit" in body and "Ada" in body
    assert "<h1>Web</h1>" in body and "world." in body
    assert "<script>alert" not in body and "alert(1)" not in body


def test_repo_page_without_slash_also_works(client_owner, repo):
    assert client_owner.get("/git/acme/web").status_code in (200, 301)


def test_empty_repository_shows_push_instructions(client_owner):
    services.repo_create(owner="acme", name="empty")
    response = client_owner.get("/git/acme/empty/")
    assert response.status_code == 200
    assert b"This repository is empty" in response.content
    assert b"git push -u origin main" in response.content


def test_tree_of_a_subdirectory(client_owner, repo):
    response = client_owner.get("/git/acme/web/tree/main/src")
    assert response.status_code == 200
    assert b'href="/git/acme/web/blob/main/src/app.py"' in response.content


def test_blob_shows_numbered_lines_escaped(client_owner, repo):
    response = client_owner.get("/git/acme/web/blob/main/README.md")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="L3"' in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body


def test_blob_of_binary_and_huge_files(client_owner, repo, monkeypatch):
    services.repo_commit_files(owner="acme", name="web", branch="main", message="bin",
                               files={"logo.png": b"\x89PNG\0\0data", "big.txt": b"line\n" * 100}, **AUTHOR)
    response = client_owner.get("/git/acme/web/blob/main/logo.png")
    assert b"binary file" in response.content
    monkeypatch.setattr("githost.views.SHOW_MAX_BYTES", 50)
    response = client_owner.get("/git/acme/web/blob/main/big.txt")
    assert response.status_code == 200
    assert b"only its first 10 lines" in response.content and b'id="L11"' not in response.content


def test_raw_is_never_html(client_owner, repo):
    services.repo_commit_files(owner="acme", name="web", branch="main", message="html",
                               files={"page.html": b"<script>alert(1)</script>", "x.bin": b"\0\1\2"}, **AUTHOR)
    response = client_owner.get("/git/acme/web/raw/main/page.html")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b"<script>alert(1)</script>"
    response = client_owner.get("/git/acme/web/raw/main/x.bin")
    assert response["Content-Type"] == "application/octet-stream"


def test_commit_list(client_owner, repo):
    services.repo_commit_files(owner="acme", name="web", branch="main", message="Second change",
                               files={"a": b"a"}, **AUTHOR)
    response = client_owner.get("/git/acme/web/commits/main")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Second change") < body.index("Initial commit")


@pytest.mark.parametrize("url", [
    "/git/acme/nope/", "/git/acme/web/tree/nope/", "/git/acme/web/tree/main/nope", "/git/acme/web/blob/main/nope",
    "/git/acme/web/blob/main/src", "/git/acme/web/tree/main/README.md", "/git/acme/web/raw/main/../../etc/passwd",
    "/git/acme/web/blob/-x/README.md", "/git/acme/web/commits/nope", "/git/acme/web/blob/main/.git/config",
    "/git/ac..me/web/", "/git/acme/web/tree/main%7E1/",
])
def test_bad_repos_refs_and_paths_are_404_pages(client_owner, repo, url):
    response = client_owner.get(url)
    assert response.status_code == 404
    assert b"All repositories" in response.content


def test_without_githost_repository_read_pages_are_403_and_the_list_shows_only_owned(client_owner, repo):
    from core.access import access_cache_clear
    from core.models import Grant

    services.repo_create(owner="acme", name="other", owner_ref="group:default/team-b")
    services.repo_commit_files(owner="acme", name="other", branch="main", files={"a": b"1"}, message="m", **AUTHOR)
    Grant.objects.filter(permission="githost.repository.read").update(rule="IS_ENTITY_OWNER")
    access_cache_clear()
    listed = client_owner.get("/git/").content.decode()
    assert 'href="/git/acme/web"' in listed and "/git/acme/other" not in listed
    assert client_owner.get("/git/acme/web/").status_code == 200
    assert client_owner.get("/git/acme/other/").status_code == 403
    assert client_owner.get("/git/acme/other/raw/main/a").status_code == 403
    access_cache_clear()  # the grant comes back with the rollback; the cache must not outlive it
