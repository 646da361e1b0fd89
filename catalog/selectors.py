"""Reads of the catalog for pages, the global search box and other apps.

Lists never load `Entity.body` or `Entity.final`: they select the indexed columns they show,
paginate in the database and compute facet counts with GROUP BY over the filtered queryset.

`visible` is what catalog.entity.read lets the person see (catalog.access.entity_read_filter,
which callers pass in: the policy module sits above this one): None, the default policy, adds
no condition and no query.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse

from catalog.lib.refs import RefError, entity_key, parse_ref, split_key
from catalog.lib.relations import RELATION_PAIRS
from catalog.models import Entity, Location, ProcessingError, Relation, SearchEntry

LIST_COLUMNS = (
    "id", "ref", "kind", "namespace", "name", "title", "description", "spec_type", "lifecycle", "owner_ref",
    "tags", "orphan", "has_errors", "location_id",
)
TAGS_KEY = "metadata.tags"
EMAIL_KEY = "spec.profile.email"
FACET_LIMIT = 30


def entity_url(ref: str) -> str:
    """The entity page of a lower-case ref `kind:namespace/name` (whether or not it exists)."""
    kind, namespace, name = split_key(ref)
    if not (kind and namespace and name):
        return ""
    return reverse("catalog:entity_detail", kwargs={"namespace": namespace, "kind": kind, "name": name})


def _decorate(entities) -> list[Entity]:
    """Attach the URLs templates need (the model stays free of URL knowledge)."""
    entities = list(entities)
    for entity in entities:
        entity.url = entity_url(entity.ref)
        entity.owner_url = entity_url(entity.owner_ref) if entity.owner_ref else ""
        entity.owner_name = split_key(entity.owner_ref)[2] if entity.owner_ref else ""
    return entities


# --- Groups of a signed-in person ---------------------------------------------------------


def user_entity_refs(user) -> QuerySet:
    """Refs of the catalog User entities that are this person: same user name or same e-mail."""
    username = (user.get_username() or "").strip()
    match = Q(name__iexact=username) if username else Q(pk__in=[])
    email = (getattr(user, "email", "") or "").strip().lower()
    if email:
        match |= Q(id__in=SearchEntry.objects.filter(key=EMAIL_KEY, value=email).values("entity_id"))
    return Entity.objects.filter(match, ref__startswith="user:").values("ref")


def user_groups(user) -> list[str]:
    """Lower-case refs of the groups the person's catalog User is a member of (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = Relation.objects.filter(type="memberOf", source_ref__in=user_entity_refs(user)).values_list(
        "target_ref", flat=True
    )
    return sorted(set(rows))


def user_owner_refs(user) -> list[str]:
    """Owner refs that make an entity the person's: their catalog User refs and those users' groups."""
    if not getattr(user, "is_authenticated", False):
        return []
    user_refs = [row["ref"] for row in user_entity_refs(user)]
    if not user_refs:
        return []
    groups = Relation.objects.filter(type="memberOf", source_ref__in=user_refs).values_list("target_ref", flat=True)
    return sorted(set(user_refs) | set(groups))


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


def _search_words(q: str) -> list[str]:
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
    for word in _search_words(filters.q):
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
    page_obj.object_list = _decorate(page_obj.object_list)

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


@dataclass
class Neighbour:
    type: str  # the relation as seen from the entity: `E ownedBy X`, `E dependsOn X`
    ref: str
    kind: str
    namespace: str
    name: str
    title: str = ""
    spec_type: str = ""
    exists: bool = False
    url: str = ""

    @property
    def label(self) -> str:
        return self.title or self.name


def _neighbour(rtype: str, ref: str, resolved: dict[str, Entity]) -> Neighbour:
    kind, namespace, name = split_key(ref)
    other = resolved.get(ref)
    return Neighbour(
        type=rtype, ref=ref, kind=other.kind if other else kind, namespace=namespace,
        name=other.name if other else name, title=other.title if other else "",
        spec_type=other.spec_type if other else "", exists=other is not None, url=entity_url(ref),
    )


def _resolve(refs) -> dict[str, Entity]:
    refs = sorted(set(refs))
    if not refs:
        return {}
    return {e.ref: e for e in Entity.objects.filter(ref__in=refs).only("ref", "kind", "name", "title", "spec_type")}


def _edges_of(ref: str, rows) -> list[tuple[str, str]]:
    """(type as seen from `ref`, other ref) for rows that touch `ref`, either direction, deduplicated."""
    edges = set()
    for source_ref, rtype, target_ref in rows:
        if source_ref == ref and target_ref != ref:
            edges.add((rtype, target_ref))
        elif target_ref == ref and source_ref != ref and rtype in RELATION_PAIRS:
            edges.add((RELATION_PAIRS[rtype], source_ref))
    return sorted(edges)


def entity_neighbours(*, entity: Entity) -> list[Neighbour]:
    """Every relation of `entity` in both directions, the other end resolved in one query."""
    rows = Relation.objects.filter(Q(source_ref=entity.ref) | Q(target_ref=entity.ref)).values_list(
        "source_ref", "type", "target_ref"
    )
    edges = _edges_of(entity.ref, rows)
    resolved = _resolve(other for _, other in edges)
    return [_neighbour(rtype, other, resolved) for rtype, other in edges]


def _spec_ref(entity: Entity, field_name: str, default_kind: str) -> str:
    spec = entity.body.get("spec") if isinstance(entity.body, dict) else None
    value = spec.get(field_name) if isinstance(spec, dict) else None
    try:
        return parse_ref(value, default_kind=default_kind, default_namespace=entity.namespace).key
    except RefError:
        return ""


@dataclass
class EntityOverview:
    """What the entity page shows, fetched with a fixed number of queries."""

    entity: Entity
    neighbours: list[Neighbour]
    by_type: dict[str, list[Neighbour]]
    owner: Neighbour | None
    owner_members: list[Neighbour]
    system: Neighbour | None
    domain: Neighbour | None
    errors: list[ProcessingError]


def entity_overview(*, entity: Entity) -> EntityOverview:
    """Relations (both ways), the owner's members, the system's domain, and errors: four queries."""
    owner_ref = entity.owner_ref
    system_ref = _spec_ref(entity, "system", "system") if entity.kind.lower() in ("component", "api", "resource") \
        else ""
    rows = list(
        Relation.objects.filter(
            Q(source_ref=entity.ref) | Q(target_ref=entity.ref)
            | Q(source_ref=owner_ref or "-", type="hasMember")
            | Q(source_ref=system_ref or "-", type="partOf")
        ).values_list("source_ref", "type", "target_ref")
    )
    edges = _edges_of(entity.ref, rows)
    member_refs = sorted({t for s, rtype, t in rows if owner_ref and s == owner_ref and rtype == "hasMember"})
    domain_refs = sorted({t for s, rtype, t in rows if system_ref and s == system_ref and rtype == "partOf"
                          and t.startswith("domain:")})
    resolved = _resolve([o for _, o in edges] + member_refs + domain_refs + [r for r in (owner_ref, system_ref) if r])
    neighbours = [_neighbour(rtype, other, resolved) for rtype, other in edges]
    by_type: dict[str, list[Neighbour]] = defaultdict(list)
    for n in neighbours:
        by_type[n.type].append(n)
    return EntityOverview(
        entity=entity,
        neighbours=neighbours,
        by_type=dict(sorted(by_type.items())),
        owner=_neighbour("ownedBy", owner_ref, resolved) if owner_ref else None,
        owner_members=[_neighbour("hasMember", r, resolved) for r in member_refs],
        system=_neighbour("partOf", system_ref, resolved) if system_ref else None,
        domain=_neighbour("partOf", domain_refs[0], resolved) if domain_refs else None,
        errors=entity_errors(entity=entity),
    )


def entity_errors(*, entity: Entity) -> list[ProcessingError]:
    """Errors pinned on the entity, plus errors of its source file that name no entity."""
    match = Q(entity_ref=entity.ref)
    if entity.location_id and entity.source:
        match |= Q(location_id=entity.location_id, source=entity.source, entity_ref="")
    return list(ProcessingError.objects.filter(match).order_by("source", "document", "id")[:200])


# --- Global search ----------------------------------------------------------------------------


def entity_search(*, query: str, limit: int = 50, user=None) -> list[Entity]:
    """Entities matching `query` in name, title, description, tags or owner; exact names first.
    With `user`, only those catalog.entity.read lets them see."""
    query = (query or "").strip()[:200]
    words = _search_words(query)
    if not words:
        return []
    qs = Entity.objects.only(*LIST_COLUMNS)
    if user is not None:
        from catalog.access import entity_read_filter  # the policy module imports this one

        visible = entity_read_filter(user)
        qs = qs if visible is None else qs.filter(visible)
    contains = Q()
    for word in words:
        contains &= Q(search_text__contains=word)
    order = [
        Case(
            When(name__iexact=query, then=Value(0)),
            When(name__istartswith=words[0], then=Value(1)),
            When(title__icontains=query, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ),
    ]
    prefixes = [re.sub(r"[^\w]+", " ", word).split() for word in words]
    terms = [term for parts in prefixes for term in parts]
    if connection.vendor == "postgresql" and terms:
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        # Prefix terms ("pay:*") against the GIN index of migration 0004; the expression must
        # stay exactly SearchVector("search_text", config="simple") for the index to be used.
        vector = SearchVector("search_text", config="simple")
        search = SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple")
        qs = qs.annotate(matched=vector, rank=SearchRank(vector, search)).filter(matched=search)
        order.append("-rank")
    else:
        qs = qs.filter(contains)
    return _decorate(qs.order_by(*order, "ref")[:limit])


# --- Summary, orphans, errors, locations -----------------------------------------------------


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
    page_obj.object_list = _decorate(page_obj.object_list)
    return page_obj


def orphan_get(*, entity_id: int) -> Entity | None:
    # kind, owner, tags and body: what the policy checks (catalog.access.entity_resource).
    return Entity.objects.filter(pk=entity_id, orphan=True).only(
        "id", "ref", "kind", "owner_ref", "tags", "body", "location_id", "source").first()


def error_list(*, page: int | str = 1, user=None, mine: bool = False, page_size: int = 100,
               visible: Q | None = None) -> Page:
    """Processing errors by location and file; `mine`: those concerning the person's groups' entities."""
    qs = ProcessingError.objects.select_related("location").order_by("location__created_at", "source", "document",
                                                                        "id")
    if visible is not None:  # errors naming an entity the person may not see stay hidden
        qs = qs.filter(Q(entity_ref="") | Q(entity_ref__in=Entity.objects.filter(visible).values("ref")))
    if mine:
        # An invalid document is never stored, so its error is "mine" when it names one of my
        # entities or sits in a file that provides one.
        owned = Entity.objects.filter(owner_ref__in=user_owner_refs(user))
        qs = qs.filter(Q(entity_ref__in=owned.values("ref")) | Q(source__in=owned.values("source")))
    page_obj = Paginator(qs, page_size).get_page(page)
    page_obj.object_list = list(page_obj.object_list)
    for error in page_obj.object_list:
        error.entity_url = entity_url(error.entity_ref) if error.entity_ref else ""
    return page_obj


def location_list(*, page: int | str = 1, page_size: int = 50) -> Page:
    return Paginator(Location.objects.order_by("created_at"), page_size).get_page(page)


def location_get(*, location_id) -> Location | None:
    try:
        return Location.objects.filter(pk=location_id).first()
    except (ValueError, TypeError):
        return None


def location_entities(*, location: Location, limit: int = 200) -> list[Entity]:
    qs = Entity.objects.filter(location=location).only(*LIST_COLUMNS).order_by("ref")[:limit]
    return _decorate(qs)


def location_errors(*, location: Location, limit: int = 200) -> list[ProcessingError]:
    return list(ProcessingError.objects.filter(location=location).order_by("source", "document", "id")[:limit])


def existing_refs(*, refs) -> dict[str, str | None]:
    """ref -> location id (as text) of entities already stored among `refs` (for the import preview)."""
    refs = sorted(set(refs))
    found: dict[str, str | None] = {}
    for start in range(0, len(refs), 1000):
        for ref, location_id in Entity.objects.filter(ref__in=refs[start : start + 1000]).values_list(
            "ref", "location_id"
        ):
            found[ref] = str(location_id) if location_id else None
    return found
