"""Full-text search over built pages: one hit per page, its best-matching section highlighted.

PostgreSQL: the weighted tsvector column and GIN index of migration 0002 (title A, headings B,
text C), ranked by ts_rank. SQLite: the FTS5 table of the same migration, ranked by bm25 with
the same weights. Either way pages, not headings, are the unit (Backstage issue #24918).
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalog.models import Entity
from techdocs.models import DocsPage, DocsSite

VISIBLE_OVERFETCH = 5

MAX_WORDS = 8
SNIPPET = 180


@dataclass
class DocsHit:
    title: str
    site_name: str
    entity_ref: str
    url: str
    section: str
    snippet: SafeString


def words_of(query: str) -> list[str]:
    return re.findall(r"\w+", (query or "").lower())[:MAX_WORDS]


def index_replace(*, site: DocsSite, pages: list[DocsPage]) -> None:
    """Index `pages` (saved rows) in place of the site's previous ones. Call inside the publish transaction."""
    if connection.vendor != "sqlite":
        return  # PostgreSQL's column is generated from the row itself
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM techdocs_docspage_fts WHERE rowid IN "
                       "(SELECT id FROM techdocs_docspage WHERE site_id = %s)", [site.pk])
        cursor.executemany(
            "INSERT INTO techdocs_docspage_fts (rowid, title, headings, body) VALUES (%s, %s, %s, %s)",
            [(p.pk, p.title, p.headings, p.body) for p in pages],
        )


def index_remove(*, site: DocsSite) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM techdocs_docspage_fts WHERE rowid IN "
                           "(SELECT id FROM techdocs_docspage WHERE site_id = %s)", [site.pk])


def _tsquery(words: list[str]) -> str:
    return " & ".join(f"{w}:*" for w in words)


def _fts_match(words: list[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def page_match_sql(words: list[str]) -> tuple[str, list]:
    """SQL selecting the ids of pages containing every word (as prefixes), for use in a subquery;
    ("", []) on a database without the index."""
    if not words:
        return "", []
    if connection.vendor == "postgresql":
        return "SELECT id FROM techdocs_docspage WHERE search_vector @@ to_tsquery('english', %s)", [_tsquery(words)]
    if connection.vendor == "sqlite":
        return "SELECT rowid FROM techdocs_docspage_fts WHERE techdocs_docspage_fts MATCH %s", [_fts_match(words)]
    return "", []


def _ranked_ids(words: list[str], limit: int, site_id: int | None = None) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tsquery = _tsquery(words)
            in_site = "AND site_id = %s " if site_id is not None else ""
            cursor.execute(
                f"SELECT id FROM techdocs_docspage WHERE search_vector @@ to_tsquery('english', %s) {in_site}"
                "ORDER BY ts_rank(search_vector, to_tsquery('english', %s)) DESC, id LIMIT %s",
                [tsquery, *([site_id] if site_id is not None else []), tsquery, limit],
            )
        elif connection.vendor == "sqlite":
            in_site = ("AND rowid IN (SELECT id FROM techdocs_docspage WHERE site_id = %s) "
                       if site_id is not None else "")
            cursor.execute(
                f"SELECT rowid FROM techdocs_docspage_fts WHERE techdocs_docspage_fts MATCH %s {in_site}"
                "ORDER BY bm25(techdocs_docspage_fts, 10.0, 4.0, 1.0) LIMIT %s",
                [_fts_match(words), *([site_id] if site_id is not None else []), limit],
            )
        else:
            return []
        return [row[0] for row in cursor.fetchall()]


def _best_section(sections: list[dict], patterns: list[re.Pattern]) -> dict:
    def score(section: dict) -> int:
        title, text = section.get("title", ""), section.get("text", "")
        return sum(3 * len(p.findall(title)) + min(len(p.findall(text)), 5) for p in patterns) + (
            10 if all(p.search(title) or p.search(text) for p in patterns) else 0
        )

    return max(sections, key=score) if sections else {"id": "", "title": "", "text": ""}


def highlight(text: str, patterns: list[re.Pattern]) -> SafeString:
    """An escaped window of `text` around the first match, every match wrapped in <mark>."""
    first = min((m.start() for p in patterns if (m := p.search(text))), default=0)
    start = max(first - SNIPPET // 3, 0)
    window = text[start:start + SNIPPET]
    combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.I)
    out, pos = [], 0
    for m in combined.finditer(window):
        out.append(escape(window[pos:m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(escape(window[pos:]))
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every piece is escaped above


def docs_search(*, query: str, limit: int = 20, visible: Q | None = None, site: DocsSite | None = None
                ) -> list[DocsHit]:
    """Pages matching `query`, best first. With `visible` (catalog.entity.read as a Q on Entity),
    only pages of entities it lets through: docs are readable exactly when their entity is. With
    `site`, only that site's pages (the search box of a site; its reader was checked already)."""
    words = words_of(query)
    if not words:
        return []
    # Ranking runs before the policy; ask for more so a restrictive policy still fills the page.
    ids = _ranked_ids(words, limit if visible is None else limit * VISIBLE_OVERFETCH,
                      site_id=site.pk if site is not None else None)
    if not ids:
        return []
    pages = DocsPage.objects.filter(pk__in=ids).select_related("site")
    if visible is not None:
        pages = pages.filter(site__entity_ref__in=Entity.objects.filter(visible).values("ref"))
    rows = {p.pk: p for p in pages.only("id", "path", "title", "sections", "site__entity_ref", "site__namespace",
                                        "site__kind", "site__name", "site__site_name")}
    patterns = [re.compile(rf"\b{re.escape(w)}\w*", re.I) for w in words]
    hits = []
    for pk in ids:
        page = rows.get(pk)
        if page is None:
            continue
        site = page.site
        section = _best_section(page.sections, patterns)
        url = reverse("techdocs:page", kwargs={"namespace": site.namespace, "kind": site.kind, "name": site.name,
                                               "path": page.path}) if page.path else reverse(
            "techdocs:site", kwargs={"namespace": site.namespace, "kind": site.kind, "name": site.name})
        if section.get("id"):
            url += f"#{section['id']}"
        hits.append(DocsHit(title=page.title or site.site_name, site_name=site.site_name or site.name,
                            entity_ref=site.entity_ref, url=url, section=section.get("title", ""),
                            snippet=highlight(section.get("text", "") or section.get("title", ""), patterns)))
    return hits[:limit]
