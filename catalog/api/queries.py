"""Reads behind the entity endpoints. Each returns stored JSON text or small dicts.

Query counts are constant per request: by-name is one query, a by-query page two (COUNT and
rows; one on later pages, whose cursor carries the total).

`visible` is what catalog.entity.read lets the caller see (catalog.access.entity_read_filter):
None, the default policy, adds no condition; a Q narrows every read, and answers computed
under one keep out of the per-revision caches shared by everyone.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet

from catalog.api.cursors import Cursor, QuerySpec, cursor_encode
from catalog.api.ordering import after_key, order_by, sort_entities
from catalog.lib.filters import apply_filters, apply_full_text, parse_filters
from catalog.lib.refs import RefError, entity_key, parse_ref
from catalog.models import Entity, SearchEntry
from catalog.revision import cached_by_revision

MAX_REFS = 10_000


def filtered_entities(spec: QuerySpec, visible: Q | None = None) -> QuerySet[Entity]:
    queryset = Entity.objects.all() if visible is None else Entity.objects.filter(visible)
    queryset = apply_filters(queryset, parse_filters(spec.filters))
    return apply_full_text(queryset, term=spec.term, fields=spec.text_fields)


def entity_final_by_ref(*, kind: str, namespace: str, name: str, visible: Q | None = None) -> str | None:
    ref = entity_key(kind, namespace, name)
    if visible is not None:
        return Entity.objects.filter(visible, ref=ref).values_list("final", flat=True).first()
    # The hottest endpoint: plain SQL on the unique ref index skips the ORM's query compiler.
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "final" FROM "{Entity._meta.db_table}" WHERE "ref" = %s',
                       [ref])
        row = cursor.fetchone()
    return row[0] if row else None


def entity_list(*, filters: list[str], order: list[tuple[str, str]], offset: int, limit: int | None,
                visible: Q | None = None):
    """Rows (final text) for GET /entities; with a limit, one extra row tells if more exist."""
    queryset, key = sort_entities(filtered_entities(QuerySpec(filters=filters), visible), order)
    rows = queryset.order_by(*order_by(key)).values_list("final", flat=True)
    if limit is None:
        return rows[offset:].iterator(chunk_size=500)
    return list(rows[offset : offset + limit + 1])


@dataclass
class Page:
    items: list[str]
    total: int
    next_cursor: str | None
    prev_cursor: str | None


def entity_page(*, spec: QuerySpec, limit: int, offset: int = 0, cursor: Cursor | None = None,
                visible: Q | None = None) -> Page:
    """One by-query page, keyset-paginated on (sort value, ref)."""
    if cursor is not None:
        spec = cursor.query
    queryset = filtered_entities(spec, visible)
    if cursor is not None:
        total = cursor.total
    elif visible is None:
        total = cached_by_revision(spec.cache_key(), queryset.count)
    else:
        total = queryset.count()
    queryset, key = sort_entities(queryset, [spec.order] if spec.order else [])
    backwards = cursor is not None and cursor.backwards
    if cursor is not None:
        queryset = queryset.filter(after_key(key, cursor.key, reverse=backwards))
        offset = 0
    names = [name for name, _ in key]
    rows = list(
        queryset.order_by(*order_by(key, reverse=backwards)).values_list("final", *names)[offset : offset + limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()

    def link(row, back: bool) -> str:
        return cursor_encode(Cursor(query=spec, key=list(row[1:]), backwards=back, total=total))

    has_next = more if not backwards else bool(rows)
    has_prev = more if backwards else bool(rows) and (cursor is not None or offset > 0)
    return Page(
        items=[row[0] for row in rows],
        total=total,
        next_cursor=link(rows[-1], False) if has_next and rows else None,
        prev_cursor=link(rows[0], True) if has_prev and rows else None,
    )


def entity_finals_by_refs(*, refs: list[str], filters: list[str], visible: Q | None = None) -> list[str | None]:
    """Entities for `refs` in the same order, None where missing, invalid or filtered out."""
    keys: list[str | None] = []
    for raw in refs:
        try:
            keys.append(parse_ref(raw).key)
        except RefError:
            keys.append(None)
    wanted = sorted({k for k in keys if k})
    queryset = filtered_entities(QuerySpec(filters=filters), visible)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 1000):
        found.update(queryset.filter(ref__in=wanted[start : start + 1000]).values_list("ref", "final"))
    return [found.get(k) if k else None for k in keys]


def entity_facets(*, facets: list[str], filters: list[str], visible: Q | None = None) -> dict[str, list[dict]]:
    """Counts per value, computed once per catalog revision (see catalog.revision)."""
    if visible is not None:
        return _entity_facets(facets=facets, filters=filters, visible=visible)
    return cached_by_revision(("facets", tuple(facets), tuple(filters)),
                              lambda: _entity_facets(facets=facets, filters=filters))


def _entity_facets(*, facets: list[str], filters: list[str], visible: Q | None = None) -> dict[str, list[dict]]:
    """One GROUP BY per facet on the (key, value) index of SearchEntry, so values are lower
    case; `kind` is grouped on the (kind, ref) index instead and keeps its case."""
    scope = filtered_entities(QuerySpec(filters=filters), visible) if filters or visible is not None else None
    result = {}
    for facet in facets:
        if facet.lower() == "kind":
            base = scope if scope is not None else Entity.objects.all()
            rows = base.order_by().values_list("kind").annotate(count=Count("*"))
        else:
            entries = SearchEntry.objects.filter(key=facet.lower(), value__isnull=False)
            if scope is not None:
                entries = entries.filter(entity_id__in=scope.values("id"))
            rows = entries.order_by().values_list("value").annotate(count=Count("*"))
        counts: dict[str, int] = {}
        for value, count in rows:
            counts[value] = counts.get(value, 0) + count
        result[facet] = [{"value": v, "count": c} for v, c in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]
    return result
