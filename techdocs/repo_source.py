"""Docs sources that live in a repository on the portal's git host.

`dir:` on an entity registered from a git-host URL, and `url:` pointing at the git host, are
exported from the bare repository into a local cache directory that the builder reads like any
other source. The export is redone only when the subtree's git tree id changes, so the beat scan
stays cheap; the builder's content hash then decides whether anything needs building.
"""

import posixpath
import shutil
from pathlib import Path

from django.conf import settings

from githost import services as githost

MARKER = ".paved-tree-id"


class RepoSourceError(Exception):
    """The repository source cannot be read; the message says which part and why."""


def _cache_dir(host_url) -> Path:
    ref = host_url.ref.replace("/", "_")
    path = host_url.path.strip("/").replace("/", "__") or "_root"
    return Path(settings.PAVED_TECHDOCS_DIR) / ".sources" / host_url.owner / host_url.name / ref / path


def export_from_git_host(host_url) -> Path:
    """A local copy of `host_url`'s subtree, refreshed when its git tree id changed."""
    try:
        tree_id = githost.repo_tree_id(owner=host_url.owner, name=host_url.name, ref=host_url.ref, path=host_url.path)
    except githost.GitHostError as exc:
        raise RepoSourceError(f"{host_url.owner}/{host_url.name}@{host_url.ref}:{host_url.path or '/'} "
                              f"cannot be read: {exc}") from None
    target = _cache_dir(host_url)
    marker = target / MARKER
    if marker.is_file() and marker.read_text() == tree_id:
        return target
    scratch = target.with_name(target.name + ".tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        githost.repo_export(owner=host_url.owner, name=host_url.name, ref=host_url.ref,
                            path=host_url.path.strip("/"), dest=scratch)
    except githost.GitHostError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise RepoSourceError(f"{host_url.owner}/{host_url.name}: {exc}") from None
    (scratch / MARKER).write_text(tree_id)
    shutil.rmtree(target, ignore_errors=True)
    scratch.rename(target)
    return target


def git_host_location(url: str):
    """The git-host address of `url`, or None when `url` is not on the portal's git host."""
    return githost.parse_host_url(url)


def dir_on_git_host(host_url, relative: str):
    """`dir:<relative>` seen from the file `host_url` points at (a catalog-info.yaml)."""
    base = posixpath.dirname(host_url.path.strip("/"))
    joined = posixpath.normpath(posixpath.join(base, relative or "."))
    if joined == ".":
        joined = ""
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        raise RepoSourceError(f"dir:{relative} leaves the repository {host_url.owner}/{host_url.name}")
    return type(host_url)(owner=host_url.owner, name=host_url.name, ref=host_url.ref, path=joined)
