"""Docs sources read over plain HTTP(S) from hosts in PAVED_READ_ALLOW.

HTTP cannot list a directory, so the site is read the way mkdocs reads it: mkdocs.yml (loaded
with the builder's safe loader, never yaml.load), then every page in `nav` (or index.md /
README.md without one), then, breadth-first, the pages and images those pages link to, only
inside docs_dir. What was fetched goes to a cache directory the builder reads like any other
source; the builder's content hash then decides whether anything needs building.

Only hosts that serve raw files work: raw.githubusercontent.com/<org>/<repo>/<ref>/, GitLab's
/-/raw/<ref>/ URLs, a static file server. A GitHub /tree/<ref>/ page URL is used as a plain base
like any other and fails, because github.com answers with HTML pages rather than the files.

Each file is capped by both PAVED_MAX_FILE_BYTES (source_read_url's cap) and PAVED_TECHDOCS_MAX_FILE_BYTES.
"""

import hashlib
import logging
import os
import posixpath
import re
import shutil
import tempfile
import time
import urllib.parse
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from catalog.sources import ReadError, source_read_url
from techdocs.lib.mkdocs_config import CONFIG_NAMES, ConfigRefused, load_safely

logger = logging.getLogger(__name__)

MARKER = ".paved-http-source"
NOTES = ".paved-fetch-notes"
FRESH_SECONDS = 60  # a build claimed right after the beat scan reuses the scan's fetch
MAX_FILES = 500  # requests, so links to missing files count too
MAX_TOTAL_BYTES = 50 * 1024 * 1024
BUDGET_SECONDS = 60  # checked before each request; one request may add PAVED_URL_TIMEOUT_SECONDS
MAX_INHERIT = 5
INDEX_PAGES = ("index.md", "README.md")

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1", re.S | re.M)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MD_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?[^)\n]*\)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*<?([^\s>]+)>?", re.M)
_HTML_IMG = re.compile(r"<img\b[^>]*?\ssrc\s*=\s*[\"']([^\"']+)[\"']", re.I)


class HttpSourceError(Exception):
    """The docs cannot be read over HTTP; the message names the file, URL or limit."""


@dataclass
class _Crawl:
    base: str  # a directory URL, ending in "/"
    root: Path  # where fetched files are written, at their path below `base`
    deadline: float
    requests: int = 0
    pages: int = 0
    total: int = 0
    notes: list[str] = field(default_factory=list)

    def url(self, rel: str) -> str:
        return self.base + urllib.parse.quote(rel, safe="/")

    def fetch(self, rel: str) -> bytes:
        """base/rel, written below root and counted against the limits; ReadError when unreadable."""
        if time.monotonic() > self.deadline:
            raise HttpSourceError(f"Reading the docs at {self.base} took over {BUDGET_SECONDS} s; stopped.")
        if self.requests >= MAX_FILES:
            raise HttpSourceError(f"The docs at {self.base} link more than {MAX_FILES} files; refused.")
        self.requests += 1
        url = self.url(rel)
        data = source_read_url(url=url)
        limit = settings.PAVED_TECHDOCS_MAX_FILE_BYTES
        if len(data) > limit:
            raise ReadError(f"{url} is {len(data):,} bytes; files over {limit:,} bytes are refused")
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise HttpSourceError(f"The docs at {self.base} are over {MAX_TOTAL_BYTES:,} bytes; refused.")
        target = self.root / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:  # e.g. both `a.md` and `a.md/b.png` are linked
            raise ReadError(f"{url} cannot be stored: {exc.strerror or exc}") from None
        return data

    def note(self, text: str) -> None:
        self.notes.append(text)


def _inside(rel: str) -> str | None:
    """`rel` normalised, or None when it is absolute, a URL or climbs out with `..`."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel or _SCHEME.match(rel):
        return None
    norm = posixpath.normpath(rel)
    return None if norm == ".." or norm.startswith("../") else norm


def _missing(exc: ReadError) -> bool:
    # source_read_url reports the status in its message only; S3-style hosts answer 403 for absent keys.
    return any(f"answered HTTP {code}" in str(exc) for code in (403, 404, 410))


def _load(crawl: _Crawl, rel: str, data: bytes) -> dict:
    label = f"{rel} at {crawl.url(rel)}"
    try:
        return load_safely(crawl.root / rel, label=label)
    except ConfigRefused as exc:
        hint = ""
        if data.lstrip()[:1] == b"<":
            hint = " It looks like an HTML page: point the reference at raw files (e.g. raw.githubusercontent.com)."
        raise HttpSourceError(f"{exc}{hint}") from None


def _read_config(crawl: _Crawl) -> tuple[str | None, dict]:
    """The config's name and settings (INHERIT merged in), or (None, {}) when there is none."""
    for name in CONFIG_NAMES:
        try:
            data = crawl.fetch(name)
        except ReadError as exc:
            if _missing(exc):
                continue
            raise HttpSourceError(str(exc)) from None
        merged = current = _load(crawl, name, data)
        seen, where = {name}, name
        while "INHERIT" in current:
            parent = _inside(posixpath.join(posixpath.dirname(where), str(current["INHERIT"])))
            if parent is None or parent in seen or len(seen) > MAX_INHERIT:
                raise HttpSourceError(f"{name}: INHERIT {current['INHERIT']!r} is not a file inside "
                                      f"{crawl.base}, or the INHERIT chain loops.")
            seen.add(parent)
            try:
                current = _load(crawl, parent, crawl.fetch(parent))
            except ReadError as exc:
                raise HttpSourceError(f"{name}: INHERIT {current['INHERIT']!r}: {exc}") from None
            merged, where = {**current, **merged}, parent
        return name, merged
    return None, {}


def _docs_dir(config: dict, label: str, base: str) -> str:
    value = config.get("docs_dir", "docs")
    rel = _inside(value)
    if rel is None or rel == ".":
        raise HttpSourceError(f"{label}: docs_dir {value!r} must be a directory inside {base}; refused.")
    return rel


def _nav_pages(nav, found: list[str]) -> list[str]:
    """Every local .md page in `nav`, in order; links to other sites are skipped."""
    if isinstance(nav, str):
        if nav.endswith(".md") and not _SCHEME.match(nav) and not nav.startswith("//"):
            found.append(nav)
    elif isinstance(nav, list):
        for item in nav:
            _nav_pages(item, found)
    elif isinstance(nav, dict):
        for item in nav.values():
            _nav_pages(item, found)
    return found


def _extras(config: dict) -> list[str]:
    """extra_css and extra_javascript files (paths relative to docs_dir)."""
    paths = []
    for key in ("extra_css", "extra_javascript"):
        for item in config.get(key) or []:
            path = item.get("path") if isinstance(item, dict) else item
            if isinstance(path, str):
                paths.append(path)
    return paths


def _links(text: str) -> list[str]:
    """Link and image targets in Markdown (inline, reference definitions, HTML <img>), code left out."""
    text = _INLINE_CODE.sub("", _FENCED.sub("", text))
    return [m.group(1) for pattern in (_MD_LINK, _REF_DEF, _HTML_IMG) for m in pattern.finditer(text)]


def _link_target(page: str, link: str) -> str | None:
    """The docs_dir-relative file `link` in `page` names; "" when it is not one to fetch; None if it escapes."""
    if _SCHEME.match(link) or link.startswith(("/", "#")):
        return ""  # another site, an absolute URL or an anchor on the same page
    path = urllib.parse.unquote(link.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return ""
    target = _inside(posixpath.join(posixpath.dirname(page), path))
    if target is not None and (path.endswith("/") or not posixpath.splitext(path)[1]):
        return ""  # a directory: HTTP cannot say which files it holds
    return target


def _start_pages(crawl: _Crawl, config_name: str | None, config: dict, docs_dir: str) -> list[str]:
    if config.get("nav"):
        pages = []
        for entry in _nav_pages(config["nav"], []):
            rel = _inside(entry)
            if rel is None:
                crawl.note(f"nav page {entry} leaves docs_dir; skipped.")
            elif rel not in pages:
                pages.append(rel)
        return pages
    for name in INDEX_PAGES:
        try:
            crawl.fetch(f"{docs_dir}/{name}")
        except ReadError as exc:
            if not _missing(exc):
                raise HttpSourceError(f"The home page {name} cannot be read: {exc}") from None
            continue
        return [name]
    where = f"{config_name} has no nav, and" if config_name else f"There is no {' or '.join(CONFIG_NAMES)}, and"
    raise HttpSourceError(f"{where} neither {docs_dir}/index.md nor {docs_dir}/README.md exists at {crawl.base}.")


def _crawl(crawl: _Crawl, docs_dir: str, pages: list[str], extras: list[str], config_label: str) -> None:
    """Fetch `pages` (required), `extras`, then what fetched pages link to, breadth-first."""
    queue = deque([(p, None) for p in pages] + [(e, config_label) for e in extras])
    seen = set(pages) | set(extras)
    while queue:
        rel, linked_from = queue.popleft()
        is_page = rel.endswith(".md")
        if is_page and crawl.pages >= settings.PAVED_TECHDOCS_MAX_PAGES:
            raise HttpSourceError(f"The docs at {crawl.base} have more than {settings.PAVED_TECHDOCS_MAX_PAGES} "
                                  "pages (PAVED_TECHDOCS_MAX_PAGES); refused.")
        target = crawl.root / docs_dir / rel
        try:
            data = target.read_bytes() if target.is_file() else crawl.fetch(f"{docs_dir}/{rel}")
        except ReadError as exc:
            if linked_from is None:
                raise HttpSourceError(f"The nav page {rel} cannot be read: {exc}") from None
            crawl.note(f"{rel} (linked from {linked_from}) is left out: {exc}")
            continue
        if not is_page:
            continue
        crawl.pages += 1
        for link in _links(data.decode("utf-8", errors="replace")):
            found = _link_target(rel, link)
            if found is None:
                crawl.note(f"{link} (linked from {rel}) leaves docs_dir; not fetched.")
            elif found and found not in seen:
                seen.add(found)
                queue.append((found, rel))


def _fetch_site(base: str, root: Path) -> list[str]:
    """Fetch the site at `base` into `root`; returns notes about what was left out."""
    crawl = _Crawl(base=base, root=root, deadline=time.monotonic() + BUDGET_SECONDS)
    config_name, config = _read_config(crawl)
    label = config_name or "the default config"
    docs_dir = _docs_dir(config, label, base)
    pages = _start_pages(crawl, config_name, config, docs_dir)
    extras = [rel for rel in (_inside(e) for e in _extras(config)) if rel]
    _crawl(crawl, docs_dir, pages, extras, label)
    return crawl.notes


def check_base(url: str) -> str:
    """`url` as a directory URL ending in "/", or HttpSourceError when it may not be read."""
    parts = urllib.parse.urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpSourceError(f"{url} is not an http(s) URL.")
    # source_read_url enforces the allow-list on every request and redirect; this check only words it for
    # the entity page before any request is made.
    host = parts.hostname.lower()
    netloc = f"{host}:{port}" if port else host
    allowed = {item.lower() for item in settings.PAVED_READ_ALLOW}
    if host not in allowed and netloc not in allowed:
        raise HttpSourceError(
            f"{url}: host {netloc!r} is not in PAVED_READ_ALLOW and is not the portal's git host "
            f"(PAVED_GIT_HOST={settings.PAVED_GIT_HOST}); add it to PAVED_READ_ALLOW to read docs from it.")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def dir_base(file_url: str, relative: str) -> str:
    """`dir:<relative>` seen from the catalog file at `file_url`, as a directory URL."""
    rel = relative.strip() or "."
    if rel.startswith("/") or "\\" in rel or _SCHEME.match(rel):
        raise HttpSourceError(f"dir:{relative} must be a path relative to {file_url}.")
    directory = urllib.parse.urlsplit(file_url)._replace(query="", fragment="").geturl().rsplit("/", 1)[0]
    return urllib.parse.urljoin(directory + "/", rel.rstrip("/") + "/")


def cache_dir(base: str) -> Path:
    return Path(settings.PAVED_TECHDOCS_DIR) / ".sources" / "http" / hashlib.sha256(base.encode()).hexdigest()


def _files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*")
            if p.is_file() and p.name not in (MARKER, NOTES)}


def _keep_unchanged(new: Path, old: Path) -> bool:
    """Give files that did not change their old mtime ("last updated"); True when nothing changed."""
    new_files, old_files = _files(new), _files(old)
    same = 0
    for rel, path in new_files.items():
        previous = old_files.get(rel)
        if previous is not None and previous.read_bytes() == path.read_bytes():
            stat = previous.stat()
            os.utime(path, (stat.st_atime, stat.st_mtime))
            same += 1
    return old.is_dir() and same == len(new_files) == len(old_files)


def _install(scratch: Path, target: Path) -> None:
    """Swap `scratch` in for `target`; if a concurrent fetch got there first, keep its copy."""
    old = target.with_name(f"{target.name}.old-{uuid.uuid4().hex}")
    try:
        if target.exists():
            target.rename(old)
        scratch.rename(target)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
        if not target.exists():
            raise HttpSourceError(f"The docs cache {target} cannot be replaced.") from None
    shutil.rmtree(old, ignore_errors=True)


def fetch_docs(base_url: str) -> Path:
    """A local copy of the mkdocs site at `base_url`, refetched when older than FRESH_SECONDS."""
    base = check_base(base_url)
    target = cache_dir(base)
    marker = target / MARKER
    if marker.is_file() and time.time() - marker.stat().st_mtime < FRESH_SECONDS:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=target.parent))
    try:
        notes = _fetch_site(base, scratch)
        for note in notes:
            logger.info("techdocs %s: %s", base, note)
        (scratch / NOTES).write_text("".join(f"{n}\n" for n in notes), encoding="utf-8")
        (scratch / MARKER).write_text(f"{base}\n", encoding="utf-8")  # constant: only its mtime moves
        if _keep_unchanged(scratch, target):
            for name in (NOTES, MARKER):
                shutil.copy2(scratch / name, target / name)
            (target / MARKER).touch()
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            _install(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target


def fetch_notes(source: Path) -> list[str]:
    """What the last fetch into `source` left out (missing images, links leaving docs_dir)."""
    path = source / NOTES
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
