"""Plain text and sections of a sanitised page, for the search index (no HTML parser needed:
the input comes out of nh3, whose serialisation is regular)."""

import html as htmllib
import re

_HEADING = re.compile(r'<h([1-6])\b[^>]*?(?:\sid="([^"]*)")?[^>]*>(.*?)</h\1>', re.S)
_HEADERLINK = re.compile(r'<a\b[^>]*class="headerlink"[^>]*>.*?</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
MAX_SECTION_TEXT = 4000


def strip_tags(html: str) -> str:
    return _SPACE.sub(" ", htmllib.unescape(_TAG.sub(" ", html))).strip()


def sections(html: str, *, page_title: str) -> list[dict]:
    """[{"id", "title", "text"}]: the text before the first heading belongs to the page itself."""
    html = _HEADERLINK.sub("", html)
    out: list[dict] = []
    pos, current = 0, {"id": "", "title": page_title, "text": ""}
    for match in _HEADING.finditer(html):
        current["text"] = strip_tags(html[pos:match.start()])[:MAX_SECTION_TEXT]
        if current["text"] or current["id"]:
            out.append(current)
        current = {"id": match.group(2) or "", "title": strip_tags(match.group(3)), "text": ""}
        pos = match.end()
    current["text"] = strip_tags(html[pos:])[:MAX_SECTION_TEXT]
    if current["text"] or current["id"] or not out:
        out.append(current)
    return out
