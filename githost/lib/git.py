"""Plumbing: run the git CLI in an isolated environment and check the names we pass to it.

Nothing here knows about the database. Every value that reaches a git command line (owner,
name, ref, path) is checked first, because all of them can come from URLs or YAML: a ref
starting with "-" would be read as an option, a path with ".." could leave the tree.
"""

import os
import re
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

GIT = "/usr/bin/git"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
REF_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$")
ZERO_SHA = "0" * 40
COMMITTER = ("Paved", "paved@localhost")


class GitHostError(Exception):
    """A git host operation that cannot be done; the message is shown to people as is."""


def check_name(value: str, field: str) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value) or ".." in value or value.lower().endswith(".git"):
        raise GitHostError(
            f"{field} {value!r} is not valid: use 1-100 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit, without '..' and not ending in '.git'"
        )
    return value


def check_ref(value: str, field: str = "ref") -> str:
    """A branch, tag or commit id. Stricter than git's own rules: no "..", "@{", "//" or trailing "/" or "."."""
    if (
        not isinstance(value, str)
        or not REF_RE.match(value)
        or ".." in value
        or "//" in value
        or value.endswith(("/", ".", ".lock"))
        or "/." in value
    ):
        raise GitHostError(f"{field} {value!r} is not a valid branch, tag or commit name")
    return value


def clean_path(value: str, *, field: str = "path", allow_root: bool = True) -> str:
    """A POSIX path inside a repository, normalised to 'a/b' ('' for the root)."""
    if not isinstance(value, str) or "\x00" in value or "\n" in value or "\\" in value:
        raise GitHostError(f"{field} {value!r} is not a valid path")
    if value.startswith("/"):
        raise GitHostError(f"{field} {value!r} must be relative to the repository root")
    parts = [p for p in value.split("/") if p not in ("", ".")]
    for part in parts:
        if part == ".." or part.lower() == ".git":
            raise GitHostError(f"{field} {value!r} may not contain '..' or '.git'")
    if not parts and not allow_root:
        raise GitHostError(f"{field} {value!r} names no file")
    return "/".join(parts)


def repo_path(owner: str, name: str) -> Path:
    check_name(owner, "owner")
    check_name(name, "name")
    return Path(settings.PAVED_GIT_ROOT) / owner / f"{name}.git"


_home: str | None = None


def _scratch_home() -> str:
    # A private, empty HOME so ~/.gitconfig (credential helpers, hooks paths, aliases) is never read.
    global _home
    if _home is None or not os.path.isdir(_home):
        _home = tempfile.mkdtemp(prefix="paved-git-home-")
    return _home


def base_env(git_dir: Path | None = None, extra: dict | None = None) -> dict[str, str]:
    home = _scratch_home()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "LANG": "C",
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_COMMITTER_NAME": COMMITTER[0],
        "GIT_COMMITTER_EMAIL": COMMITTER[1],
        "GIT_AUTHOR_NAME": COMMITTER[0],
        "GIT_AUTHOR_EMAIL": COMMITTER[1],
    }
    if git_dir is not None:
        env["GIT_DIR"] = str(git_dir)
    env.update(extra or {})
    return env


def run(git_dir: Path | None, *args: str, input: bytes | None = None, env: dict | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    """Run git with an explicit environment; raise GitHostError with git's stderr when `check`."""
    timeout = settings.PAVED_GIT_TIMEOUT_SECONDS
    try:
        result = subprocess.run([GIT, *args], input=input, capture_output=True, env=base_env(git_dir, env),
                                cwd=git_dir or "/", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise GitHostError(f"git {args[0]} did not finish within {timeout} seconds") from None
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise GitHostError(f"git {args[0]} failed: {message}")
    return result


def git_run(owner: str, name: str, *args: str, input: bytes | None = None, env: dict | None = None) -> bytes:
    """Run `git <args>` against the bare repository owner/name and return its stdout.

    Private to githost: other apps call the services and selectors, which say what they do.
    The environment is isolated (no system or user config) and GIT_DIR points at the repository;
    `env` adds variables (GIT_INDEX_FILE, author...). Raises GitHostError carrying git's stderr.
    """
    path = repo_path(owner, name)
    if not (path / "HEAD").is_file():
        raise GitHostError(f"repository {owner}/{name} does not exist")
    return run(path, *args, input=input, env=env).stdout
