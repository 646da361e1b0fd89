"""The site's navigation as HTML. A 2,000-page nav is rendered once per published build into
a `NavIndex` (cached per process); each page view then only marks its own link and opens the
sections above it with two string replacements instead of re-rendering the tree."""

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass
class NavIndex:
    html: str
    hrefs: dict[str, str] = field(default_factory=dict)  # page url -> escaped href as rendered
    sections_of: dict[str, list[int]] = field(default_factory=dict)  # page url -> enclosing section numbers
    trail_of: dict[str, list[str]] = field(default_factory=dict)  # page url -> enclosing section titles


def build_index(nav: list[dict], *, prefix: str) -> NavIndex:
    index = NavIndex(html="")
    out: list[str] = []
    counter = [0]

    def walk(items: list[dict], sections: list[int], titles: list[str]) -> None:
        out.append("<ul>")
        for item in items:
            title = escape(item.get("title") or "")
            if item.get("type") == "section":
                number = counter[0]
                counter[0] += 1
                out.append(f'<li><details data-s="{number}"><summary>{title}</summary>')
                walk(item.get("children") or [], [*sections, number], [*titles, item.get("title") or ""])
                out.append("</details></li>")
            elif item.get("type") == "page":
                url = item.get("url") or ""
                href = escape(prefix + url)
                index.hrefs.setdefault(url, href)
                index.sections_of.setdefault(url, sections)
                index.trail_of.setdefault(url, titles)
                out.append(f'<li><a href="{href}">{title}</a></li>')
            else:
                url = item.get("url") or ""
                if url.startswith(("http://", "https://", "mailto:")):
                    out.append(f'<li><a href="{escape(url)}" rel="noopener noreferrer">{title} ↗</a></li>')
        out.append("</ul>")

    walk(nav, [], [])
    index.html = "".join(out)
    return index


def render_nav(index: NavIndex, *, current: str) -> SafeString:
    html = index.html
    href = index.hrefs.get(current)
    if href is not None:
        html = html.replace(f'<a href="{href}">', f'<a href="{href}" class="active" aria-current="page">', 1)
    for number in index.sections_of.get(current, []):
        html = html.replace(f'<details data-s="{number}">', f'<details data-s="{number}" open>', 1)
    return mark_safe(html)  # noqa: S308 - built from escaped titles and URLs in build_index


def render_toc(toc: list[dict]) -> SafeString:
    """The page's table of contents, without its top-level title entry when that is the page title."""
    items = toc[0]["children"] if len(toc) == 1 and toc[0].get("level") == 1 else toc
    out: list[str] = []

    def walk(entries: list[dict]) -> None:
        out.append("<ul>")
        for entry in entries:
            url = entry.get("url") or ""
            href = escape(url) if url.startswith("#") else "#"
            out.append(f'<li><a href="{href}">{escape(entry.get("title") or "")}</a>')
            if entry.get("children"):
                walk(entry["children"])
            out.append("</li>")
        out.append("</ul>")

    if items:
        walk(items)
    return mark_safe("".join(out))  # noqa: S308 - escaped above
