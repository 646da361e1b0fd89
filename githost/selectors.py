"""Reads from the git host: repositories, branches, trees, files, history.

`githost.services` re-exports these, so other apps import everything from one module. Raw git
(`githost.lib.git`) is private to githost: a read other apps need becomes a selector here.
"""

import os
import subprocess
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet

from githost.lib.git import GIT, GitHostError, base_env, check_name, check_ref, clean_path, git_run, repo_path, run
from githost.models import GitRepository


def repo_git_dir(owner: str, name: str) -> Path:
    """The bare repository's directory; GitHostError if it is not on disk."""
    path = repo_path(owner, name)
    if not (path / "HEAD").is_file():
        raise GitHostError(f"repository {owner}/{name} does not exist")
    return path


def repo_get(*, owner: str, name: str) -> GitRepository | None:
    try:
        check_name(owner, "owner")
        check_name(name, "name")
    except GitHostError:
        return None  # an invalid name cannot be registered
    return GitRepository.objects.filter(owner=owner, name=name).first()


def repo_exists(*, owner: str, name: str) -> bool:
    """True when owner/name is registered and its bare repository is on disk."""
    return repo_get(owner=owner, name=name) is not None and (repo_path(owner, name) / "HEAD").is_file()


def repo_list(*, query: str = "") -> QuerySet[GitRepository]:
    """Repositories, newest first; `query` matches owner, name or description ("owner/name" works too)."""
    repos = GitRepository.objects.select_related("created_by")
    query = (query or "").strip()[:200]
    if "/" in query:
        owner, _, name = query.partition("/")
        repos = repos.filter(owner__icontains=owner.strip(), name__icontains=name.strip())
    elif query:
        repos = repos.filter(Q(owner__icontains=query) | Q(name__icontains=query) | Q(description__icontains=query))
    return repos.order_by("-created_at", "-id")


def _rev_parse(git_dir: Path, rev: str) -> str | None:
    result = run(git_dir, "rev-parse", "--verify", "--quiet", rev, check=False)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def repo_head(*, owner: str, name: str, branch: str) -> str | None:
    """The commit `branch` points at, or None when the branch (or the repository) does not exist."""
    check_ref(branch, "branch")
    path = repo_path(owner, name)
    if not (path / "HEAD").is_file():
        return None
    return _rev_parse(path, f"refs/heads/{branch}^{{commit}}")


def resolve_commit(git_dir: Path, ref: str) -> str:
    """The commit a branch, tag or commit id names; GitHostError if it names none."""
    check_ref(ref)
    sha = _rev_parse(git_dir, f"{ref}^{{commit}}")
    if sha is None:
        raise GitHostError(f"ref {ref!r} does not exist in {git_dir.parent.name}/{git_dir.name[:-4]}")
    return sha


def object_info(git_dir: Path, commit: str, path: str) -> tuple[str, str, int] | None:
    """(sha, type, size) of `path` in `commit` ("" = its root tree), or None when missing."""
    spec = f"{commit}^{{tree}}" if not path else f"{commit}:{path}"
    out = run(git_dir, "cat-file", "--batch-check", input=spec.encode() + b"\n").stdout.decode("utf-8", "replace")
    fields = out.split()
    if len(fields) != 3 or fields[1] == "missing":
        return None
    return fields[0], fields[1], int(fields[2])


def _locate(owner: str, name: str, ref: str, path: str) -> tuple[Path, str, str, tuple[str, str, int]]:
    git_dir = repo_git_dir(owner, name)
    path = clean_path(path)
    commit = resolve_commit(git_dir, ref)
    info = object_info(git_dir, commit, path)
    if info is None:
        raise GitHostError(f"{path or '/'} does not exist at {ref} in {owner}/{name}")
    return git_dir, commit, path, info


def repo_blob_info(*, owner: str, name: str, ref: str, path: str) -> tuple[str, int]:
    """(blob sha, size) of a file; GitHostError if it is missing or a directory."""
    _git_dir, _commit, path, (sha, kind, size) = _locate(owner, name, ref, path)
    if kind != "blob":
        raise GitHostError(f"{path or '/'} is a directory at {ref} in {owner}/{name}, not a file")
    return sha, size


def repo_is_symlink(*, owner: str, name: str, ref: str, path: str) -> bool:
    """Whether `path` at `ref` is a symbolic link (mode 120000). A link's blob holds its target's path,
    not a file: readers that hand files to people refuse it rather than pass a path off as content."""
    git_dir, commit, path, _info = _locate(owner, name, ref, path)
    if not path:
        return False
    out = run(git_dir, "ls-tree", "-z", commit, "--", path).stdout
    return out.startswith(b"120000 ")


def repo_read_file(*, owner: str, name: str, ref: str, path: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a file at `ref`. GitHostError if missing, a directory, or over `max_bytes`
    (default PAVED_MAX_FILE_BYTES)."""
    limit = settings.PAVED_MAX_FILE_BYTES if max_bytes is None else max_bytes
    sha, size = repo_blob_info(owner=owner, name=name, ref=ref, path=path)
    if size > limit:
        raise GitHostError(f"{path} in {owner}/{name} is {size} bytes, over the limit of {limit} bytes")
    return git_run(owner, name, "cat-file", "blob", sha)


def repo_read_head(*, owner: str, name: str, ref: str, path: str, max_bytes: int) -> tuple[bytes, int]:
    """The first `max_bytes` of a file and its full size, without reading a huge blob into memory."""
    sha, size = repo_blob_info(owner=owner, name=name, ref=ref, path=path)
    with subprocess.Popen([GIT, "cat-file", "blob", sha], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          env=base_env(repo_git_dir(owner, name))) as process:
        data = process.stdout.read(max_bytes)
        process.kill()
    return data, size


def repo_tree(*, owner: str, name: str, ref: str, path: str = "") -> list[dict]:
    """The entries of a directory: [{"name", "path", "type": "tree"|"blob", "size"}], directories first.

    Submodule entries are left out. GitHostError if `path` is missing or a file.
    """
    git_dir, _commit, path, (sha, kind, _size) = _locate(owner, name, ref, path)
    if kind != "tree":
        raise GitHostError(f"{path} is a file at {ref} in {owner}/{name}, not a directory")
    entries = []
    for record in run(git_dir, "ls-tree", "-z", "-l", sha).stdout.split(b"\0"):
        if not record:
            continue
        meta, _, entry_name = record.partition(b"\t")
        _mode, entry_type, _sha, entry_size = meta.decode().split()
        if entry_type not in ("tree", "blob"):
            continue
        entry_name = entry_name.decode("utf-8", "replace")
        entries.append({
            "name": entry_name,
            "path": f"{path}/{entry_name}" if path else entry_name,
            "type": entry_type,
            "size": None if entry_size == "-" else int(entry_size),
        })
    entries.sort(key=lambda e: (e["type"] != "tree", e["name"].lower(), e["name"]))
    return entries


def repo_log(*, owner: str, name: str, ref: str, limit: int = 50) -> list[dict]:
    """The newest `limit` commits reachable from `ref`: [{"sha", "short", "author", "email", "date", "message"}].

    An empty list when the ref does not exist yet (a fresh repository has no commits).
    """
    git_dir = repo_git_dir(owner, name)
    check_ref(ref)
    commit = _rev_parse(git_dir, f"{ref}^{{commit}}")
    if commit is None:
        return []
    limit = max(1, min(int(limit), 1000))
    out = run(git_dir, "log", "-z", f"--max-count={limit}", "--format=%H%x1f%h%x1f%an%x1f%ae%x1f%aI%x1f%B",
              commit, "--").stdout
    commits = []
    for record in out.split(b"\0"):
        fields = record.decode("utf-8", "replace").split("\x1f", 5)
        if len(fields) != 6:
            continue
        sha, short, author, email, date, message = fields
        commits.append({"sha": sha, "short": short, "author": author, "email": email,
                        "date": datetime.fromisoformat(date), "message": message.strip()})
    return commits


def repo_commits_pushed(*, owner: str, name: str, ref: str, old: str, new: str, limit: int = 500) -> list[dict]:
    """The commits a push of `ref` from `old` to `new` brought, newest first, at most `limit`:
    [{"sha", "email", "date" (author time)}]. A new ref (`old` all zeros) brings what no other ref
    of the repository already had; a deletion brings nothing."""
    zero = "0" * 40
    if not new or new == zero:
        return []
    check_ref(new)
    git_dir = repo_git_dir(owner, name)
    limit = max(1, min(int(limit), 5000))
    if old and old != zero:
        check_ref(old)
        revs = [f"{old}..{new}"]
    else:
        check_ref(ref)
        revs = [new, "--not", f"--exclude={ref}", "--glob=refs"]  # every other ref (not HEAD: it may be `ref`)
    out = run(git_dir, "log", "-z", f"--max-count={limit}", "--format=%H%x1f%ae%x1f%aI", *revs, "--",
              check=False).stdout
    commits = []
    for record in out.split(b"\0"):
        fields = record.decode("utf-8", "replace").strip().split("\x1f")
        if len(fields) == 3:
            commits.append({"sha": fields[0], "email": fields[1], "date": datetime.fromisoformat(fields[2])})
    return commits


def _safe_target(root: Path, rel: str) -> Path:
    target = root / rel
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    real_parent = parent.resolve()
    if real_parent != root and root not in real_parent.parents:
        raise GitHostError(f"{rel} would be written outside the export directory")
    return target


def _write_blob(target: Path, stream, size: int, executable: bool) -> None:
    if target.is_symlink():
        target.unlink()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o755 if executable else 0o644)
    with os.fdopen(fd, "wb") as handle:
        remaining = size
        while remaining:
            chunk = stream.read(min(remaining, 1 << 20))
            if not chunk:
                raise GitHostError(f"git stopped while writing {target.name}")
            handle.write(chunk)
            remaining -= len(chunk)


def repo_export(*, owner: str, name: str, ref: str, path: str, dest: Path) -> int:
    """Write the directory at `path` ("" = the whole repository) into `dest`; return the number of files.

    Symlinks and submodules are skipped, never written as links; a `path` naming a file exports that file.
    """
    git_dir, _commit, path, (sha, kind, _size) = _locate(owner, name, ref, path)
    if kind == "blob":
        entries = [(b"100644", sha, path.rsplit("/", 1)[-1])]
    else:
        entries = []
        for record in run(git_dir, "ls-tree", "-r", "-z", sha).stdout.split(b"\0"):
            if record:
                meta, _, rel = record.partition(b"\t")
                mode, entry_type, entry_sha = meta.split()
                if entry_type == b"blob" and mode in (b"100644", b"100755"):
                    entries.append((mode, entry_sha.decode(), rel.decode("utf-8", "surrogateescape")))
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    with subprocess.Popen([GIT, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=base_env(git_dir)) as process:
        for mode, entry_sha, rel in entries:
            target = _safe_target(root, clean_path(rel, allow_root=False))
            process.stdin.write(entry_sha.encode() + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()
            if len(header) != 3:
                raise GitHostError(f"git could not read {rel} in {owner}/{name}")
            _write_blob(target, process.stdout, int(header[2]), mode == b"100755")
            process.stdout.read(1)  # the newline after each object
        process.stdin.close()
    return len(entries)


def repo_branches(*, owner: str, name: str) -> list[str]:
    """Branch names, sorted."""
    out = git_run(owner, name, "for-each-ref", "--format=%(refname:strip=2)", "refs/heads/")
    return sorted(out.decode("utf-8", "replace").split())


def repo_tree_id(*, owner: str, name: str, ref: str, path: str = "") -> str:
    """The git object id of `path` ("" = the root tree) at `ref`: it changes whenever anything under it does.
    GitHostError when the repository, the ref or the path does not exist."""
    check_ref(ref)
    path = path.strip("/")
    spec = f"{ref}:{path}" if path else f"{ref}^{{tree}}"
    return git_run(owner, name, "rev-parse", "--verify", "--quiet", spec).decode().strip()


def repo_merged_branches(*, owner: str, name: str, into: str, prefix: str = "") -> list[str]:
    """The branches named `prefix`* whose head is merged into `into` (a branch or commit), newest first:
    those no other of them descends from come first, newest commit first; [] when none is."""
    check_ref(into)
    if prefix:
        check_ref(prefix + "x", "prefix")  # the start of a valid branch name (it may end with "/" or "-")
    git_dir = repo_git_dir(owner, name)
    out = run(git_dir, "for-each-ref", f"--merged={into}", "--format=%(objectname) %(refname:lstrip=2)",
              f"refs/heads/{prefix}*", check=False).stdout.decode("utf-8", "replace")
    tips: dict[str, str] = {}
    for line in out.splitlines():
        sha, _, branch = line.partition(" ")
        tips.setdefault(sha, branch)  # branches at one commit: the first by name stands for them
    if not tips:
        return []
    independent = run(git_dir, "merge-base", "--independent", *tips, check=False).stdout.decode().split()
    ordered = run(git_dir, "rev-list", "--no-walk", *(independent or tips), check=False).stdout.decode().split()
    rest = [sha for sha in tips if sha not in ordered]
    if rest:
        ordered += run(git_dir, "rev-list", "--no-walk", *rest, check=False).stdout.decode().split()
    return [tips[sha] for sha in ordered if sha in tips]


def repo_is_ancestor(*, owner: str, name: str, ancestor: str, descendant: str) -> bool:
    """True when commit `ancestor` is `descendant` or one of its ancestors."""
    check_ref(ancestor)
    check_ref(descendant)
    git_dir = repo_git_dir(owner, name)
    return run(git_dir, "merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0


def repo_root_commit(*, owner: str, name: str, ref: str) -> str | None:
    """The first commit of `ref`'s first-parent history (where the repository started), or None."""
    check_ref(ref)
    git_dir = repo_git_dir(owner, name)
    roots = run(git_dir, "rev-list", "--first-parent", "--max-parents=0", ref, check=False).stdout.decode().split()
    return roots[-1] if roots else None
