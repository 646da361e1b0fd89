"""The catalog's side of the access policy: who a person is, and what an entity or location is.

core.access decides; it asks this module (registered in CatalogConfig.ready) for a person's
catalog identity, and callers describe catalog things to it with `entity_resource` and
`location_resource`.
"""

from collections import defaultdict

from catalog.models import Entity, Location, Relation
from catalog.selectors import user_entity_refs
from core.access import Identity, Resource
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
    """An entity as the policy sees it. A Group is also owned by itself, so its members manage it."""
    metadata = (entity.body or {}).get("metadata", {}) if isinstance(entity.body, dict) else {}
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


def location_resource(location: Location) -> Resource:
    """A location is owned by the person who registered it, and by whoever owns every entity it
    emits (owning one of eighty entities must not let someone delete the other seventy-nine)."""
    owners = set(Entity.objects.filter(location=location).values_list("owner_ref", flat=True).distinct())
    return Resource(
        type=LOCATION,
        ref=location.ref,
        owner_refs=frozenset(owners),
        creator_id=location.created_by_id,
        owners_all_required=True,
    )
