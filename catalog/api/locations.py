"""Location and lineage helpers for the API: JSON shapes, ancestry, dry runs, validation."""

import copy

from catalog.api.serializers import dumps
from catalog.ingest.process import (
    MANAGED_BY_LOCATION,
    MANAGED_BY_ORIGIN,
    emit_entity,
    location_targets,
    root_location_entity,
)
from catalog.lib.refs import stringify_ref
from catalog.models import Entity, Location
from catalog.services import LocationPreview
from core.api.errors import InputError

MAX_DEPTH = 50


def location_json(location: Location) -> dict:
    return {"id": str(location.pk), "type": location.type, "target": location.target}


def entity_ancestry_text(entity: Entity) -> str:
    """{rootEntityRef, items: [{entity, parentEntityRefs}]}: the entity, then the Location
    entities that emitted it (the one whose target is its file), up to the generated root."""
    nodes = {entity.ref: entity}
    parents_of_file: dict[str, list[str]] = {}
    if entity.location_id:
        locations = Entity.objects.filter(location_id=entity.location_id, ref__startswith="location:").only(
            "ref", "kind", "namespace", "name", "body", "source", "final"
        )
        for location_entity in locations:
            nodes[location_entity.ref] = location_entity
            for file_ref in location_targets(location_entity.body, location_entity.source):
                parents_of_file.setdefault(file_ref, []).append(location_entity.ref)
    items, seen, queue = [], set(), [entity.ref]
    while queue and len(items) < MAX_DEPTH:
        ref = queue.pop(0)
        if ref in seen:
            continue
        seen.add(ref)
        node = nodes[ref]
        parents = [p for p in parents_of_file.get(node.source, []) if p != ref]
        refs = [stringify_ref(nodes[p].kind, nodes[p].namespace, nodes[p].name) for p in parents]
        items.append('{"entity":' + node.final + ',"parentEntityRefs":' + dumps(refs) + "}")
        queue.extend(parents)
    root = stringify_ref(entity.kind, entity.namespace, entity.name)
    return '{"rootEntityRef":' + dumps(root) + ',"items":[' + ",".join(items) + "]}"


def preview_entities(preview: LocationPreview) -> list[dict]:
    """What a dry run found; InputError when the target cannot be read or holds invalid entities."""
    result = preview.result
    if result.fatal:
        raise InputError(f"Unable to read {preview.type}:{preview.target}: {result.fatal}")
    if result.problems:
        messages = "; ".join(f"{p.source}: {p.message}" for p in result.problems[:5])
        more = f" (and {len(result.problems) - 5} more)" if len(result.problems) > 5 else ""
        raise InputError(f"The location has errors: {messages}{more}")
    return [em.body for em in result.entities.values()]


def preview_files(preview: LocationPreview) -> list[dict]:
    """analyze-location's existingEntityFiles: each entity with the file it is in."""
    result = preview.result
    if result.fatal:
        raise InputError(f"Unable to read {preview.type}:{preview.target}: {result.fatal}")
    generated = root_location_entity(preview.type, preview.target)["metadata"]["name"]
    emitted = [em for em in result.entities.values() if em.key != f"location:default/{generated}"]
    existing = set(Entity.objects.filter(ref__in=[em.key for em in emitted][:10_000]).values_list("ref", flat=True))
    files = []
    for em in emitted:
        location_type, _, target = em.source.partition(":")
        files.append({"location": {"type": location_type, "target": target}, "isRegistered": em.key in existing,
                      "entity": em.body})
    return files


def entity_validation_errors(entity: object, location_ref: object) -> list[dict]:
    """Backstage's validate-entity: [] when valid, else serialized InputErrors."""
    if not isinstance(location_ref, str) or ":" not in location_ref or not location_ref.partition(":")[0]:
        raise InputError("location must be a location reference string such as 'url:https://...'.")
    body = copy.deepcopy(entity)
    if isinstance(body, dict) and isinstance(body.get("metadata"), dict):
        metadata = body["metadata"]
        metadata.setdefault("namespace", "default")
        annotations = metadata.get("annotations")
        if annotations is None or isinstance(annotations, dict):
            metadata["annotations"] = {**(annotations or {}), MANAGED_BY_LOCATION: location_ref,
                                       MANAGED_BY_ORIGIN: location_ref}
    _, errors = emit_entity(body, source=location_ref)
    return [{"name": "InputError", "message": str(error)} for error in errors]
