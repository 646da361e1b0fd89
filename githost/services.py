"""The built-in git host: create repositories and commit to them without a working tree.

Other apps (the scaffolder, the catalog) call these; reads live in `githost.selectors` and are
re-exported here so callers need one import. Commits are built in a temporary index and land
with `git update-ref <ref> <new> <old>`, a compare-and-swap: two workers writing the same
branch at once both succeed, one after the other, and neither loses the other's change.

These services do not check permissions: their callers do (publish:git, template upgrades, the
smart HTTP view), and the portal's own writes (the GitOps repository) pass no person. Every
write appends an audit entry naming `actor` (None: the portal itself) and `via` (what asked).
"""

import os
import shutil
import stat
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from core.audit import audit_record
from githost.lib.git import ZERO_SHA, GitHostError, check_name, check_ref, clean_path, repo_path, run
from githost.models import GitRepository
from githost.selectors import (  # noqa: F401  (re-exported: the public API is this module)
    repo_blob_info,
    repo_exists,
    repo_export,
    repo_get,
    repo_git_dir,
    repo_head,
    repo_is_ancestor,
    repo_is_symlink,
    repo_list,
    repo_log,
    repo_merged_branches,
    repo_read_file,
    repo_read_head,
    repo_root_commit,
    repo_tree,
    repo_tree_id,
    resolve_commit,
)

COMMIT_ATTEMPTS = 8


@dataclass(frozen=True)
class HostUrl:
    owner: str
    name: str
    ref: str
    path: str  # "" for the repository root


# --- Audit -------------------------------------------------------------------------------------

PORTAL_ACTOR = "paved"  # the audit log's name for writes the portal makes itself


def audit_ref_update(*, actor, owner: str, name: str, ref: str, old: str | None, new: str | None,
                     outcome: str = "success", via: str = "", reason: str = "") -> None:
    """One entry per ref update: who, which repository and ref, old -> new, and how it ended."""
    old, new = old or ZERO_SHA, new or ZERO_SHA
    change = "create" if old == ZERO_SHA else "delete" if new == ZERO_SHA else "update"
    detail = {"ref": ref, "old": old, "new": new, "change": change}
    if via:
        detail["via"] = via
    if reason:
        detail["reason"] = reason
    audit_record(actor=actor, action="githost.repository.push", target=f"{owner}/{name}", outcome=outcome,
                 detail=detail, actor_name="" if actor is not None else PORTAL_ACTOR)


# --- Repositories ------------------------------------------------------------------------------


def _init_bare(path: Path, default_branch: str) -> None:
    """Create the bare repository at `path` unless it is there; safe when two workers race."""
    if (path / "HEAD").is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Built aside and renamed into place, so nobody ever sees a half-initialised repository.
    # The leading "." keeps the scratch directory out of reach of URLs (names cannot start with ".").
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        run(None, "init", "--bare", "--quiet", "--template=", f"--initial-branch={default_branch}", str(scratch))
        # Pushed objects are hostile input: fsck refuses trees with ".git" or ".." entries and the like.
        run(scratch, "config", "receive.fsckObjects", "true")
        run(scratch, "config", "core.logAllRefUpdates", "true")
        try:
            os.rename(scratch, path)
        except OSError:
            if not (path / "HEAD").is_file():
                raise GitHostError(f"cannot create {path.parent.name}/{path.name}: the directory exists but is not "
                                   "a git repository (move it away to start afresh)") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def repo_create(*, owner: str, name: str, description: str = "", default_branch: str = "main",
                owner_ref: str = "", actor=None, via: str = "") -> tuple[GitRepository, bool]:
    """Register owner/name, owned by the catalog owner `owner_ref` ("" = platform admins only), and
    create its bare repository. Idempotent: an existing one is returned as (repo, False), unchanged
    (its owner is never taken over), and its directory is re-created if it went missing."""
    check_name(owner, "owner")
    check_name(name, "name")
    check_ref(default_branch, "default_branch")
    description = (description or "").strip()
    if len(description) > 500:
        raise GitHostError("description is longer than 500 characters")
    owner_ref = (owner_ref or "").strip().lower()
    if len(owner_ref) > 320:
        raise GitHostError("owner_ref is longer than 320 characters")
    _init_bare(repo_path(owner, name), default_branch)
    with transaction.atomic():
        repo, created = GitRepository.objects.get_or_create(
            owner=owner, name=name,
            defaults={"description": description, "default_branch": default_branch, "created_by": actor,
                      "owner_ref": owner_ref},
        )
        if created:
            detail = {"owner_ref": owner_ref, "default_branch": default_branch}
            if via:
                detail["via"] = via
            audit_record(actor=actor, action="githost.repository.create", target=repo.full_name, detail=detail,
                         actor_name="" if actor is not None else PORTAL_ACTOR)
    return repo, created


def _branch_create(git_dir: Path, *, owner: str, name: str, branch: str, commit: str, actor, via: str,
                   reflog: str = "branch: created by Paved") -> bool:
    """Create-only compare-and-swap: False when the branch exists (another writer won; its branch is kept)."""
    result = run(git_dir, "update-ref", "-m", reflog, f"refs/heads/{branch}", commit, ZERO_SHA, check=False)
    if result.returncode != 0:
        return False
    audit_ref_update(actor=actor, owner=owner, name=name, ref=f"refs/heads/{branch}", old=None, new=commit, via=via)
    return True


def repo_branch_create(*, owner: str, name: str, branch: str, start_point: str, actor=None, via: str = "") -> bool:
    """Create `branch` at `start_point` (a branch, tag or commit). False if the branch already existed."""
    check_ref(branch, "branch")
    git_dir = repo_git_dir(owner, name)
    if repo_head(owner=owner, name=name, branch=branch):
        return False
    start = resolve_commit(git_dir, start_point)
    return _branch_create(git_dir, owner=owner, name=name, branch=branch, commit=start, actor=actor, via=via)


def repo_branch_delete(*, owner: str, name: str, branch: str, expected: str, actor=None, via: str = "") -> bool:
    """Delete `branch` if it still points at `expected` (a compare-and-swap); False when it does not."""
    check_ref(branch, "branch")
    git_dir = repo_git_dir(owner, name)
    result = run(git_dir, "update-ref", "-d", f"refs/heads/{branch}", expected, check=False)
    if result.returncode != 0:
        return False
    audit_ref_update(actor=actor, owner=owner, name=name, ref=f"refs/heads/{branch}", old=expected, new=None,
                     via=via)
    return True


# --- Commits -----------------------------------------------------------------------------------


def _author_env(author_name: str, author_email: str) -> dict[str, str]:
    # git strips "<", ">" and newlines itself, but an ident made only of them is an error; say so clearly.
    clean_name = "".join(c for c in (author_name or "") if c not in "<>\n\r\0").strip()
    clean_email = "".join(c for c in (author_email or "") if c not in "<>\n\r\0 ").strip()
    if not clean_name:
        raise GitHostError(f"author_name {author_name!r} is empty")
    return {"GIT_AUTHOR_NAME": clean_name[:200], "GIT_AUTHOR_EMAIL": clean_email[:200]}


def _commit(git_dir: Path, *, branch: str, build_tree: Callable[[str | None], str], message: str,
            author: dict[str, str], audit: dict) -> str | None:
    """Commit the tree `build_tree(head)` on top of the branch head; None when it equals the head's tree.

    Loses no update: if another writer moved the branch meanwhile, the compare-and-swap fails and
    the tree is rebuilt on the new head.
    """
    ref = f"refs/heads/{branch}"
    for attempt in range(COMMIT_ATTEMPTS):
        head = run(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).stdout
        head = head.decode().strip()
        tree = build_tree(head or None)
        if head and tree == run(git_dir, "rev-parse", f"{head}^{{tree}}").stdout.decode().strip():
            return None
        parents = ["-p", head] if head else []
        commit = run(git_dir, "commit-tree", tree, *parents, "-F", "-", input=message.encode(),
                     env=author).stdout.decode().strip()
        swapped = run(git_dir, "update-ref", "-m", f"commit: {message.splitlines()[0][:80] if message else ''}",
                      ref, commit, head or ZERO_SHA, check=False)
        if swapped.returncode == 0:
            audit_ref_update(**audit, ref=ref, old=head or None, new=commit)
            return commit
        time.sleep(0.02 * (attempt + 1))
    raise GitHostError(f"branch {branch} is being changed by others; the commit was not made, try again")


def _with_index(git_dir: Path, fill: Callable[[dict[str, str]], None]) -> str:
    """Run `fill(env)` against a private index file, then write it as a tree and return the tree's sha."""
    with tempfile.TemporaryDirectory(prefix="paved-index-") as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        fill(env)
        return run(git_dir, "write-tree", env=env).stdout.decode().strip()


def _hash_blob(git_dir: Path, data: bytes) -> str:
    return run(git_dir, "hash-object", "-w", "--stdin", input=data).stdout.decode().strip()


def repo_commit_files(*, owner: str, name: str, branch: str, files: dict[str, bytes | None], message: str,
                      author_name: str, author_email: str, actor=None, via: str = "") -> str | None:
    """Add or replace (bytes) and delete (None) paths on top of the branch head, creating the branch
    if absent. Returns the new commit, or None when nothing changed (so a retry makes no second commit)."""
    check_ref(branch, "branch")
    git_dir = repo_git_dir(owner, name)
    author = _author_env(author_name, author_email)
    changes: dict[str, bytes | None] = {}
    for raw_path, content in files.items():
        path = clean_path(raw_path, field="file path", allow_root=False)
        if content is not None and not isinstance(content, bytes | bytearray):
            raise GitHostError(f"file {raw_path!r}: content must be bytes or None")
        changes[path] = content
    blobs = {path: _hash_blob(git_dir, bytes(content)) for path, content in changes.items() if content is not None}
    lines = b"".join(
        (f"100644 {blobs[path]}" if path in blobs else f"0 {ZERO_SHA}").encode() + b"\t" + path.encode() + b"\0"
        for path in changes
    )

    def build_tree(head: str | None) -> str:
        def fill(env: dict[str, str]) -> None:
            if head:
                run(git_dir, "read-tree", head, env=env)
            run(git_dir, "update-index", "--add", "--replace", "-z", "--index-info", input=lines, env=env)

        return _with_index(git_dir, fill)

    return _commit(git_dir, branch=branch, build_tree=build_tree, message=message, author=author,
                   audit={"actor": actor, "owner": owner, "name": name, "via": via})


def _collect_files(source_dir: Path) -> list[tuple[str, Path, bool]]:
    """(repository path, file, executable) for every file under source_dir; symlinks refused."""
    found = []
    for top, dirs, names in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d.lower() != ".git")
        for entry in [*dirs, *names]:
            full = Path(top) / entry
            rel = full.relative_to(source_dir).as_posix()
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                raise GitHostError(f"{rel} is a symbolic link; links cannot be committed")
            if entry in names and entry.lower() != ".git":
                if not stat.S_ISREG(info.st_mode):
                    raise GitHostError(f"{rel} is not a regular file")
                if "\n" in rel or "\\" in rel:
                    raise GitHostError(f"{rel!r}: file names with newlines or backslashes cannot be committed")
                found.append((rel, full, bool(info.st_mode & stat.S_IXUSR)))
    return sorted(found)


def repo_commit_tree(*, owner: str, name: str, branch: str, source_dir: Path, message: str,
                     author_name: str, author_email: str, actor=None, via: str = "") -> str:
    """Make `branch` hold exactly the files of `source_dir` (executable bits kept, .git directories skipped,
    symlinks refused). Returns the new commit, or the head unchanged when its tree is already this one."""
    check_ref(branch, "branch")
    git_dir = repo_git_dir(owner, name)
    author = _author_env(author_name, author_email)
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise GitHostError(f"source_dir {str(source_dir)!r} is not a directory")
    files = _collect_files(source_dir)
    shas: list[str] = []
    if files:
        paths = b"".join(str(full).encode("utf-8", "surrogateescape") + b"\n" for _rel, full, _x in files)
        shas = run(git_dir, "hash-object", "-w", "--no-filters", "--stdin-paths", input=paths).stdout.decode().split()
    lines = b"".join(
        f"{'100755' if executable else '100644'} {sha}\t".encode() + rel.encode("utf-8", "surrogateescape") + b"\0"
        for (rel, _full, executable), sha in zip(files, shas, strict=True)
    )

    def fill(env: dict[str, str]) -> None:
        run(git_dir, "update-index", "--add", "-z", "--index-info", input=lines, env=env)

    tree = _with_index(git_dir, fill)
    commit = _commit(git_dir, branch=branch, build_tree=lambda head: tree, message=message, author=author,
                     audit={"actor": actor, "owner": owner, "name": name, "via": via})
    return commit or repo_head(owner=owner, name=name, branch=branch)


# --- Merges ------------------------------------------------------------------------------------

MERGE_ATTEMPTS = 3


@dataclass(frozen=True)
class MergeResult:
    commit: str
    conflicts: tuple[str, ...] = ()


def conflicts_from_message(message: str) -> list[str]:
    """The files listed under "Conflicts:" in a merge commit's message (git's own convention)."""
    _, found, rest = message.partition("\nConflicts:\n")
    return [line.strip() for line in rest.splitlines() if line.startswith("\t") and line.strip()] if found else []


def repo_merge_to_branch(*, owner: str, name: str, ours: str, theirs: str, branch: str, message: str,
                         author_name: str, author_email: str, actor=None, via: str = "") -> MergeResult | None:
    """Commit the merge of branch `theirs` into branch `ours` as the new branch `branch`; neither side moves.

    Conflicts do not stop it: their markers are committed and the files listed under "Conflicts:" at the
    end of the message (git's convention), for a person to resolve on the branch. Create-only: None when
    `branch` exists already (of two writers, the first one's branch is kept). GitHostError when the
    merge cannot be made, or `ours` or `theirs` keeps moving while it is.
    """
    for ref, field in ((ours, "ours"), (theirs, "theirs"), (branch, "branch")):
        check_ref(ref, field)
    git_dir = repo_git_dir(owner, name)
    author = _author_env(author_name, author_email)
    heads = (repo_head(owner=owner, name=name, branch=ours), repo_head(owner=owner, name=name, branch=theirs))
    for _attempt in range(MERGE_ATTEMPTS):
        if not all(heads):
            raise GitHostError(f"cannot merge {theirs} into {ours}: one of them does not exist")
        # Branch names, not shas, so conflict markers say which side is which; full refs, as a tag named
        # like the branch would win over it. The heads are read again to commit exactly what was merged.
        merged = run(git_dir, "merge-tree", "--write-tree", "-z", "--name-only", "--no-messages",
                     f"refs/heads/{ours}", f"refs/heads/{theirs}", check=False)
        now = (repo_head(owner=owner, name=name, branch=ours), repo_head(owner=owner, name=name, branch=theirs))
        if now == heads:
            break
        heads = now  # someone pushed meanwhile: merge what is there now
    else:
        raise GitHostError(f"{ours} keeps changing; try again later")
    if merged.returncode not in (0, 1):
        raise GitHostError(f"git merge-tree failed: {merged.stderr.decode('utf-8', 'replace').strip()}")
    tree, *names = merged.stdout.decode("utf-8", "replace").split("\0")
    conflicts = tuple(sorted({n for n in names if n})) if merged.returncode == 1 else ()
    if conflicts:
        message = message.rstrip("\n") + "\n\nConflicts:\n" + "".join(f"\t{n}\n" for n in conflicts)
    commit = run(git_dir, "commit-tree", tree.strip(), "-p", heads[0], "-p", heads[1], "-F", "-",
                 input=message.encode(), env=author).stdout.decode().strip()
    if not _branch_create(git_dir, owner=owner, name=name, branch=branch, commit=commit, actor=actor, via=via,
                          reflog=f"merge: {theirs} into {ours}"):
        return None
    return MergeResult(commit, conflicts)


# --- URLs --------------------------------------------------------------------------------------
# Templates name this git host `paved` (`repoUrl: paved?owner=acme&repo=web`): one name that is the
# same in every deployment, so a template is written once and works at any address. It has no dot,
# so it is never a public DNS name and cannot collide with a real git host (github.com, gitlab.com,
# a company's git.example.com); and it only ever means this host: it is mapped to the repositories
# on disk, never looked up or fetched over the network. Everything Paved prints uses
# settings.PAVED_PUBLIC_URL instead, where people and git clients really reach it.
STABLE_HOST = "paved"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _public() -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(settings.PAVED_PUBLIC_URL)


def public_netloc() -> str:
    """host[:port] of PAVED_PUBLIC_URL, lower case, without the scheme's default port."""
    return _netloc(_public()) or ""


def host_names() -> tuple[str, ...]:
    """The host names a template's repoUrl may give for this git host: `paved`, the public URL's
    host[:port] and PAVED_GIT_HOST (the public one unless an older deployment kept another)."""
    names = (STABLE_HOST, public_netloc(), settings.PAVED_GIT_HOST.strip().lower())
    return tuple(dict.fromkeys(name for name in names if name))


def is_host(host: object) -> bool:
    """Whether a repoUrl host ("paved", "paved.example.com", "127.0.0.1:8000") names this git host."""
    return isinstance(host, str) and host.strip().lower() in host_names()


def public_url(path: str = "/") -> str:
    """An absolute URL on this Paved: PAVED_PUBLIC_URL (with its path prefix) + `path`."""
    return settings.PAVED_PUBLIC_URL.rstrip("/") + "/" + path.lstrip("/")


def remote_url(owner: str, name: str) -> str:
    """The clone URL: `git clone <this>`."""
    return public_url(f"/git/{owner}/{name}.git")


def web_url(owner: str, name: str) -> str:
    """The repository's page in the browser."""
    return public_url(f"/git/{owner}/{name}")


def contents_url(owner: str, name: str, ref: str) -> str:
    """Backstage's `repoContentsUrl`: catalog:register appends "/catalog-info.yaml" to it."""
    return f"{web_url(owner, name)}/blob/{ref}"


def _netloc(parts: urllib.parse.SplitResult) -> str | None:
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port and port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        port = None
    return f"{host}:{port}" if port else host


def _host_path(url: object) -> str | None:
    """The path of an http(s) URL on this git host below the public URL's prefix, or None.

    The host must be one of host_names(). The host is what follows the last "@", as for every HTTP
    client: "http://paved@evil.example.com/..." is evil.example.com's (not ours), and a clone URL
    with a token ("http://me:tok@paved.example.com/git/...") is ours.
    """
    if not isinstance(url, str) or len(url) > 4000:
        return None
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or _netloc(parts) not in host_names():
        return None
    prefix = _public().path.rstrip("/")
    path = parts.path
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):]
    return path


def names_host(url: object) -> bool:
    """Whether an http(s) URL's host is one of this git host's names, whatever its path. Such a URL is
    read from the repositories or refused, never fetched: `paved` must not reach the network."""
    return _host_path(url) is not None


def canonical_url(url: str) -> str:
    """A URL on this git host written with any of its names, as the public URL; any other URL unchanged."""
    path = _host_path(url)
    if path is None or parse_host_url(url) is None:
        return url
    query = urllib.parse.urlsplit(url.strip()).query
    return public_url(path) + (f"?{query}" if query else "")


def parse_host_url(url: str) -> HostUrl | None:
    """Which repository, ref and path an http(s) URL on this git host names, or None for any other URL.

    Understands [<public prefix>]/git/<owner>/<name>[.git][/(blob|tree|raw)/<ref>[/<path>]] on any of
    host_names(). Without a ref it is the repository's default branch ("main" when the repository
    is not registered).
    """
    path = _host_path(url)
    if path is None:
        return None
    segments = [urllib.parse.unquote(s) for s in path.split("/")]
    if segments[-1:] == [""]:
        segments = segments[:-1]  # a trailing slash
    if len(segments) < 4 or segments[0] != "" or segments[1] != "git":
        return None
    owner, name, rest = segments[2], segments[3], segments[4:]
    if name.endswith(".git"):
        name = name[:-4]
    try:
        check_name(owner, "owner")
        check_name(name, "name")
        if rest:
            if len(rest) < 2 or rest[0] not in ("blob", "tree", "raw"):
                return None
            check_ref(rest[1])
    except GitHostError:
        return None
    if rest:
        return HostUrl(owner=owner, name=name, ref=rest[1], path="/".join(rest[2:]))
    repo = repo_get(owner=owner, name=name)
    return HostUrl(owner=owner, name=name, ref=repo.default_branch if repo else "main", path="")
