"""Build one mkdocs project into a static site: source directory in, output directory out.

Plain functions: no HTTP, no Celery, no database. `build_site()` vets the config, copies the
docs into a scratch directory (refusing links out of the tree and oversized files), runs
mkdocs with techdocs-core in a child process under a time limit, then sanitises every page
and cuts it into sections for the portal's reader and search index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.sanitize import page_link_rewriter, sanitize
from techdocs.lib import mkdocs_config
from techdocs.lib.mkdocs_config import ConfigRefused
from techdocs.lib.text import sections

RUNNER = Path(__file__).with_name("mkdocs_runner.py")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv"}
PAGES_FILE = "paved_pages.json"


class BuildError(Exception):
    """The build cannot succeed; the message names the file, plugin or limit for the user."""


class Reporter(Protocol):
    def log(self, line: str) -> None: ...
    def progress(self, done: int, total: int) -> None: ...


class NullReporter:
    def log(self, line: str) -> None:
        pass

    def progress(self, done: int, total: int) -> None:
        pass


@dataclass(frozen=True)
class Limits:
    timeout_seconds: int = 600
    max_file_bytes: int = 20 * 1024 * 1024
    max_total_bytes: int = 500 * 1024 * 1024
    max_pages: int = 5000


@dataclass
class Page:
    url: str
    title: str
    html: str
    toc: list
    sections: list
    edit_url: str
    mtime: float | None


@dataclass
class BuildResult:
    site_name: str
    site_description: str
    nav: list
    pages: list[Page]
    files: list[str]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _walk(root: Path, docs_dir: Path, limits: Limits):
    """Yield (relative path, absolute path) of every docs file, refusing what must not be built."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(docs_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for d in list(dirnames):
            full = Path(dirpath, d)
            if full.is_symlink():
                _check_link(full, root)
                dirnames.remove(d)  # a link inside the tree is built from its real place
        for name in sorted(filenames):
            full = Path(dirpath, name)
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                _check_link(full, root)
            size = full.stat().st_size
            if size > limits.max_file_bytes:
                raise BuildError(f"{rel} is {size:,} bytes; files over {limits.max_file_bytes:,} bytes are refused.")
            total += size
            if total > limits.max_total_bytes:
                raise BuildError(f"The docs tree is over {limits.max_total_bytes:,} bytes; refused.")
            yield rel, full


def _check_link(path: Path, root: Path) -> None:
    try:
        path.resolve(strict=True).relative_to(root)
    except FileNotFoundError:
        raise BuildError(f"{path.relative_to(root)} is a broken symbolic link.") from None
    except ValueError:
        raise BuildError(f"{path.relative_to(root)} is a symbolic link leaving the source tree; refused.") from None


def source_hash(source_dir: Path, *, limits: Limits = Limits()) -> str:
    """Content hash of what a build reads (config files and the docs tree): unchanged hash, no rebuild."""
    root = source_dir.resolve()
    digest = hashlib.sha256()
    try:
        vetted = mkdocs_config.vet_config(source_dir=root, default_site_name="")
        configs = [p for p in [vetted.path, *vetted.parents, *(c for c, _ in vetted.includes)] if p]
        docs_dirs = list(dict.fromkeys([vetted.docs_dir, *(d for _, d in vetted.includes)]))
    except ConfigRefused:
        configs = [p for p in [mkdocs_config.find_config(root)] if p]
        docs_dirs = [root / "docs"]
    for path in configs:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for docs_dir in docs_dirs:
        if not docs_dir.is_dir():
            continue
        try:
            for rel, full in _walk(root, docs_dir, limits):
                digest.update(rel.encode() + b"\0")
                digest.update(hashlib.sha256(full.read_bytes()).digest())
        except (BuildError, OSError) as exc:
            digest.update(f"unbuildable:{exc}".encode())
    return digest.hexdigest()


def latest_change(source_dir: Path) -> float | None:
    """Newest modification time among the config and docs files (the docs' last source change)."""
    root = source_dir.resolve()
    newest = None
    candidates = [root / n for n in mkdocs_config.CONFIG_NAMES]
    for dirpath, dirnames, filenames in os.walk(root / "docs"):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        candidates.extend(Path(dirpath, n) for n in filenames)
    for path in candidates:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        newest = mtime if newest is None else max(newest, mtime)
    return newest


def _copy_tree(root: Path, docs_dir: Path, scratch: Path, limits: Limits) -> None:
    for rel, full in _walk(root, docs_dir, limits):
        if rel.endswith(".md"):
            try:
                full.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BuildError(f"{rel} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                 "save it as UTF-8.") from None
        target = scratch / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(full, target)  # copies the content a link points to; keeps mtime for "last updated"


def _copy_sources(root: Path, vetted: mkdocs_config.VettedConfig, scratch: Path, limits: Limits) -> None:
    """Copy what the build may read, and nothing else: the build sees only this copy."""
    configs = [vetted.path] if vetted.path else []  # INHERIT parents are merged into the written config
    for path in [*configs, *(config for config, _ in vetted.includes)]:
        target = scratch / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    for docs_dir in dict.fromkeys([vetted.docs_dir, *(docs for _, docs in vetted.includes)]):
        _copy_tree(root, docs_dir, scratch, limits)


def build_env(*, home: Path, sources: Path) -> dict[str, str]:
    """The build child's whole environment, built from an allow-list.

    mkdocs.yml can read any variable with `!ENV` (`site_name: !ENV AWS_SECRET_ACCESS_KEY`), so the
    child gets only what a build needs, never a copy of the worker's environment minus some prefixes.
    """
    return {
        "PATH": os.environ.get("PATH", os.defpath),  # where dot/plantuml are found; not a secret
        "HOME": str(home), "TMPDIR": str(home),  # the build's scratch directory
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "PLANTUML_SECURITY_PROFILE": "SANDBOX",  # a local PlantUML may not !include files or URLs
        "GV_FILE_PATH": str(sources),  # Graphviz reads image files only from the copied sources
    }


def _run_mkdocs(config_file: Path, site_dir: Path, pages_json: Path, report: Reporter, limits: Limits,
                env: dict[str, str]) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, "-P", str(RUNNER), str(config_file), str(site_dir), str(pages_json)],
        cwd=config_file.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, encoding="utf-8", errors="replace", env=env,
    )
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        proc.kill()

    timer = threading.Timer(limits.timeout_seconds, kill)
    timer.start()
    lines: list[str] = []
    try:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            if line.startswith("@@progress "):
                done, total = (int(x) for x in line.split()[1:3])
                report.progress(done, total)
                if done > limits.max_pages:
                    kill()
                continue
            lines.append(line)
            report.log(line)
        proc.wait()
    finally:
        timer.cancel()
    if timed_out.is_set():
        raise BuildError(f"The build was stopped after {limits.timeout_seconds} s (time limit) "
                         f"or {limits.max_pages} pages (page limit).")
    if proc.returncode != 0:
        errors = [ln for ln in lines if ln.startswith("ERROR")] or lines[-3:]
        raise BuildError("mkdocs failed: " + " | ".join(e.split("-", 1)[-1].strip() for e in errors[-3:]))
    return [ln for ln in lines if ln.startswith("WARNING")]


def _pages(data: dict, *, page_prefix: str, file_prefix: str) -> list[Page]:
    urls = {p["url"] for p in data["pages"]}
    pages = []
    for raw in data["pages"]:
        rewrite = page_link_rewriter(page_url=raw["url"], pages=urls, page_prefix=page_prefix,
                                     file_prefix=file_prefix)
        html = rewrite(sanitize(raw["html"]))
        pages.append(Page(url=raw["url"], title=raw["title"], html=html, toc=raw["toc"],
                          sections=sections(html, page_title=raw["title"]), edit_url=raw["edit_url"],
                          mtime=raw["mtime"]))
    return pages


def build_site(
    *, source_dir: Path, output_dir: Path, site_name: str, page_prefix: str, file_prefix: str,
    report: Reporter | None = None, limits: Limits = Limits(), etag: str = "",
) -> BuildResult:
    """Build `source_dir` into `output_dir` (created; must not exist). Raises BuildError."""
    report = report or NullReporter()
    started = time.monotonic()
    root = source_dir.resolve()
    if not root.is_dir():
        raise BuildError(f"The docs source {root} is not a directory.")
    try:
        vetted = mkdocs_config.vet_config(source_dir=root, default_site_name=site_name)
    except ConfigRefused as exc:
        raise BuildError(str(exc)) from None
    if vetted.path is None:
        report.log(f"INFO    -  No mkdocs.yml: using a default config (site_name {site_name!r}, docs_dir docs).")
    if "techdocs-core" not in vetted.plugins:
        report.log("INFO    -  Adding the techdocs-core plugin to the config.")
    with tempfile.TemporaryDirectory(prefix="paved-techdocs-") as tmp:
        scratch = Path(tmp) / "src"
        scratch.mkdir()
        _copy_sources(root, vetted, scratch, limits)
        config_dir = scratch / (vetted.path.parent.relative_to(root) if vetted.path else Path("."))
        config_file = config_dir / ".paved-mkdocs.yml"
        mkdocs_config.write_config(vetted, config_file)
        pages_json = Path(tmp) / PAGES_FILE
        site_tmp = Path(tmp) / "site"
        env = build_env(home=Path(tmp), sources=scratch)
        warnings = _run_mkdocs(config_file, site_tmp, pages_json, report, limits, env)
        data = json.loads(pages_json.read_text(encoding="utf-8"))
        pages = _pages(data, page_prefix=page_prefix, file_prefix=file_prefix)
        files = sorted(p.relative_to(site_tmp).as_posix() for p in site_tmp.rglob("*") if p.is_file())
        metadata = {
            "site_name": data["site_name"], "site_description": data["site_description"],
            "build_timestamp": int(time.time()), "files": files, "etag": etag,
        }
        (site_tmp / "techdocs_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(site_tmp), str(output_dir))
    return BuildResult(site_name=data["site_name"], site_description=data["site_description"], nav=data["nav"],
                       pages=pages, files=files, warnings=warnings, seconds=time.monotonic() - started)
