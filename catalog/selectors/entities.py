"""Reads of catalog entities for pages and other apps: the list with facets, one entity by
name, the home page counts and the orphans; and the helpers the other selector modules share.

Lists never load `Entity.body` or `Entity.final`: they select the indexed columns they show
(LIST_COLUMNS) and paginate in the database. The list page itself is catalog.selectors.listing.

`visible` is what catalog.entity.read lets the person see (catalog.access.entity_read_filter,
which callers pass in: the policy module sits above this one): None, the default policy, adds
no condition and no query.
"""

from collections import Counter

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.urls import reverse

from catalog.lib.refs import entity_key, split_key
from catalog.models import Entity, Location, ProcessingError

LIST_COLUMNS = (
    "id", "ref", "kind", "namespace", "name", "title", "description", "spec_type", "lifecycle", "owner_ref",
    "tags", "orphan", "has_errors", "location_id",
)
TAGS_KEY = "metadata.tags"


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


# --- The entity list with facets: catalog.selectors.listing -----------------------------------


def search_words(q: str) -> list[str]:
    """The words of a search box query, lower case (search_text is), at most eight."""
    return [w for w in (q or "").lower().split() if w][:8]


# --- One entity -----------------------------------------------------------------------------


def entity_get(*, kind: str, namespace: str, name: str) -> Entity | None:
    """The entity `kind:namespace/name`, case-insensitively, or None."""
    return Entity.objects.select_related("location").filter(ref=entity_key(kind, namespace, name)).first()


def entity_refs_by_annotation(*, key: str, values, kind: str = "component") -> dict[str, str]:
    """{lower-case annotation value: entity ref} of the `kind` entities whose annotation `key` has one
    of `values` (compared case-insensitively), e.g. the component of a `github.com/project-slug`.
    When several entities carry the same value, the first ref in order wins (one answer per value)."""
    wanted = sorted({str(v).lower() for v in values if v})
    found: dict[str, str] = {}
    if not wanted or not key:
        return found
    value = Lower(KT(f"body__metadata__annotations__{key}"))
    for start in range(0, len(wanted), 1000):
        rows = (Entity.objects.filter(ref__startswith=f"{kind.lower()}:").annotate(value=value)
                .filter(value__in=wanted[start:start + 1000]).order_by("ref").values_list("value", "ref"))
        for matched, ref in rows:
            found.setdefault(matched, ref)
    return found


def entity_refs_owned_by(*, owner_refs, kind: str = "component") -> list[str]:
    """Refs of the `kind` entities whose spec.owner is one of `owner_refs` (lower-case refs), sorted."""
    owners = sorted({str(r).lower() for r in owner_refs if r})
    if not owners:
        return []
    return list(Entity.objects.filter(ref__startswith=f"{kind.lower()}:", owner_ref__in=owners)
                .order_by("ref").values_list("ref", flat=True))


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

