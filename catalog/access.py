"""The catalog's side of the access policy: who a person is, and what an entity or location is.

core.access decides; it asks this module (registered in CatalogConfig.ready) for a person's
catalog identity, and callers describe catalog things to it with `entity_resource` and
`location_resource`.
"""

from collections import defaultdict

from django.db.models import Q

from catalog.models import Entity, Location, Relation, SearchEntry
from catalog.selectors import user_entity_refs
from core.access import GrantSpec, Identity, Resource, authorize, decision, identity_of, require
from core.permissions import ENTITY, LOCATION


def _group_tree() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(parents, children) of every group, from the childOf relations (one query; groups are few)."""
    parents: dict[str, set[str]] = defaultdict(set)
    children: dict[str, set[str]] = defaultdict(set)
    rows = Relation.objects.filter(type="childOf", source_ref__startswith="group:").values_list(
        "source_ref", "target_ref"
    )
    for child, parent in rows:
        parents[child].add(parent)
        children[parent].add(child)
    return parents, children


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:  # the set of seen refs guards against cycles in a hand-written group tree
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def identity_resolve(user) -> Identity:
    """The person's catalog User refs (same user name or e-mail), their groups, and the group tree
    around them. A person with no catalog User is still `user:default/<username>`."""
    user_refs = {row["ref"] for row in user_entity_refs(user)}
    user_refs.add(f"user:default/{user.get_username().lower()}")
    groups = set(
        Relation.objects.filter(type="memberOf", source_ref__in=user_refs).values_list("target_ref", flat=True)
    )
    parents, children = _group_tree() if groups else ({}, {})
    return Identity(
        user_id=user.pk,
        user_refs=frozenset(user_refs),
        groups=frozenset(groups),
        binding_refs=frozenset(user_refs | _closure(groups, parents)),
        ownership_refs=frozenset(user_refs | _closure(groups, children)),
    )


def entity_resource(entity: Entity) -> Resource:
    """An entity as the policy sees it. A Group is also owned by itself, so its members manage it.
    A list row loaded without its body has no annotations here: grants only ever allow, so that
    can hide a button, never show one (the action itself checks the full entity)."""
    body = None if "body" in entity.get_deferred_fields() else entity.body
    metadata = (body or {}).get("metadata", {}) if isinstance(body, dict) else {}
    owners = {entity.owner_ref} if entity.owner_ref else set()
    if entity.kind.lower() == "group":
        owners.add(entity.ref)
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    return Resource(
        type=ENTITY,
        ref=entity.ref,
        owner_refs=frozenset(owners),
        kind=entity.kind,
        tags=frozenset(str(t) for t in (entity.tags or [])),
        annotations=annotations,
    )


def location_resources(locations) -> dict:
    """location_resource for a page of locations, their owners read in one query."""
    owners: dict = defaultdict(set)
    # Location entities (the generated root and `kind: Location` files) have no owner: they only
    # point at the files whose entities count.
    rows = Entity.objects.filter(location__in=[loc.pk for loc in locations]).exclude(
        ref__startswith="location:").values_list("location_id", "owner_ref").distinct()
    for location_id, owner_ref in rows:
        owners[location_id].add(owner_ref)
    return {loc.pk: Resource(type=LOCATION, ref=loc.ref, owner_refs=frozenset(owners[loc.pk]),
                             creator_id=loc.created_by_id, owners_all_required=True) for loc in locations}


def location_resource(location: Location) -> Resource:
    """A location is owned by the person who registered it, and by whoever owns every entity it
    emits (owning one of eighty entities must not let someone delete the other seventy-nine)."""
    return location_resources([location])[location.pk]


# --- Reads filtered in the database -------------------------------------------------------------

READ = "catalog.entity.read"
TAGS_KEY = "metadata.tags"
NOTHING = Q(pk__in=[])


def _rule_q(grant: GrantSpec, identity: Identity) -> Q:
    """One conditional grant of catalog.entity.read as a condition on indexed columns; the same
    meaning as core.access.rule_holds (an unknown rule matches nothing). SearchEntry values are
    lower case, so tag and annotation values compare case-insensitively here."""
    params = grant.params or {}
    if grant.rule == "IS_ENTITY_OWNER":
        refs = sorted(identity.ownership_refs)
        # A Group is owned by itself too (entity_resource).
        return Q(owner_ref__in=refs) | Q(ref__in=[r for r in refs if r.startswith("group:")])
    if grant.rule == "IS_ENTITY_KIND":
        kinds = params.get("kinds", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        condition = NOTHING
        for kind in {str(k).lower() for k in kinds}:
            # Refs start with the lower-case kind: a range of the unique ref index.
            condition |= Q(ref__startswith=f"{kind}:")
        return condition
    if grant.rule == "HAS_TAG":
        tag = str(params.get("tag", "")).lower()
        return Q(id__in=SearchEntry.objects.filter(key=TAGS_KEY, value=tag).values("entity_id"))
    if grant.rule == "HAS_ANNOTATION":
        key = str(params.get("annotation", "")).lower()
        if not key:
            return NOTHING
        entries = SearchEntry.objects.filter(key=f"metadata.annotations.{key}")
        if "value" in params:
            entries = entries.filter(value=str(params["value"]).lower())
        return Q(id__in=entries.values("entity_id"))
    return NOTHING


def entity_read_filter(user) -> Q | None:
    """What catalog.entity.read lets `user` see, as a Q on Entity; None when everything (the
    default), so lists and the API add no condition and no query."""
    allowed = decision(user, READ)
    if allowed.allow_all:
        return None
    identity = identity_of(user)
    if allowed.denied or identity is None:
        return NOTHING
    condition = NOTHING
    for grant in allowed.conditions:
        condition |= _rule_q(grant, identity)
    return condition


def entity_readable(user, entity: Entity) -> bool:
    return authorize(user, READ, entity_resource(entity))


def location_unregister_allowed(user, entity: Entity) -> Location | None:
    """The entity's location when `user` may remove it whole (Backstage's "Unregister location"):
    catalog.location.delete holds only if the person registered it or owns every entity it emits."""
    if entity.location_id is None:
        return None
    location = Location.objects.filter(pk=entity.location_id).first()
    if location is None or not authorize(user, "catalog.location.delete", location_resource(location)):
        return None
    return location


def location_read_require(user, location: Location) -> None:
    """catalog.location.read on `location`; the owners query only runs for conditional grants."""
    if not decision(user, "catalog.location.read").allow_all:
        require(user, "catalog.location.read", location_resource(location))


def locations_readable(user, locations) -> list[Location]:
    """The locations `user` may see: all of them by default; else checked one by one (owning a
    location depends on every entity it emits)."""
    locations = list(locations)
    allowed = decision(user, "catalog.location.read")
    if allowed.allow_all:
        return locations
    if allowed.denied:
        require(user, "catalog.location.read")
    resources = location_resources(locations)
    return [loc for loc in locations if authorize(user, "catalog.location.read", resources[loc.pk])]
