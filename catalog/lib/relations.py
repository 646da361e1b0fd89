"""The relations Backstage's built-in processors emit for each kind, in both directions.

Each spec field maps to (relation, reverse relation, default kind of its refs). The
namespace of a ref defaults to the entity's own, as in Backstage.
"""

from dataclasses import dataclass

from catalog.lib.refs import EntityRef, RefError, parse_ref

OWNED_BY = ("ownedBy", "ownerOf", "group")
PART_OF_SYSTEM = ("partOf", "hasPart", "system")

# kind -> [(spec field, relation, reverse, default kind or None)]
SPEC_RELATIONS: dict[str, list[tuple[str, str, str, str | None]]] = {
    "component": [
        ("owner", *OWNED_BY),
        ("system", *PART_OF_SYSTEM),
        ("subcomponentOf", "partOf", "hasPart", "component"),
        ("providesApis", "providesApi", "apiProvidedBy", "api"),
        ("consumesApis", "consumesApi", "apiConsumedBy", "api"),
        ("dependsOn", "dependsOn", "dependencyOf", None),
        ("dependencyOf", "dependencyOf", "dependsOn", None),
    ],
    "api": [("owner", *OWNED_BY), ("system", *PART_OF_SYSTEM)],
    "resource": [
        ("owner", *OWNED_BY),
        ("system", *PART_OF_SYSTEM),
        ("dependsOn", "dependsOn", "dependencyOf", None),
        ("dependencyOf", "dependencyOf", "dependsOn", None),
    ],
    "system": [("owner", *OWNED_BY), ("domain", "partOf", "hasPart", "domain")],
    "domain": [("owner", *OWNED_BY), ("subdomainOf", "partOf", "hasPart", "domain")],
    "user": [("memberOf", "memberOf", "hasMember", "group")],
    "group": [
        ("parent", "childOf", "parentOf", "group"),
        ("children", "parentOf", "childOf", "group"),
        ("members", "hasMember", "memberOf", "user"),
    ],
    "template": [("owner", *OWNED_BY)],
}

RELATION_PAIRS = {
    rel: rev for fields in SPEC_RELATIONS.values() for _, rel, rev, _ in fields
} | {rev: rel for fields in SPEC_RELATIONS.values() for _, rel, rev, _ in fields}


@dataclass(frozen=True, slots=True)
class Edge:
    source: str  # lower-case entity key
    type: str
    target: str


def entity_relations(*, kind: str, namespace: str, self_key: str, spec: dict) -> tuple[list[Edge], list[str]]:
    """(edges in both directions, problems) for one entity's spec."""
    edges: list[Edge] = []
    problems: list[str] = []
    for field, relation, reverse, default_kind in SPEC_RELATIONS.get(kind, ()):
        value = spec.get(field)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for i, raw in enumerate(values):
            where = f"spec.{field}" + (f"[{i}]" if isinstance(value, list) else "")
            try:
                target: EntityRef = parse_ref(raw, default_kind=default_kind, default_namespace=namespace)
            except RefError as exc:
                problems.append(f"{where}: {exc}")
                continue
            edges.append(Edge(self_key, relation, target.key))
            edges.append(Edge(target.key, reverse, self_key))
    return edges, problems
