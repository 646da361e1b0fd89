"""Reads of catalog entities for pages and other apps: the list with facets, one entity by
name, the home page counts and the orphans; and the helpers the other selector modules share.

Lists never load `Entity.body` or `Entity.final`: they select the indexed columns they show,
paginate in the database and compute facet counts with GROUP BY over the filtered queryset.

`visible` is what catalog.entity.read lets the person see (catalog.access.entity_read_filter,
which callers pass in: the policy module sits above this one): None, the default policy, adds
no condition and no query.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from catalog.lib.refs import entity_key, split_key
from catalog.models import Entity, Location, ProcessingError, SearchEntry
from catalog.selectors.users import user_owner_refs

LIST_COLUMNS = (
    "id", "ref", "kind", "namespace", "name", "title", "description", "spec_type", "lifecycle", "owner_ref",
    "tags", "orphan", "has_errors", "location_id",
)
TAGS_KEY = "metadata.tags"
FACET_LIMIT = 30


def entity_url(ref: str) -> str:
    """The entity page of a lower-case ref `kind:namespace/name` (whether or not it exists)."""
    kind, namespace, name = split_key(ref)
    if not (kind and namespace and name):
        return ""
    return reverse("catalog:entity_detail", kwargs={"namespace": namespace, "kind": kind, "name": name})


def decorate_entities(entities) -> list[Entity]:
    """Attach the URLs templates need (the model stays free of URL knowledge)."""
    entities = list(entities)
    for entity in entities:
        entity.url = entity_url(entity.ref)
        entity.owner_url = entity_url(entity.owner_ref) if entity.owner_ref else ""
        entity.owner_name = split_key(entity.owner_ref)[2] if entity.owner_ref else ""
    return entities


# --- The entity list with facets ------------------------------------------------------------


@dataclass
class EntityFilters:
    kind: str = ""
    spec_type: str = ""
    owner: str = ""
    lifecycle: str = ""
    tag: str = ""
    namespace: str = ""
    q: str = ""
    mine: bool = False

    def is_empty(self) -> bool:
        return not any((self.kind, self.spec_type, self.owner, self.lifecycle, self.tag, self.namespace, self.q,
                        self.mine))


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


def search_words(q: str) -> list[str]:
    """The words of a search box query, lower case (search_text is), at most eight."""
    return [w for w in (q or "").lower().split() if w][:8]


def _filtered(filters: EntityFilters, *, owner_refs: list[str] | None, skip: str = "",
              visible: Q | None = None) -> QuerySet:
    qs = Entity.objects.all() if visible is None else Entity.objects.filter(visible)
    if filters.kind and skip != "kind":
        qs = qs.filter(kind__iexact=filters.kind)
    if filters.spec_type and skip != "spec_type":
        qs = qs.filter(spec_type=filters.spec_type)
    if filters.owner and skip != "owner":
        qs = qs.filter(owner_ref=filters.owner.lower())
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


def _column_facet(qs: QuerySet, column: str, active: str, *, label=None) -> list[FacetValue]:
    rows = qs.exclude(**{column: ""}).values(column).annotate(n=Count("id")).order_by("-n", column)[:FACET_LIMIT]
    return [
        FacetValue(row[column], label(row[column]) if label else row[column], row["n"], row[column] == active)
        for row in rows
    ]


def _kind_facet(qs: QuerySet, active: str) -> list[FacetValue]:
    # Kinds are case-insensitive (`component` and `Component` are the same kind).
    counts: Counter = Counter()
    labels: dict[str, str] = {}
    for row in qs.values("kind").annotate(n=Count("id")):
        key = row["kind"].lower()
        counts[key] += row["n"]
        labels.setdefault(key, row["kind"])
    return [FacetValue(k, labels[k], n, k == active.lower()) for k, n in sorted(counts.items())]


def _tag_facet(qs: QuerySet, active: str) -> list[FacetValue]:
    rows = (
        SearchEntry.objects.filter(key=TAGS_KEY, entity_id__in=qs.values("id"))
        .values("value")
        .annotate(n=Count("entity_id", distinct=True))
        .order_by("-n", "value")[:FACET_LIMIT]
    )
    return [FacetValue(r["value"], r["value"], r["n"], r["value"] == active.lower()) for r in rows if r["value"]]


def entity_list(*, filters: EntityFilters, page: int | str = 1, user=None, page_size: int | None = None,
                visible: Q | None = None) -> EntityListResult:
    """One page of entities plus facet counts; each facet counts over the other filters (so its
    alternatives stay visible). Constant number of queries whatever the catalog size."""
    owner_refs = user_owner_refs(user) if filters.mine and user is not None else None
    qs = _filtered(filters, owner_refs=owner_refs, visible=visible).only(*LIST_COLUMNS).order_by("ref")
    paginator = Paginator(qs, page_size or settings.PAVED_CATALOG_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    page_obj.object_list = decorate_entities(page_obj.object_list)

    def others(name):
        return _filtered(filters, owner_refs=owner_refs, skip=name, visible=visible).order_by()

    facets = {
        "spec_type": _column_facet(others("spec_type"), "spec_type", filters.spec_type),
        "owner": _column_facet(others("owner"), "owner_ref", filters.owner.lower(),
                               label=lambda ref: split_key(ref)[2] or ref),
        "lifecycle": _column_facet(others("lifecycle"), "lifecycle", filters.lifecycle),
        "tag": _tag_facet(others("tag"), filters.tag),
        "namespace": _column_facet(others("namespace"), "namespace", filters.namespace),
    }
    kinds = _kind_facet(others("kind"), filters.kind)
    return EntityListResult(page=page_obj, facets=facets, kinds=kinds, my_groups=owner_refs or [])


# --- One entity -----------------------------------------------------------------------------


def entity_get(*, kind: str, namespace: str, name: str) -> Entity | None:
    """The entity `kind:namespace/name`, case-insensitively, or None."""
    return Entity.objects.select_related("location").filter(ref=entity_key(kind, namespace, name)).first()


# --- Summary and orphans ----------------------------------------------------------------------


def catalog_summary() -> dict:
    """Counts for the home page: entities, by kind, errors, orphans, locations (four queries)."""
    kinds: Counter = Counter()
    for kind, n in Entity.objects.values_list("kind").annotate(n=Count("id")).order_by():
        kinds[kind.lower()] += n
    orphans = Entity.objects.filter(orphan=True).count()
    errors = ProcessingError.objects.count()
    locations = Location.objects.count()
    return {
        "entities": sum(kinds.values()),
        "kinds": dict(sorted(kinds.items())),
        "errors": errors,
        "orphans": orphans,
        "locations": locations,
    }


def orphan_list(*, page: int | str = 1, page_size: int | None = None, visible: Q | None = None) -> Page:
    qs = Entity.objects.filter(orphan=True).only(*LIST_COLUMNS, "source").order_by("ref")
    qs = qs if visible is None else qs.filter(visible)
    page_obj = Paginator(qs, page_size or settings.PAVED_CATALOG_PAGE_SIZE).get_page(page)
    page_obj.object_list = decorate_entities(page_obj.object_list)
    return page_obj


def orphan_get(*, entity_id: int) -> Entity | None:
    # kind, owner, tags and body: what the policy checks (catalog.access.entity_resource).
    return Entity.objects.filter(pk=entity_id, orphan=True).only(
        "id", "ref", "kind", "owner_ref", "tags", "body", "location_id", "source").first()

