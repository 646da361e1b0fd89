"""Run one mkdocs build in a child process and record what the portal needs from it.

Started by `builder.build_site()` as `python mkdocs_runner.py CONFIG SITE_DIR PAGES_JSON`. It
imports nothing from Django, so the child starts as fast as a plain `mkdocs build`. Besides
the site, it writes PAGES_JSON: every page's URL, title, table of contents, rendered content
and edit URL, plus the navigation, captured from mkdocs' own objects instead of re-parsing
the themed HTML. Progress goes to stdout as `@@progress DONE TOTAL` lines.
"""

import contextlib
import json
import logging
import os
import sys


def _toc(items) -> list[dict]:
    return [
        {"title": item.title, "url": item.url, "level": item.level, "children": _toc(item.children)}
        for item in items
    ]


def _nav(items) -> list[dict]:
    out = []
    for item in items:
        if item.is_section:
            out.append({"type": "section", "title": item.title, "children": _nav(item.children)})
        elif item.is_page:
            out.append({"type": "page", "title": item.title, "url": item.url})
        else:
            out.append({"type": "link", "title": item.title, "url": item.url})
    return out


# Docs builds are background work that can take the CPU for seconds; at a lower priority they do
# not delay interactive work on the same machine (a scaffolder task starting, a page being served).
BUILD_NICENESS = 10


def main(config_file: str, site_dir: str, pages_json: str) -> int:
    with contextlib.suppress(OSError):  # not allowed here: build at normal priority
        os.nice(BUILD_NICENESS)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError
    from mkdocs.plugins import BasePlugin

    class Capture(BasePlugin):
        """Collects pages and navigation; added last so it sees the final page content."""

        def __init__(self):
            self.pages: list[dict] = []
            self.nav: list[dict] = []
            self.total = 0

        def on_files(self, files, config):
            self.total = len(files.documentation_pages())
            return files

        def on_nav(self, nav, config, files):
            self.nav = _nav(nav.items)
            return nav

        def on_page_content(self, html, page, config, files):
            try:
                mtime = os.stat(page.file.abs_src_path).st_mtime
            except (OSError, TypeError):
                mtime = None
            self.pages.append({
                "url": page.url, "src": page.file.src_uri, "title": page.title or "", "html": html,
                "toc": _toc(page.toc.items), "edit_url": page.edit_url or "", "mtime": mtime,
            })
            print(f"@@progress {len(self.pages)} {self.total}", flush=True)
            return html

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    for noisy in ("MARKDOWN", "markdown", "PIL", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    capture = Capture()
    try:
        config = load_config(config_file, site_dir=site_dir)
        config.plugins["paved-capture"] = capture
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except (ConfigurationError, Abort) as exc:
        print(f"ERROR   -  {exc}", file=sys.stderr, flush=True)
        return 2
    with open(pages_json, "w", encoding="utf-8") as fp:
        json.dump({
            "site_name": config.site_name or "", "site_description": config.site_description or "",
            "nav": capture.nav, "pages": capture.pages,
        }, fp, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
