"""fs:rename and fs:delete, and the glob matching they share with fetch:template."""

import os
from functools import partial
from pathlib import Path

import pytest

from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.filesystem import FsDelete, FsRename, glob_regex
from scaffolding.tests.helpers import ada_ctx

make_ctx = partial(ada_ctx, step_id="fs")


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "workspace"
    (root / "docs" / "guide").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "README.md").write_text("readme")
    (root / ".env").write_text("x")
    (root / "docs" / "index.md").write_text("index")
    (root / "docs" / "guide" / "start.md").write_text("start")
    (root / "src" / "main.py").write_text("main")
    return root


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.mark.parametrize("pattern, path, matches", [
    ("*.md", "README.md", True),
    ("*.md", "docs/index.md", False),
    ("**/*.md", "docs/guide/start.md", True),
    ("**/*.md", "README.md", True),
    ("docs/**", "docs/guide/start.md", True),
    ("docs/**", "docs", False),
    (".github/workflows/*", ".github/workflows/ci.yml", True),
    (".github/workflows/*", ".github/workflows/sub/ci.yml", False),
    ("./src/*.py", "src/main.py", True),
    ("*", ".env", True),  # dot: true, like Backstage's globby calls
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file10.txt", False),
    ("[!a]*.txt", "b.txt", True),
    ("[!a]*.txt", "a.txt", False),
    ("*.{yml,yaml}", "x.yaml", True),
    ("*.{yml,yaml}", "x.json", False),
    ("a+b(c).txt", "a+b(c).txt", True),
])
def test_glob_regex(pattern, path, matches):
    assert bool(glob_regex(pattern).fullmatch(path)) is matches


# --- fs:rename -----------------------------------------------------------------------------------


def test_rename_moves_files_and_directories_creating_parents(workspace):
    ctx = make_ctx(workspace, {"files": [{"from": "README.md", "to": "docs/README.md"},
                                         {"from": "src", "to": "lib/python/src"}]})
    FsRename().run(ctx)
    assert (workspace / "docs" / "README.md").read_text() == "readme"
    assert (workspace / "lib" / "python" / "src" / "main.py").read_text() == "main"
    assert not (workspace / "README.md").exists() and not (workspace / "src").exists()
    assert ctx.logs == ["Renamed README.md to docs/README.md", "Renamed src to lib/python/src"]


def test_rename_refuses_an_existing_target_unless_overwrite(workspace):
    with pytest.raises(ActionError, match=r"files\[0\]\.to: 'docs/index.md' already exists; set overwrite"):
        FsRename().run(make_ctx(workspace, {"files": [{"from": "README.md", "to": "docs/index.md"}]}))
    assert (workspace / "README.md").exists()
    FsRename().run(make_ctx(workspace, {"files": [{"from": "README.md", "to": "docs", "overwrite": True}]}))
    assert (workspace / "docs").read_text() == "readme"


def test_rename_of_a_missing_source_is_an_error(workspace):
    with pytest.raises(ActionError, match=r"files\[0\]\.from: 'nope.txt' does not exist"):
        FsRename().run(make_ctx(workspace, {"files": [{"from": "nope.txt", "to": "x.txt"}]}))


@pytest.mark.parametrize("item, message", [
    ({"from": "README.md", "to": "../README.md"}, r"files\[0\]\.to: .* leaves the task's workspace"),
    ({"from": "README.md", "to": "/tmp/README.md"}, r"files\[0\]\.to: .* is absolute"),
    ({"from": "../other/README.md", "to": "x"}, r"files\[0\]\.from: .* leaves"),
    ({"from": "/etc/passwd", "to": "passwd"}, r"files\[0\]\.from: .* is absolute"),
    ({"from": "README.md", "to": "."}, r"files\[0\]\.to: .* names the workspace itself"),
    ({"from": "README.md", "to": "src/.."}, r"names the workspace itself"),
    ({"from": "README.md"}, r"files\[0\]: each file must have a 'from' and a 'to'"),
    ({"from": "src", "to": "src/inner"}, "into itself"),
    ({"from": "README.md", "to": "./README.md"}, "are the same path"),
])
def test_rename_refuses_bad_paths(workspace, item, message):
    before = listing(workspace)
    with pytest.raises(ActionInputError, match=message):
        FsRename().run(make_ctx(workspace, {"files": [item]}))
    assert listing(workspace) == before
    assert not (workspace.parent / "README.md").exists()


def test_rename_moves_a_symlink_itself_not_what_it_points_to(workspace, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("outside")
    os.symlink(outside, workspace / "link")
    FsRename().run(make_ctx(workspace, {"files": [{"from": "link", "to": "moved"}]}))
    assert (workspace / "moved").is_symlink() and outside.read_text() == "outside"


# --- fs:delete -----------------------------------------------------------------------------------


def test_delete_removes_files_directories_and_glob_matches(workspace):
    ctx = make_ctx(workspace, {"files": ["README.md", "src", "docs/**/*.md", "nothing-*"]})
    FsDelete().run(ctx)
    assert listing(workspace) == [".env", "docs", "docs/guide"]
    assert "Deleted README.md" in ctx.logs and "No files matched nothing-*" in ctx.logs


def test_delete_of_a_directory_glob_removes_it_once(workspace):
    FsDelete().run(make_ctx(workspace, {"files": ["docs/**"]}))
    assert listing(workspace) == [".env", "README.md", "docs", "src", "src/main.py"]


def test_delete_removes_a_symlink_not_its_target(workspace, tmp_path):
    outside = tmp_path / "keep"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    os.symlink(outside, workspace / "link")
    FsDelete().run(make_ctx(workspace, {"files": ["link", "link/**"]}))
    assert not os.path.lexists(workspace / "link")
    assert (outside / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("pattern, message", [
    ("../*", "contains '..'"),
    ("docs/../../x", "contains '..'"),
    ("/etc/passwd", "is absolute"),
    ("", "expected a path or glob pattern"),
    (".", "names the workspace itself"),
    (7, "expected a path or glob pattern"),
])
def test_delete_refuses_patterns_outside_the_workspace(workspace, pattern, message):
    before = listing(workspace)
    with pytest.raises(ActionInputError, match=rf"files\[0\]: .*{message}"):
        FsDelete().run(make_ctx(workspace, {"files": [pattern]}))
    assert listing(workspace) == before


def test_both_actions_need_a_list(workspace):
    with pytest.raises(ActionInputError, match="files: expected a list"):
        FsDelete().run(make_ctx(workspace, {"files": "README.md"}))
    with pytest.raises(ActionInputError, match="files: expected a list"):
        FsRename().run(make_ctx(workspace, {}))


def test_cancel_stops_between_entries(workspace):
    from scaffolding.actions.base import ActionCancelled

    ctx = make_ctx(workspace, {"files": ["README.md"]})
    ctx.cancel_event.set()
    with pytest.raises(ActionCancelled):
        FsDelete().run(ctx)
    assert (workspace / "README.md").exists()


def test_a_catastrophic_glob_matches_in_linear_time():
    import time

    started = time.monotonic()
    assert glob_regex("*a*a*a*a*a*a*a*a*a*a*b").fullmatch("a" * 20_000) is None
    assert time.monotonic() - started < 1
