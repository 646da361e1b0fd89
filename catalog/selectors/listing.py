"""The catalog list page: filtered, sorted pages of entities, facet counts and the CSV export.

A request costs the same at 1,000 or 55,000 entities:

- the total and the facet counts (a COUNT and one GROUP BY per facet, over every matching
  entity) are computed once per catalog revision and filter set (catalog.revision), so a
  catalog that did not change answers them from memory;
- the kind filter is a range of the unique `ref` index (refs start with the lower-case kind);
- every sortable column has a (column, ref) index (migration 0006), so a page is an index walk
  of `offset + page size` entries, never a sort of the whole catalog;
- rows never load `Entity.body` or `Entity.final`.

`visible` is what catalog.entity.read lets the person see (catalog.access.entity_read_filter,
which callers pass in): None, the default policy, adds no condition.
"""

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet

from catalog.lib.refs import split_key
from catalog.models import Entity, SearchEntry
from catalog.revision import cached_by_revision
from catalog.selectors.entities import LIST_COLUMNS, TAGS_KEY, decorate_entities, search_words
from catalog.selectors.users import user_owner_refs

FACET_LIMIT = 30
MAX_OWNERS = 20  # owner= values a list accepts at once
EXPORT_LIMIT = 100_000  # rows a CSV export holds at most
KIND_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# The `sort=` values of the list: column -> ordering; each has a (column, ref) index.
SORTS = {
    "name": ("name", "ref"),
    "owner": ("owner_ref", "ref"),
    "type": ("spec_type", "ref"),
    "lifecycle": ("lifecycle", "ref"),
}


@dataclass
class EntityFilters:
    kind: str = ""
    spec_type: str = ""
    owners: tuple[str, ...] = ()
    lifecycle: str = ""
    tag: str = ""
    namespace: str = ""
    q: str = ""
    mine: bool = False

    def __post_init__(self):
        self.kind = self.kind.lower()
        self.owners = tuple(dict.fromkeys(o.lower() for o in self.owners if o))[:MAX_OWNERS]

    def is_empty(self) -> bool:
        return not any((self.kind, self.spec_type, self.owners, self.lifecycle, self.tag, self.namespace, self.q,
                        self.mine))

    def key(self) -> tuple:
        return (self.kind, self.spec_type, tuple(sorted(self.owners)), self.lifecycle, self.tag.lower(),
                self.namespace, " ".join(search_words(self.q)), self.mine)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    active: bool = False


@dataclass
class EntityListResult:
    page: Page
    facets: dict[str, list[FacetValue]]
    kinds: list[FacetValue]
    my_groups: list[str] = field(default_factory=list)
    sort: str = ""


def sort_valid(sort: str) -> bool:
    return not sort or sort.removeprefix("-") in SORTS


def _ordering(sort: str) -> tuple[str, ...]:
    if not sort_valid(sort) or not sort:
        return ("ref",)
    columns = SORTS[sort.removeprefix("-")]
    return tuple(f"-{c}" for c in columns) if sort.startswith("-") else columns


def _filtered(filters: EntityFilters, *, owner_refs: list[str] | None, skip: str = "",
              visible: Q | None = None) -> QuerySet:
    qs = Entity.objects.all() if visible is None else Entity.objects.filter(visible)
    if filters.kind and skip != "kind":
        if KIND_RE.match(filters.kind):
            # Refs start with the lower-case kind: one range of the unique ref index.
            qs = qs.filter(ref__gte=f"{filters.kind}:", ref__lt=f"{filters.kind};")
        else:
            qs = qs.none()
    if filters.spec_type and skip != "spec_type":
        qs = qs.filter(spec_type=filters.spec_type)
    if filters.owners and skip != "owner":
        qs = qs.filter(owner_ref__in=filters.owners)
    if filters.lifecycle and skip != "lifecycle":
        qs = qs.filter(lifecycle=filters.lifecycle)
    if filters.namespace and skip != "namespace":
        qs = qs.filter(namespace=filters.namespace)
    if filters.tag and skip != "tag":
        qs = qs.filter(id__in=SearchEntry.objects.filter(key=TAGS_KEY, value=filters.tag.lower()).values("entity_id"))
    for word in search_words(filters.q):
        qs = qs.filter(search_text__contains=word)  # search_text is lower case already
    if owner_refs is not None:
        qs = qs.filter(owner_ref__in=owner_refs)
    return qs


def _visible_key(visible: Q | None) -> tuple | None:
    """A cache key for the access condition: its SQL and parameters (compiled, not run);
    None when it cannot be a key (then nothing is cached)."""
    if visible is None:
        return ()
    try:
        sql, params = Entity.objects.filter(visible).query.sql_with_params()
        key = (sql, tuple(params))
        hash(key)
    except Exception:  # noqa: BLE001 - an unusual condition is simply not cached
        return None
    return key


def _cached(key: tuple, visible: Q | None, compute):
    visible_key = _visible_key(visible)
    if visible_key is None:
        return compute()
    return cached_by_revision(("catalog-list", *key, visible_key), compute)


def _column_rows(qs: QuerySet, column: str, *, search: str = "", limit: int = FACET_LIMIT) -> list[tuple[str, int]]:
    qs = qs.exclude(**{column: ""})
    if search:
        qs = qs.filter(**{f"{column}__icontains": search})
    rows = qs.values(column).annotate(n=Count("id")).order_by("-n", column)[:limit]
    return [(row[column], row["n"]) for row in rows]


def _kind_rows(qs: QuerySet) -> list[tuple[str, str, int]]:
    return _merge_kinds(qs.values_list("kind").annotate(n=Count("id")).order_by())


def _merge_kinds(rows) -> list[tuple[str, str, int]]:
    # Kinds are case-insensitive (`component` and `Component` are the same kind).
    counts: Counter = Counter()
    labels: dict[str, str] = {}
    for kind, n in rows:
        key = kind.lower()
        counts[key] += n
        labels.setdefault(key, kind)
    return [(k, labels[k], n) for k, n in sorted(counts.items())]


def _tag_rows(qs: QuerySet, *, search: str = "", limit: int = FACET_LIMIT) -> list[tuple[str, int]]:
    entries = SearchEntry.objects.filter(key=TAGS_KEY).exclude(value="").exclude(value=None)
    if search:
        entries = entries.filter(value__contains=search.lower())  # values are lower case
    if qs is not None:
        entries = entries.filter(entity_id__in=qs.values("id"))
    # No DISTINCT: an entity has each (key, value) once (catalog.lib.flatten dedupes), and
    # without it the database groups with a hash instead of sorting every tag entry.
    rows = entries.values("value").annotate(n=Count("entity_id")).order_by("-n", "value")[:limit]
    return [(r["value"], r["n"]) for r in rows]


# Facet name -> column; `kind` is merged case-insensitively afterwards.
FACET_COLUMNS = {"spec_type": "spec_type", "owner": "owner_ref", "lifecycle": "lifecycle",
                 "namespace": "namespace", "kind": "kind"}


def _grouped_counts(qs: QuerySet, facets: list[str]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """PostgreSQL: the total and the counts per value of several columns in one scan of the
    matching entities (GROUPING SETS), instead of one scan per facet."""
    columns = [FACET_COLUMNS[f] for f in facets]
    try:
        inner, params = qs.order_by().values(*columns).query.sql_with_params()
    except EmptyResultSet:  # a condition that can match nothing (an empty access grant)
        return 0, {f: [] for f in facets}
    quoted = [connection.ops.quote_name(c) for c in columns]
    sets = ", ".join(f"({c})" for c in quoted)
    sql = (f"SELECT {', '.join(quoted)}, GROUPING({', '.join(quoted)}), COUNT(*) FROM ({inner}) AS matching "
           f"GROUP BY GROUPING SETS ({sets}, ())")
    total, found = 0, {f: [] for f in facets}
    width = len(columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values, mask, n = row[:width], row[width], row[width + 1]
            if mask == (1 << width) - 1:
                total = n
                continue
            # GROUPING() has a 1 bit for each column left out of the row's set; one is not.
            position = next(i for i in range(width) if not mask & (1 << (width - 1 - i)))
            found[facets[position]].append((values[position], n))
    return total, found


def _top(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(((v, n) for v, n in rows if v), key=lambda row: (-row[1], row[0]))[:FACET_LIMIT]


def _counts(filters: EntityFilters, owner_refs: list[str] | None, visible: Q | None) -> dict:
    """The total and every facet's counts, each facet over the other filters (so its
    alternatives stay visible). Plain tuples: the answer is cached and shared.

    A facet whose own filter is not set counts over the same entities as the total: on
    PostgreSQL those are counted together in one scan; the others each need their own."""

    def others(name):
        return _filtered(filters, owner_refs=owner_refs, skip=name, visible=visible).order_by()

    active = {"spec_type": filters.spec_type, "owner": filters.owners, "lifecycle": filters.lifecycle,
              "namespace": filters.namespace, "kind": filters.kind}
    result: dict = {}
    shared = [name for name in FACET_COLUMNS if not active[name]]
    if connection.vendor == "postgresql" and shared:
        total, grouped = _grouped_counts(_filtered(filters, owner_refs=owner_refs, visible=visible), shared)
        result["total"] = total
        for name, rows in grouped.items():
            result[name] = _merge_kinds(rows) if name == "kind" else _top(rows)
    else:
        result["total"] = _filtered(filters, owner_refs=owner_refs, visible=visible).order_by().count()
    for name, column in FACET_COLUMNS.items():
        if name not in result:
            result[name] = _kind_rows(others(name)) if name == "kind" else _column_rows(others(name), column)
    unfiltered_tags = dataclasses.replace(filters, tag="").is_empty() and visible is None
    result["tag"] = _tag_rows(None if unfiltered_tags else others("tag"))
    return result


def _facet(rows, active: set[str], label=None, *, keep_active: bool = True) -> list[FacetValue]:
    values = [FacetValue(v, label(v) if label else v, n, v in active) for v, n in rows]
    if not keep_active:
        return values
    # An active value outside the top ones stays listed, so it can be removed.
    shown = {v.value for v in values}
    values += [FacetValue(v, label(v) if label else v, 0, True) for v in sorted(active - shown) if v]
    return values


def _owner_label(ref: str) -> str:
    return split_key(ref)[2] or ref


def entity_list(*, filters: EntityFilters, page: int | str = 1, user=None, page_size: int | None = None,
                visible: Q | None = None, sort: str = "") -> EntityListResult:
    """One page of entities, sorted by `sort` (a SORTS key, `-` for descending; else by ref),
    plus facet counts. A constant number of queries whatever the catalog size: with an
    unchanged catalog, the revision, the page and whatever the access policy needs."""
    owner_refs = user_owner_refs(user) if filters.mine and user is not None else None
    counts = _cached(("counts", filters.key(), tuple(owner_refs or ()) if owner_refs is not None else None),
                     visible, lambda: _counts(filters, owner_refs, visible))
    qs = _filtered(filters, owner_refs=owner_refs, visible=visible).only(*LIST_COLUMNS).order_by(*_ordering(sort))
    paginator = Paginator(qs, page_size or settings.PAVED_CATALOG_PAGE_SIZE)
    paginator.count = counts["total"]  # known already: no COUNT query
    page_obj = paginator.get_page(page)
    page_obj.object_list = decorate_entities(page_obj.object_list)
    facets = {
        "spec_type": _facet(counts["spec_type"], {filters.spec_type}),
        "owner": _facet(counts["owner"], set(filters.owners), label=_owner_label),
        "lifecycle": _facet(counts["lifecycle"], {filters.lifecycle}),
        "tag": _facet(counts["tag"], {filters.tag.lower()}),
        "namespace": _facet(counts["namespace"], {filters.namespace}),
    }
    kinds = [FacetValue(k, label, n, k == filters.kind) for k, label, n in counts["kind"]]
    return EntityListResult(page=page_obj, facets=facets, kinds=kinds, my_groups=owner_refs or [],
                            sort=sort if sort_valid(sort) else "")


def entity_tag_facet(*, filters: EntityFilters, search: str, user=None, visible: Q | None = None,
                     limit: int = FACET_LIMIT) -> list[FacetValue]:
    """Tags containing `search` with their counts over the other filters (the tag facet's box)."""
    search = search.strip().lower()[:100]
    owner_refs = user_owner_refs(user) if filters.mine and user is not None else None

    def compute():
        scope = None
        if not dataclasses.replace(filters, tag="").is_empty() or visible is not None:
            scope = _filtered(filters, owner_refs=owner_refs, skip="tag", visible=visible).order_by()
        return _tag_rows(scope, search=search, limit=limit)

    key = ("tags", filters.key(), search, limit, tuple(owner_refs) if owner_refs is not None else None)
    return _facet(_cached(key, visible, compute), {filters.tag.lower()}, keep_active=not search)


def entity_export_rows(*, filters: EntityFilters, user=None, visible: Q | None = None, sort: str = "",
                       limit: int | None = None) -> Iterator[Entity]:
    """Every entity the list shows for these filters, in its order, at most `limit`, read in
    chunks (a server-side cursor on PostgreSQL) so memory stays flat."""
    owner_refs = user_owner_refs(user) if filters.mine and user is not None else None
    qs = _filtered(filters, owner_refs=owner_refs, visible=visible).only(*LIST_COLUMNS).order_by(*_ordering(sort))
    return qs[: limit or EXPORT_LIMIT].iterator(chunk_size=2000)
