"""Read a template's files (skeletons, single files) for the `fetch:*` actions.

`base` is where the template came from (ActionContext.template_base): "file:/abs/dir/" or
"url:http(s)://host/.../dir/". A relative `url` ("./skeleton", "../shared/x") is resolved
against it the way Backstage does; absolute http(s) URLs are accepted too.

Sources, and what is refused:
- A template read from a URL (the built-in git host, a URL location): a relative url resolves
  against the template's URL and may reach anything inside the template's repository, never
  outside it (scaffolding/lib/fetch_base.py).
- Local directories. A relative url may not climb out of the template's own directory
  ("../shared/x" is refused, as Backstage does for file locations), and that directory must be
  inside PAVED_FILE_ROOTS, which never holds the portal's own state (portal/file_roots.py). A
  template materialised for a dry run under PAVED_SCAFFOLDER_WORKSPACE_DIR may read only its own
  files. Messages name the url as written, never an absolute server path.
- Symbolic links inside a fetched directory: a link that resolves outside that directory is
  refused (ActionInputError naming it), so a skeleton cannot smuggle /etc/passwd into a
  repository. A link to a file inside is copied as a regular file holding the target's content,
  because the git host refuses symlinks when publishing. Links to directories, dangling links and
  special files (fifos, devices) are skipped and reported through `log`.
- The built-in git host (`githost.services.parse_host_url`): read straight from the bare
  repository, no network. A repository other than the template's own is read only for a `reader`
  (the task's person) who may read it; symbolic links there are never followed. Its stable name `paved` (http://paved/git/acme/templates/tree/main/svc)
  and its public host (PAVED_PUBLIC_URL) both name it; neither is ever fetched over the network.
- Any other http(s) host: single files through the catalog's allow-listed reader; directories
  there need a git integration Paved does not have, which the error says.

Caps: MAX_FILES files and MAX_BYTES bytes per fetch, checked before anything is written.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from catalog.sources import ReadError, source_path_allowed, source_read_url
from scaffolding.actions.base import ActionError, ActionInputError, ActionUser, resolve_inside
from scaffolding.lib.fetch_base import resolve_in_repository

MAX_FILES = 5_000
MAX_BYTES = 100 * 1024 * 1024

Log = Callable[[str], None]


@dataclass(frozen=True)
class Source:
    """A resolved fetch url: a local path ("file") or an http(s) URL ("url")."""

    kind: str
    location: str


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _local_base(base: str) -> str:
    path = base[len("file:"):]
    if path.startswith("//"):
        path = path[2:]  # "file:///abs/dir/"
    return path


def resolve_source(*, base: str, url: str, field_name: str = "url") -> Source:
    """Where `url` points, seen from the template at `base`; refuses escapes with ActionInputError."""
    if not isinstance(url, str) or not url.strip():
        raise ActionInputError(f"{field_name}: expected a relative path or an http(s) URL, got {url!r}")
    url = url.strip()
    if "\x00" in url:
        raise ActionInputError(f"{field_name}: {url!r} contains a NUL byte")
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return Source("url", url)
    if len(scheme) > 1:
        raise ActionInputError(f"{field_name}: {url!r} uses the {scheme!r} scheme; expected a path relative "
                               "to the template (./skeleton) or an http(s) URL")
    base = base or ""
    if base.startswith("url:") and not scheme:
        # As Backstage's integration.resolveUrl: against the template's URL, inside its repository.
        return Source("url", resolve_in_repository(base_url=base[len("url:"):], url=url, field_name=field_name))
    if url.startswith(("/", "\\")) or scheme:
        raise ActionInputError(f"{field_name}: {url!r} is an absolute path; a template registered from a file may "
                               "only fetch paths relative to its own directory, such as ./skeleton")
    if base.startswith("file:"):
        return Source("file", _local_path(_local_base(base), url, field_name))
    raise ActionError(f"{field_name}: {url!r} is relative, but this template has no known location to resolve "
                      "it against; use an absolute http(s) URL")


def _local_path(base_dir: str, url: str, field_name: str) -> str:
    real = os.path.realpath(os.path.join(base_dir, url))
    if not _inside(real, _fence(os.path.realpath(base_dir), field_name)):
        raise ActionInputError(
            f"{field_name}: {url!r} leads outside the template's own directory, the only place a template "
            "registered from a file may read from (Backstage's rule for file locations); register the template "
            "from a repository (http://paved/git/<owner>/<repo>/blob/<branch>/<path>/template.yaml) and "
            "relative urls may reach anywhere inside that repository")
    return real


def _fence(real_base: str, field_name: str) -> str:
    """The directory a template at `real_base` may read from: that directory itself, never a parent.

    As in Backstage (resolveSafeChildPath), "../shared/x" is refused for local templates: a parent
    may be a whole file root, or hold the portal's own files. The template's directory must be
    inside a PAVED_FILE_ROOTS entry, or be a dry run's copy of a template below the workspace
    folder (never that folder itself, which holds every task's files).
    """
    workspaces = os.path.realpath(settings.PAVED_SCAFFOLDER_WORKSPACE_DIR)
    if real_base != workspaces and _inside(real_base, workspaces):
        return real_base
    if not source_path_allowed(path=real_base):
        raise ActionInputError(f"{field_name}: the template's directory is outside the directories templates may "
                               "be read from (PAVED_FILE_ROOTS)")
    return real_base


def fetch_into(*, base: str, url: str, dest: Path, field_name: str = "url", log: Log | None = None,
               reader: ActionUser | None = None) -> int:
    """Copy the directory `url` (resolved against `base`) into `dest`; returns the number of files written.

    Existing files in `dest` are overwritten; `dest` is created when missing. `reader`: the person the
    task runs for, checked before reading another repository of the git host (_check_reader).
    """
    source = resolve_source(base=base, url=url, field_name=field_name)
    dest = Path(dest)
    if source.kind == "file":
        if not os.path.isdir(source.location):
            what = "does not exist" if not os.path.exists(source.location) else "is a file, not a directory"
            raise ActionInputError(f"{field_name}: {url!r} {what}")
        return _copy_tree(Path(source.location), dest, url=url, field_name=field_name, log=log)
    host_url = _host_url(source.location, field_name=field_name)
    if host_url is None:
        host = urllib.parse.urlsplit(source.location).netloc or source.location
        raise ActionError(f"{field_name}: fetching a directory from {host} needs a git integration for that host, "
                          f"which Paved does not have; put the files next to the template or on the built-in "
                          f"git host (http://paved/git/<owner>/<repo>/tree/<ref>/<path>, or "
                          f"{settings.PAVED_PUBLIC_URL}/git/...)")
    _check_reader(host_url, base=base, url=url, reader=reader, field_name=field_name)
    from githost.services import GitHostError, repo_export

    with tempfile.TemporaryDirectory(prefix="paved-fetch-") as tmp:
        exported = Path(tmp) / "tree"
        try:
            repo_export(owner=host_url.owner, name=host_url.name, ref=host_url.ref, path=host_url.path,
                        dest=exported)
        except GitHostError as exc:
            raise ActionError(f"{field_name}: cannot read {source.location}: {exc}") from None
        return _copy_tree(exported, dest, url=url, field_name=field_name, log=log)


def fetch_file(*, base: str, url: str, field_name: str = "url", reader: ActionUser | None = None) -> bytes:
    """The bytes of the single file `url` (resolved against `base`); `reader` as for fetch_into."""
    source = resolve_source(base=base, url=url, field_name=field_name)
    if source.kind == "file":
        return _read_local_file(source.location, url=url, field_name=field_name)
    host_url = _host_url(source.location, field_name=field_name)
    if host_url is not None:
        _check_reader(host_url, base=base, url=url, reader=reader, field_name=field_name)
        from githost.services import GitHostError, repo_is_symlink, repo_read_file

        try:
            if repo_is_symlink(owner=host_url.owner, name=host_url.name, ref=host_url.ref, path=host_url.path):
                # Its blob is the link's target path; following it could leave the repository.
                raise ActionInputError(f"{field_name}: {url!r} is a symbolic link in {host_url.owner}/"
                                       f"{host_url.name}; refusing to follow it (links are not fetched)")
            data = repo_read_file(owner=host_url.owner, name=host_url.name, ref=host_url.ref, path=host_url.path,
                                  max_bytes=MAX_BYTES)
        except GitHostError as exc:
            raise ActionError(f"{field_name}: cannot read {source.location}: {exc}") from None
    else:
        try:
            data = source_read_url(url=source.location)
        except ReadError as exc:
            raise ActionError(f"{field_name}: {exc}") from None
    if len(data) > MAX_BYTES:
        raise ActionError(f"{field_name}: {url!r} is over the limit of {MAX_BYTES:,} bytes")
    return data


def _host_url(url: str, *, field_name: str = "url"):
    """Where on the built-in git host `url` points, or None for another host. A URL that names the
    built-in host (`paved`, its public host) but no file or folder of a repository is refused here,
    so it is never handed to the network reader."""
    from githost.services import names_host, parse_host_url

    hosted = parse_host_url(url)
    if hosted is None and names_host(url):
        raise ActionInputError(f"{field_name}: {url!r} names the built-in git host but no repository path on "
                               f"it; expected http://paved/git/<owner>/<repo>/(blob|tree)/<ref>/<path>")
    return hosted


def _own_repository(base: str) -> tuple[str, str] | None:
    """(owner, name) of the git host repository the template at `base` was read from, if it was."""
    from githost.services import parse_host_url

    hosted = parse_host_url(base[len("url:"):]) if base.startswith("url:") else None
    return (hosted.owner, hosted.name) if hosted else None


def _check_reader(hosted, *, base: str, url: str, reader: ActionUser | None, field_name: str) -> None:
    """Another repository of the git host is read only for a person who may read it.

    Backstage reads every URL with the server's credentials; Paved's repositories have per-person read
    grants (githost.repository.read), and a dry run hands the fetched files back, so an absolute url
    naming a repository other than the template's own must not get round them. The template's own
    repository is read as Backstage reads it: its skeletons are part of the template.
    """
    if reader is None or _own_repository(base) == (hosted.owner, hosted.name):
        return
    from django.contrib.auth import get_user_model

    from githost.access import repo_may_read
    from githost.services import repo_get

    repo = repo_get(owner=hosted.owner, name=hosted.name)
    person = get_user_model().objects.filter(username=reader.username).first() if reader.username else None
    if repo is None or person is None or not repo_may_read(user=person, repo=repo):
        raise ActionInputError(f"{field_name}: {url!r} is in the repository {hosted.owner}/{hosted.name}, which "
                               f"{reader.username or 'this task'} may not read (or which does not exist); a template "
                               "may fetch from its own repository and from repositories its user may read")


def _read_local_file(path: str, *, url: str, field_name: str) -> bytes:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ActionInputError(f"{field_name}: {url!r} does not exist") from None
    except OSError as exc:
        raise ActionError(f"{field_name}: {url!r} cannot be read: {exc.strerror or type(exc).__name__}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ActionInputError(f"{field_name}: {url!r} is a directory; expected a single file")
    if not stat.S_ISREG(info.st_mode):
        raise ActionInputError(f"{field_name}: {url!r} is not a regular file")
    if info.st_size > MAX_BYTES:
        raise ActionError(f"{field_name}: {url!r} is {info.st_size:,} bytes, over the limit of {MAX_BYTES:,}")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ActionError(f"{field_name}: {url!r} cannot be read: {exc.strerror or type(exc).__name__}") from None


@dataclass
class _Plan:
    dirs: list[str]
    files: list[tuple[str, str, int]]  # (relative path, path to read, permission bits)
    skipped: list[str]


def _plan_tree(root: Path, *, url: str, field_name: str) -> _Plan:
    """Everything to copy from `root`, checked (links, caps) before a single byte is written."""
    real_root = os.path.realpath(root)
    plan = _Plan(dirs=[], files=[], skipped=[])
    total = 0
    for current, dirnames, filenames in os.walk(real_root, followlinks=False):
        dirnames.sort()
        rel_dir = os.path.relpath(current, real_root)
        for name in sorted(dirnames + filenames):
            rel = os.path.normpath(os.path.join(rel_dir, name)).replace(os.sep, "/")
            path = os.path.join(current, name)
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode):
                plan.dirs.append(rel)
                continue
            read_from = path
            if stat.S_ISLNK(info.st_mode):
                target = os.path.realpath(path)
                if not _inside(target, real_root):
                    raise ActionInputError(f"{field_name}: {rel!r} in {url!r} is a symbolic link that points outside "
                                           "the fetched directory; refusing to copy it")
                if not os.path.isfile(target):
                    plan.skipped.append(f"{rel} (symbolic link to a directory or to nothing)")
                    continue
                read_from, info = target, os.stat(target)
            elif not stat.S_ISREG(info.st_mode):
                plan.skipped.append(f"{rel} (not a regular file)")
                continue
            total += info.st_size
            plan.files.append((rel, read_from, stat.S_IMODE(info.st_mode) & 0o777))
            if len(plan.files) > MAX_FILES:
                raise ActionError(f"{field_name}: {url!r} holds more than {MAX_FILES:,} files, the most one fetch "
                                  "may copy")
            if total > MAX_BYTES:
                raise ActionError(f"{field_name}: {url!r} holds more than {MAX_BYTES:,} bytes, the most one fetch "
                                  "may copy")
    return plan


def _copy_tree(root: Path, dest: Path, *, url: str, field_name: str, log: Log | None) -> int:
    try:
        plan = _plan_tree(root, url=url, field_name=field_name)
    except OSError as exc:
        raise ActionError(f"{field_name}: reading {url!r} failed: {exc.strerror or type(exc).__name__}") from None
    for skipped in plan.skipped:
        if log:
            log(f"Skipped {skipped} from {url}")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for rel in plan.dirs:
            resolve_inside(dest, rel, field_name=field_name).mkdir(parents=True, exist_ok=True)
        for rel, read_from, mode in plan.files:
            # resolve_inside also catches a symlink already sitting in the destination.
            target = resolve_inside(dest, rel, field_name=field_name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(read_from, target)
            os.chmod(target, mode | 0o600)
    except OSError as exc:
        raise ActionError(f"{field_name}: copying {url!r} failed: {exc.strerror or type(exc).__name__}") from None
    return len(plan.files)
