"""Point a rendered README's relative links at the git host's own pages.

A README written for GitHub links `docs/setup.md` and shows `img/arch.png` relative to itself;
shown at /git/<owner>/<name>/ those would resolve against the wrong URL. Links become blob pages
and images raw files at the same ref; absolute URLs, anchors and links that climb out of the
repository are left as they are (the sanitiser has already removed unsafe schemes).
"""

import posixpath
import re
from urllib.parse import urlsplit

from django.urls import reverse

ATTRIBUTE = re.compile(r'(?P<attr>\b(?:href|src))="(?P<url>[^"]*)"')


def _target(base_dir: str, url: str) -> str | None:
    parts = urlsplit(url)
    if not url or url.startswith(("#", "/")) or parts.scheme or parts.netloc:
        return None
    path = posixpath.normpath(posixpath.join(base_dir, parts.path)) if parts.path else ""
    if not path or path == "." or path.startswith(".."):
        return None
    return path


def rewrite_readme_links(html: str, *, owner: str, name: str, ref: str, readme_path: str) -> str:
    base_dir = posixpath.dirname(readme_path)

    def replace(match: re.Match) -> str:
        url = match.group("url").replace("&amp;", "&")
        path = _target(base_dir, url)
        if path is None:
            return match.group(0)
        view = "githost:raw" if match.group("attr") == "src" else "githost:blob"
        new = reverse(view, kwargs={"owner": owner, "name": name, "ref": ref, "path": path})
        fragment = urlsplit(url).fragment
        return f'{match.group("attr")}="{new}{"#" + fragment if fragment else ""}"'

    return ATTRIBUTE.sub(replace, html)
