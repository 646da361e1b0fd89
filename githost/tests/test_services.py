"""Repository creation, commits without a working tree, reads and exports."""

import os
import shutil
import subprocess
import threading

import pytest
from django.db import connection

from githost import services
from githost.lib.git import git_run
from githost.models import GitRepository
from githost.services import GitHostError

pytestmark = pytest.mark.django_db

AUTHOR = {"author_name": "Ada Lovelace", "author_email": "ada@example.com"}


def test_repo_create_makes_a_bare_repository_and_is_idempotent(git_root, owner):
    repo, created = services.repo_create(owner="acme", name="api", description="API", actor=owner)
    assert created and repo.created_by == owner and repo.default_branch == "main"
    assert (git_root / "acme" / "api.git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    again, created_again = services.repo_create(owner="acme", name="api", description="other")
    assert (again.pk, created_again, again.description) == (repo.pk, False, "API")
    assert GitRepository.objects.count() == 1
    assert services.repo_exists(owner="acme", name="api")
    assert not services.repo_exists(owner="acme", name="nope")
    assert [p.name for p in (git_root / "acme").iterdir()] == ["api.git"]  # no scratch directory left behind


def test_repo_create_recreates_a_missing_directory(git_root):
    services.repo_create(owner="acme", name="api")
    shutil.rmtree(git_root / "acme" / "api.git")
    assert not services.repo_exists(owner="acme", name="api")
    services.repo_create(owner="acme", name="api")
    assert services.repo_exists(owner="acme", name="api")
    (git_root / "acme" / "api.git" / "HEAD").unlink()  # broken, perhaps with data: never overwritten
    with pytest.raises(GitHostError, match="exists but is not a git repository"):
        services.repo_create(owner="acme", name="api")


@pytest.mark.parametrize("owner,name,bad", [
    ("acme", "web.git", "web.git"), ("acme", "a..b", "a..b"), ("..", "web", ".."), ("acme", "-rf", "-rf"),
    ("ac/me", "web", "ac/me"), ("acme", "", "''"), ("acme", "x" * 101, "xxxx"), ("acme", ".hidden", ".hidden"),
    ("acme", "wéb", "wéb"),
])
def test_repo_create_refuses_bad_names_naming_the_value(owner, name, bad):
    with pytest.raises(GitHostError, match="is not valid") as info:
        services.repo_create(owner=owner, name=name)
    assert bad in str(info.value)
    assert not GitRepository.objects.exists()


def test_repo_create_refuses_a_bad_default_branch():
    with pytest.raises(GitHostError, match="default_branch '--upload-pack=x'"):
        services.repo_create(owner="acme", name="web", default_branch="--upload-pack=x")


def test_commit_files_adds_replaces_deletes_and_skips_no_op(repo):
    first = services.repo_head(owner="acme", name="web", branch="main")
    sha = services.repo_commit_files(owner="acme", name="web", branch="main", message="Change",
                                     files={"src/app.py": b"print('bye')\n", "docs/index.md": None,
                                            "new.txt": b"new"}, **AUTHOR)
    assert sha and sha != first
    assert services.repo_read_file(owner="acme", name="web", ref="main", path="src/app.py") == b"print('bye')\n"
    assert services.repo_read_file(owner="acme", name="web", ref=sha, path="new.txt") == b"new"
    with pytest.raises(GitHostError, match="does not exist"):
        services.repo_read_file(owner="acme", name="web", ref="main", path="docs/index.md")
    again = services.repo_commit_files(owner="acme", name="web", branch="main", message="Change",
                                       files={"src/app.py": b"print('bye')\n", "docs/index.md": None}, **AUTHOR)
    assert again is None
    log = services.repo_log(owner="acme", name="web", ref="main")
    assert [c["message"] for c in log] == ["Change", "Initial commit"]
    assert log[0]["author"] == "Ada Lovelace" and log[0]["sha"] == sha and log[0]["date"].tzinfo is not None
    committer = git_run("acme", "web", "log", "-1", "--format=%cn <%ce>", sha).decode().strip()
    assert committer == "Paved <paved@localhost>"


def test_commit_files_creates_a_missing_branch_on_an_empty_repository():
    services.repo_create(owner="acme", name="empty")
    assert services.repo_head(owner="acme", name="empty", branch="main") is None
    sha = services.repo_commit_files(owner="acme", name="empty", branch="main", message="First",
                                     files={"a.txt": b"a"}, **AUTHOR)
    assert services.repo_head(owner="acme", name="empty", branch="main") == sha


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", ".git/config", "a/.GIT/hooks/x", "", "a\nb"])
def test_commit_files_refuses_paths_that_escape(repo, path):
    with pytest.raises(GitHostError, match="path"):
        services.repo_commit_files(owner="acme", name="web", branch="main", message="x", files={path: b"x"}, **AUTHOR)


def test_commit_files_refuses_a_hostile_branch_and_empty_author(repo):
    with pytest.raises(GitHostError, match="branch '-x'"):
        services.repo_commit_files(owner="acme", name="web", branch="-x", message="x", files={"a": b"x"}, **AUTHOR)
    with pytest.raises(GitHostError, match="author_name"):
        services.repo_commit_files(owner="acme", name="web", branch="main", message="x", files={"a": b"x"},
                                   author_name="<>", author_email="a@b")


def test_commit_tree_replaces_the_whole_tree_keeps_exec_bits_and_is_idempotent(repo, tmp_path):
    src = tmp_path / "src"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (src / "bin" / "run.sh").chmod(0o755)
    (src / "README.md").write_text("# New\n")
    (src / ".git").mkdir()
    (src / ".git" / "config").write_text("[core]\n")
    (src / "sub" / ".git").mkdir(parents=True)
    (src / "sub" / "keep.txt").write_text("kept")
    head = services.repo_head(owner="acme", name="web", branch="main")
    sha = services.repo_commit_tree(owner="acme", name="web", branch="main", source_dir=src, message="Replace",
                                    **AUTHOR)
    assert sha != head
    listing = git_run("acme", "web", "ls-tree", "-r", sha).decode()
    assert "100755 blob" in listing.split("bin/run.sh")[0].splitlines()[-1]
    paths = sorted(line.split("\t")[1] for line in listing.splitlines())
    assert paths == ["README.md", "bin/run.sh", "sub/keep.txt"]
    again = services.repo_commit_tree(owner="acme", name="web", branch="main", source_dir=src, message="Replace",
                                      **AUTHOR)
    assert again == sha
    assert len(services.repo_log(owner="acme", name="web", ref="main")) == 2


def test_commit_tree_creates_a_branch_and_refuses_symlinks(repo, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a")
    sha = services.repo_commit_tree(owner="acme", name="web", branch="feature", source_dir=src, message="F",
                                    **AUTHOR)
    assert services.repo_head(owner="acme", name="web", branch="feature") == sha
    os.symlink("/etc/passwd", src / "passwd")
    with pytest.raises(GitHostError, match="passwd is a symbolic link"):
        services.repo_commit_tree(owner="acme", name="web", branch="main", source_dir=src, message="x", **AUTHOR)
    with pytest.raises(GitHostError, match="is not a directory"):
        services.repo_commit_tree(owner="acme", name="web", branch="main", source_dir=src / "nope", message="x",
                                  **AUTHOR)


def test_branch_create(repo):
    assert services.repo_branch_create(owner="acme", name="web", branch="dev", start_point="main") is True
    assert services.repo_branch_create(owner="acme", name="web", branch="dev", start_point="main") is False
    assert services.repo_head(owner="acme", name="web", branch="dev") == services.repo_head(
        owner="acme", name="web", branch="main")
    with pytest.raises(GitHostError, match="'nope' does not exist"):
        services.repo_branch_create(owner="acme", name="web", branch="x", start_point="nope")


def test_read_file_refuses_directories_big_files_and_unknown_repos(repo, settings):
    with pytest.raises(GitHostError, match="is a directory"):
        services.repo_read_file(owner="acme", name="web", ref="main", path="src")
    with pytest.raises(GitHostError, match="over the limit of 5 bytes"):
        services.repo_read_file(owner="acme", name="web", ref="main", path="README.md", max_bytes=5)
    with pytest.raises(GitHostError, match="repository acme/nope does not exist"):
        services.repo_read_file(owner="acme", name="nope", ref="main", path="README.md")
    with pytest.raises(GitHostError, match="ref 'main~1'"):
        services.repo_read_file(owner="acme", name="web", ref="main~1", path="README.md")


def test_tree_lists_directories_first(repo):
    tree = services.repo_tree(owner="acme", name="web", ref="main")
    assert [(e["name"], e["type"]) for e in tree] == [
        ("docs", "tree"), ("src", "tree"), ("catalog-info.yaml", "blob"), ("README.md", "blob")]
    assert services.repo_tree(owner="acme", name="web", ref="main", path="src") == [
        {"name": "app.py", "path": "src/app.py", "type": "blob", "size": 12}]
    with pytest.raises(GitHostError, match="is a file"):
        services.repo_tree(owner="acme", name="web", ref="main", path="README.md")


def test_export_writes_the_subtree_and_skips_symlinks(repo, tmp_path):
    # A symlink can only arrive by push; build one with plumbing the way a client would.
    blob = git_run("acme", "web", "hash-object", "-w", "--stdin", input=b"/etc/passwd").decode().strip()
    tree = git_run("acme", "web", "mktree", input=f"120000 blob {blob}\tlink\n".encode()).decode().strip()
    head = services.repo_head(owner="acme", name="web", branch="main")
    base = git_run("acme", "web", "rev-parse", f"{head}^{{tree}}").decode().strip()
    listing = git_run("acme", "web", "ls-tree", base).decode() + f"040000 tree {tree}\tevil\n"
    new_tree = git_run("acme", "web", "mktree", input=listing.encode()).decode().strip()
    commit = git_run("acme", "web", "commit-tree", new_tree, "-p", head, "-m", "evil").decode().strip()
    git_run("acme", "web", "update-ref", "refs/heads/evil", commit)

    count = services.repo_export(owner="acme", name="web", ref="evil", path="", dest=tmp_path / "out")
    assert count == 4
    assert (tmp_path / "out" / "src" / "app.py").read_bytes() == b"print('hi')\n"
    assert not (tmp_path / "out" / "evil" / "link").exists() and not (tmp_path / "out" / "evil" / "link").is_symlink()
    assert services.repo_export(owner="acme", name="web", ref="main", path="docs", dest=tmp_path / "docs") == 1
    assert (tmp_path / "docs" / "index.md").read_bytes() == b"# Docs\n"
    with pytest.raises(GitHostError, match="does not exist"):
        services.repo_export(owner="acme", name="web", ref="main", path="nope", dest=tmp_path / "x")


def test_export_never_writes_through_a_symlink_in_dest(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    os.symlink(outside, dest / "src")
    with pytest.raises(GitHostError, match="outside the export directory"):
        services.repo_export(owner="acme", name="web", ref="main", path="", dest=dest)
    assert not list(outside.iterdir())


def test_log_of_an_empty_repository_is_empty():
    services.repo_create(owner="acme", name="empty")
    assert services.repo_log(owner="acme", name="empty", ref="main") == []


def test_repo_list_searches_and_orders_newest_first():
    services.repo_create(owner="acme", name="web", description="Website")
    services.repo_create(owner="beta", name="api", description="The API")
    assert [r.full_name for r in services.repo_list()] == ["beta/api", "acme/web"]
    assert [r.full_name for r in services.repo_list(query="websi")] == ["acme/web"]
    assert [r.full_name for r in services.repo_list(query="beta/a")] == ["beta/api"]


def test_git_run_raises_with_stderr(repo):
    with pytest.raises(GitHostError, match="git cat-file failed: fatal"):
        git_run("acme", "web", "cat-file", "-p", "nope")


@pytest.mark.django_db(transaction=True)
def test_concurrent_commit_files_from_two_threads_both_land(git_root):
    services.repo_create(owner="acme", name="race")
    errors = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                services.repo_commit_files(owner="acme", name="race", branch="main", message=f"t{n} c{i}",
                                           files={f"t{n}/{i}.txt": f"{n}-{i}".encode()}, **AUTHOR)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    files = git_run("acme", "race", "ls-tree", "-r", "--name-only", "main").decode().split()
    assert len(files) == 10
    assert len(services.repo_log(owner="acme", name="race", ref="main")) == 10
    fsck = subprocess.run(["git", "--git-dir", str(git_root / "acme" / "race.git"), "fsck"], capture_output=True)
    assert fsck.returncode == 0
