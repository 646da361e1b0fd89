"""Sanitise rendered documentation HTML for display inside the portal, and rewrite its links.

One nh3 (ammonia) cleaner with an allow-list: no scripts, styles, event handlers, forms or
`javascript:` URLs, but the markup techdocs-core and mkdocs-material emit (admonitions,
details, highlighted code with its Pygments classes, tables, tabbed sets built from radio
inputs and labels, task lists) keeps its tags and classes so techdocs.css can style it.
"""

import html as html_lib
import posixpath
import re
import urllib.parse
from collections.abc import Callable

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "input", "ins", "kbd", "label", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
    "details": {"open"},
    "label": {"for"},
    "input": {"checked", "disabled", "name"},  # `type` is restricted below
    "col": {"span"},
    "code": {"data-lang"},
    "div": {"data-tabs"},
}
# Tabbed sets are radio inputs; task lists are checkboxes. Nothing else an input could be.
TAG_ATTRIBUTE_VALUES = {"input": {"type": {"radio", "checkbox"}}}

_cleaner = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style", "noscript", "template", "textarea", "select", "button", "form",
                        "iframe", "object", "embed", "svg", "math"},
    attributes=ATTRIBUTES,
    tag_attribute_values=TAG_ATTRIBUTE_VALUES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)

_URL_ATTR = re.compile(r'(<(?:a|img)\b[^>]*?\s)(href|src)="([^"]*)"')
# nh3's output: every attribute value in double quotes, so a `>` inside one cannot end the tag here.
_IMG = re.compile(r'<img\b((?:\s+[^\s="/>]+(?:="[^"]*")?)*)\s*/?>')
_ATTR = re.compile(r'([^\s="/>]+)(?:="([^"]*)")?')


def sanitize(html: str) -> str:
    return _cleaner.clean(html)


def block_external_images(html: str) -> str:
    """Put a link in place of every image served by another host, on sanitised HTML.

    An `<img src="https://...">` makes every reader's browser call that host when the page opens
    (a tracking pixel, or a log of who reads what); a link calls it only when clicked. Emoji
    images become their own character.
    """

    def sub(match: re.Match) -> str:
        attrs = {m.group(1).lower(): html_lib.unescape(m.group(2) or "") for m in _ATTR.finditer(match.group(1))}
        src = attrs.get("src", "")
        parts = urllib.parse.urlsplit(src)
        if not (parts.scheme or parts.netloc):
            return match.group(0)  # one of the site's own files
        alt = html_lib.escape(attrs.get("alt", ""))
        if "emoji" in attrs.get("class", "") and alt:
            return alt
        label = f"External image: {alt}" if alt else "External image"
        return (f'<a class="external-image" href="{html_lib.escape(src)}" rel="noopener noreferrer nofollow">'
                f"{label} ({html_lib.escape(parts.hostname or src)})</a>")

    return _IMG.sub(sub, html)


def page_link_rewriter(*, page_url: str, pages: set[str], page_prefix: str, file_prefix: str) -> Callable[[str], str]:
    """Make `rewrite(html)` that points a page's relative links at the portal.

    `page_url` is the page's site-relative URL (`runbook/`, `` for the home page), `pages` every
    page URL of the site. Links to a page go to `page_prefix + url` (the portal's reader), links
    to any other file to `file_prefix + path` (the static endpoint), and links that climb out of
    the site are dropped. Absolute and anchor-only URLs are left alone.
    """
    base = posixpath.dirname(page_url.rstrip("/")) if not page_url.endswith("/") else page_url.rstrip("/")

    def target(url: str, attr: str) -> str | None:
        raw = url
        url = url.replace("&amp;", "&")
        if not url or url.startswith("#"):
            return raw
        parts = urllib.parse.urlsplit(url)
        if parts.scheme or parts.netloc:
            return raw
        path = urllib.parse.unquote(parts.path)
        joined = posixpath.normpath(posixpath.join(base, path)) if path else page_url.rstrip("/")
        if joined == ".":
            joined = ""
        if joined.startswith("..") or joined.startswith("/"):
            return None  # leaves the site: there is nothing of ours to show
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        as_page = f"{joined}/" if joined else ""
        if attr == "href" and (as_page in pages or joined in pages):
            return page_prefix + urllib.parse.quote(as_page if as_page in pages else joined) + fragment
        if attr == "href" and joined.endswith(".md"):
            return None  # a link mkdocs could not resolve to a page
        return file_prefix + urllib.parse.quote(joined) + fragment

    def rewrite(html: str) -> str:
        def sub(match: re.Match) -> str:
            new = target(match.group(3), match.group(2))
            if new is None:
                return match.group(1) + 'data-broken-link=""'
            return f'{match.group(1)}{match.group(2)}="{new.replace(chr(34), "%22")}"'

        return _URL_ATTR.sub(sub, html)

    return rewrite
