"""Read the bytes behind a location ref, refusing anything outside what settings allow.

`file` targets must resolve (symlinks included) inside PAVED_FILE_ROOTS, and messages show them
relative to their root (`display_path`), never as absolute server paths; `url` targets must
be http(s) on a host in PAVED_READ_ALLOW, and every redirect is checked against the same
list. URLs on the built-in git host (PAVED_GIT_HOST) are read from its repositories directly,
with no network and no allow-list entry. Reads are capped at PAVED_MAX_FILE_BYTES.
"""

import os
import posixpath
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings

from githost.services import GitHostError, parse_host_url, repo_read_file


class ReadError(Exception):
    """A target that cannot be read; the message is shown to people as is."""


def _size_limit() -> int:
    return settings.PAVED_MAX_FILE_BYTES


def _roots() -> list[Path]:
    # Already resolved by settings (core.env.env_paths), so not again on every read.
    return [Path(root) for root in settings.PAVED_FILE_ROOTS]


def _root_of(path: Path) -> Path | None:
    return next((root for root in _roots() if path == root or root in path.parents), None)


def inside_file_roots(path: Path) -> bool:
    """Whether `path`, with symlinks and ".." resolved, is one of PAVED_FILE_ROOTS or below one.

    Settings refuse roots that overlap the portal's own state (portal/file_roots.py), so this one
    test keeps the secret key, the database, workspaces and docs caches out of reach.
    """
    return _root_of(Path(path).resolve()) is not None


def display_path(path: str | Path) -> str:
    """`path` as people may see it in a message: from the root folder that holds it
    ("demo/catalog/all.yaml"), or only its file name when outside every root. Absolute server
    paths (the project folder, var/, workspaces) never reach a message."""
    normal = Path(os.path.normpath(path))  # as asked, not where a link leads
    root = _root_of(normal)
    if root is None:
        return f".../{normal.name}" if normal.name else "/"
    return (Path(root.name) / normal.relative_to(root)).as_posix()


def _check_file_path(target: str) -> Path:
    if not os.path.isabs(target):
        raise ReadError(f"file location {target!r} must be an absolute path")
    resolved = Path(target).resolve()
    if inside_file_roots(resolved):
        return resolved
    raise ReadError(f"file location {display_path(target)} is outside the directories the catalog may read "
                    "(PAVED_FILE_ROOTS)")


def read_file(target: str) -> bytes:
    path = _check_file_path(target)
    shown = display_path(target)
    try:
        if path.is_dir():
            raise ReadError(f"{shown} is a directory; expected a YAML file")
        size = path.stat().st_size
        if size > _size_limit():
            raise ReadError(f"{shown} is {size} bytes, over the limit of {_size_limit()} bytes")
        return path.read_bytes()
    except FileNotFoundError:
        raise ReadError(f"{shown} does not exist") from None
    except PermissionError:
        raise ReadError(f"{shown} cannot be read (permission denied)") from None
    except OSError as exc:
        # strerror only: str(exc) carries the absolute path.
        raise ReadError(f"{shown} cannot be read: {exc.strerror or type(exc).__name__}") from None


def _host_allowed(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    allowed = {item.lower() for item in settings.PAVED_READ_ALLOW}
    return host in allowed or netloc in allowed


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        if not _host_allowed(newurl):
            raise ReadError(f"{req.full_url} redirects to {newurl}, whose host is not in PAVED_READ_ALLOW")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def _read_git_host(target: str) -> bytes | None:
    """The file a URL on the built-in git host names, or None when the URL is not on it."""
    url = parse_host_url(target)
    if url is None:
        return None
    if not url.path:
        raise ReadError(f"{target} names a repository, not a file; point it at a file such as catalog-info.yaml")
    try:
        return repo_read_file(owner=url.owner, name=url.name, ref=url.ref, path=url.path, max_bytes=_size_limit())
    except GitHostError as exc:
        raise ReadError(f"{target}: {exc}") from None


def read_url(target: str) -> bytes:
    data = _read_git_host(target)
    if data is not None:
        return data
    parts = urllib.parse.urlsplit(target)
    if parts.scheme not in ("http", "https"):
        raise ReadError(f"url location {target!r} must use http or https")
    if not _host_allowed(target):
        raise ReadError(
            f"url location {target!r}: host {parts.netloc!r} is not in PAVED_READ_ALLOW "
            "(add it as host or host:port to allow reading from it)"
        )
    request = urllib.request.Request(target, headers={"User-Agent": "Paved catalog", "Accept": "*/*"})
    try:
        with _opener.open(request, timeout=settings.PAVED_URL_TIMEOUT_SECONDS) as response:
            data = response.read(_size_limit() + 1)
    except ReadError:
        raise
    except urllib.error.HTTPError as exc:
        raise ReadError(f"{target} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReadError(f"{target} cannot be reached: {reason}") from None
    if len(data) > _size_limit():
        raise ReadError(f"{target} is over the limit of {_size_limit()} bytes")
    return data


def read_target(location_type: str, target: str) -> bytes:
    if location_type == "file":
        return read_file(target)
    if location_type == "url":
        return read_url(target)
    raise ReadError(f"unknown location type {location_type!r}; expected file or url")


def resolve_relative(base_type: str, base_target: str, relative: str) -> tuple[str, str]:
    """Where `relative` (a Location target or placeholder) points, seen from the file it is in."""
    if relative.startswith(("http://", "https://")):
        return "url", relative
    if base_type == "url":
        return "url", urllib.parse.urljoin(base_target, relative)
    if os.path.isabs(relative):
        return "file", posixpath.normpath(relative)
    return "file", posixpath.normpath(posixpath.join(posixpath.dirname(base_target), relative))
