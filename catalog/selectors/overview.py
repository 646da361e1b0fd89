"""What the entity page shows about one entity: its relations both ways, resolved in one query,
its owner's members, its system's domain, and the processing errors pinned on it."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from catalog.lib.refs import RefError, parse_ref, split_key
from catalog.lib.relations import RELATION_PAIRS
from catalog.models import Entity, ProcessingError, Relation
from catalog.selectors.entities import entity_url


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

