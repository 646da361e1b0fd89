"""The site's navigation as HTML, rendered in Python: a 2,000-page nav costs a millisecond here
and tens of milliseconds through the template engine, on every page view."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _contains(item: dict, current: str) -> bool:
    if item["type"] == "page":
        return item["url"] == current
    return any(_contains(child, current) for child in item.get("children", []))


def trail(nav: list[dict], current: str) -> list[str]:
    """Section titles leading to the current page (breadcrumbs)."""
    for item in nav:
        if item["type"] == "section" and _contains(item, current):
            return [item["title"], *trail(item["children"], current)]
    return []


def render_nav(nav: list[dict], *, current: str, prefix: str) -> SafeString:
    out: list[str] = []

    def walk(items: list[dict]) -> None:
        out.append("<ul>")
        for item in items:
            title = escape(item.get("title") or "")
            if item["type"] == "section":
                is_open = " open" if _contains(item, current) else ""
                out.append(f"<li><details{is_open}><summary>{title}</summary>")
                walk(item["children"])
                out.append("</details></li>")
            elif item["type"] == "page":
                active = ' class="active" aria-current="page"' if item["url"] == current else ""
                out.append(f'<li><a href="{escape(prefix + item["url"])}"{active}>{title}</a></li>')
            else:
                url = item.get("url") or ""
                if url.startswith(("http://", "https://", "mailto:")):
                    out.append(f'<li><a href="{escape(url)}" rel="noopener noreferrer">{title} ↗</a></li>')
        out.append("</ul>")

    walk(nav)
    return mark_safe("".join(out))  # noqa: S308 - titles and URLs are escaped above


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
