"""Write a processed location to the database in one transaction, then stitch.

Stitching builds each affected entity's final JSON (body + uid + etag + relations +
status) from the relation table, like Backstage's stitcher, so an entity's relations
include the ones other entities emit towards it (ownerOf, hasMember, ...).
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction
from django.utils import timezone

from catalog.ingest import bulk
from catalog.ingest.process import ORPHAN, Emitted, LocationResult, Problem
from catalog.lib.refs import RefError, parse_ref, split_key
from catalog.models import Entity, Location, ProcessingError, Relation, SearchEntry, SourceFile
from catalog.revision import revision_bump
from catalog.signals import entities_stored

logger = logging.getLogger(__name__)

CHUNK = 1000
REF_PARTS = ("kind", "namespace", "name")
ENTITY_COLUMNS = (
    "id", "uid", "ref", "kind", "namespace", "name", "title", "description", "spec_type", "lifecycle",
    "owner_ref", "tags", "body", "final", "etag", "content_hash", "location_id", "source", "orphan",
    "has_errors", "search_text", "created_at", "updated_at",
)


@dataclass
class StoreStats:
    added: int = 0
    updated: int = 0
    orphaned: int = 0
    unchanged: int = 0
    errors: int = 0
    problems: list[Problem] = field(default_factory=list)


def _dumps(value) -> str:
    return orjson.dumps(value).decode()


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _uid_value(uid: uuid.UUID | str):
    uid = uid if isinstance(uid, uuid.UUID) else uuid.UUID(str(uid))
    return str(uid) if bulk.is_postgres() else uid.hex


def entity_columns(body: dict) -> dict:
    """The indexed columns derived from an entity body."""
    metadata, spec = body["metadata"], body.get("spec") or {}
    kind = body["kind"]
    owner = spec.get("owner")
    owner_ref = ""
    if isinstance(owner, str) and owner:
        try:
            owner_ref = parse_ref(owner, default_kind="group", default_namespace=metadata["namespace"]).key
        except RefError:
            owner_ref = ""
    tags = [t for t in metadata.get("tags") or [] if isinstance(t, str)]
    title = metadata.get("title") if isinstance(metadata.get("title"), str) else ""
    description = metadata.get("description") if isinstance(metadata.get("description"), str) else ""
    spec_type = spec.get("type") if isinstance(spec.get("type"), str) else ""
    lifecycle = spec.get("lifecycle") if isinstance(spec.get("lifecycle"), str) else ""
    words = [metadata["name"], title, description, " ".join(tags), owner_ref.split("/")[-1], spec_type, kind]
    return {
        "kind": kind, "namespace": metadata["namespace"], "name": metadata["name"], "title": title[:255],
        "description": description, "spec_type": spec_type[:255], "lifecycle": lifecycle[:255],
        "owner_ref": owner_ref[:320], "tags": tags, "search_text": " ".join(w for w in words if w).lower(),
    }


def _final(body: dict, *, uid, relations: list[tuple[str, str]], status_items: list[dict]) -> tuple[str, str]:
    """(final JSON text, etag) for one entity. Keys are sorted so the etag depends on content
    only (PostgreSQL's jsonb hands bodies back in its own key order)."""
    metadata = {**body["metadata"], "uid": str(uid)}
    metadata.pop("etag", None)
    final = {**body, "metadata": metadata}
    final["relations"] = [
        {"type": rtype, "targetRef": target, "target": dict(zip(REF_PARTS, split_key(target), strict=True))}
        for rtype, target in sorted(set(relations))
    ]
    if status_items:
        final["status"] = {"items": status_items}
    etag = hashlib.sha1(orjson.dumps(final, option=orjson.OPT_SORT_KEYS)).hexdigest()
    metadata["etag"] = etag
    return orjson.dumps(final, option=orjson.OPT_SORT_KEYS).decode(), etag


def status_item(message: str) -> dict:
    return {
        "type": "backstage.io/catalog-processing",
        "level": "error",
        "message": message,
        "error": {"name": "InputError", "message": message},
    }


def stitch(
    keys: set[str], *, pending: dict[str, dict] | None = None, local_edges: dict[str, list] | None = None
) -> None:
    """Rebuild the final JSON of every entity in `keys`; rows in `pending` are inserted.

    An entity's relations are the stored ones plus `local_edges` (source key -> [(type,
    target)]): the edges of the run being stored, which are written after stitching so a big
    import need not read back the rows it has just written.
    """
    pending = pending or {}
    local_edges = local_edges or {}
    keys_list = sorted(keys)
    now = timezone.now()
    for chunk in _chunks(keys_list):
        relations: dict[str, list[tuple[str, str]]] = {}
        for source_ref, rtype, target in Relation.objects.filter(source_ref__in=chunk).values_list(
            "source_ref", "type", "target_ref"
        ):
            relations.setdefault(source_ref, []).append((rtype, target))
        for key in chunk:
            if key in local_edges:
                relations.setdefault(key, []).extend(local_edges[key])
        errors: dict[str, list[dict]] = {}
        for entity_ref, message in ProcessingError.objects.filter(entity_ref__in=chunk).values_list(
            "entity_ref", "message"
        ):
            errors.setdefault(entity_ref, []).append(status_item(message))
        existing = {
            row[1]: row
            for row in Entity.objects.filter(ref__in=[k for k in chunk if k not in pending]).values_list(
                "id", "ref", "uid", "body", "etag"
            )
        }
        inserts, updates = [], []
        for key in chunk:
            if key in pending:
                row = pending[key]
                final, etag = _final(row["body"], uid=row["uid"], relations=relations.get(key, []),
                                     status_items=errors.get(key, []))
                inserts.append(_entity_row(row, final=final, etag=etag, has_errors=key in errors, now=now))
            elif key in existing:
                pk, _, uid, body, old_etag = existing[key]
                final, etag = _final(body, uid=uid, relations=relations.get(key, []), status_items=errors.get(key, []))
                if etag != old_etag:
                    updates.append((final, etag, key in errors, now, pk))
        if inserts:
            bulk.insert_rows(Entity._meta.db_table, ENTITY_COLUMNS, inserts)
        if updates:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f'UPDATE "{Entity._meta.db_table}" SET "final" = %s, "etag" = %s, "has_errors" = %s, '
                    '"updated_at" = %s WHERE "id" = %s',
                    updates,
                )


def _entity_row(row: dict, *, final: str, etag: str, has_errors: bool, now) -> tuple:
    columns = row["columns"]
    values = {
        "id": row["id"], "uid": _uid_value(row["uid"]), "ref": row["key"], "body": _dumps(row["body"]),
        "final": final, "etag": etag, "content_hash": row["content_hash"], "location_id": row["location_id"],
        "source": row["source"], "orphan": False, "has_errors": has_errors, "created_at": now, "updated_at": now,
        **columns, "tags": _dumps(columns["tags"]),
    }
    if not bulk.is_postgres():
        values["location_id"] = values["location_id"].hex if values["location_id"] else None
    return tuple(values[c] for c in ENTITY_COLUMNS)


def _write_edges_and_search(emitted: list[tuple[int, Emitted]]) -> None:
    bulk.insert_rows(
        Relation._meta.db_table,
        ("origin_id", "source_ref", "type", "target_ref"),
        ((pk, e.source, e.type, e.target) for pk, em in emitted for e in em.edges),
    )
    bulk.insert_rows(
        SearchEntry._meta.db_table,
        ("entity_id", "key", "value"),
        ((pk, key, value) for pk, em in emitted for key, value in em.search),
    )


@transaction.atomic
def store_location_result(location: Location, result: LocationResult) -> StoreStats:
    """Apply one processing run of `location`. Nothing already stored is lost on errors:
    entities of files that failed to read or parse are kept as they were."""
    stats = StoreStats(problems=list(result.problems))
    existing = {
        ref: (pk, chash, source, orphan)
        for pk, ref, chash, source, orphan in Entity.objects.filter(location=location).values_list(
            "id", "ref", "content_hash", "source", "orphan"
        )
    }
    kept_sources = {ref for ref, f in result.files.items() if not f.parsed or f.failed}
    affected: set[str] = set()
    emitted = _drop_conflicts(location, result, existing, kept_sources, stats, affected)

    new = [em for key, em in emitted.items() if key not in existing]
    changed = [
        em for key, em in emitted.items()
        if key in existing and (existing[key][1] != em.content_hash or existing[key][3])
    ]
    stats.unchanged = len(emitted) - len(new) - len(changed)
    gone = [
        key for key, (pk, _, source, orphan) in existing.items()
        if key not in emitted and source not in kept_sources and not orphan
    ]

    # Relations and search rows of changed and vanished entities are rebuilt from scratch.
    stale_ids = [existing[em.key][0] for em in changed] + [existing[k][0] for k in gone]
    for chunk in _chunks(stale_ids):
        affected.update(Relation.objects.filter(origin_id__in=chunk).values_list("target_ref", flat=True))
    bulk.delete_where_in(Relation._meta.db_table, "origin_id", stale_ids)
    bulk.delete_where_in(SearchEntry._meta.db_table, "entity_id", [existing[em.key][0] for em in changed])

    for em in changed:
        _update_entity(existing[em.key][0], em)
    new_ids = bulk.allocate_ids(Entity._meta.db_table, len(new))
    local_edges: dict[str, list[tuple[str, str]]] = {}
    for em in [*new, *changed]:
        affected.add(em.key)
        for edge in em.edges:
            affected.add(edge.target)
            local_edges.setdefault(edge.source, []).append((edge.type, edge.target))
    _mark_orphans(gone, stats)
    affected.update(gone)

    _replace_problems(location, result, kept_sources, stats)
    affected.update(p.entity_key for p in stats.problems if p.entity_key)
    affected.update(ProcessingError.objects.filter(location=location).exclude(entity_ref="").values_list(
        "entity_ref", flat=True))

    pending = {
        em.key: {"id": pk, "uid": uuid.uuid4(), "key": em.key, "body": em.body, "content_hash": em.content_hash,
                 "location_id": location.pk, "source": em.source, "columns": entity_columns(em.body)}
        for pk, em in zip(new_ids, new, strict=True)
    }
    stitch(affected, pending=pending, local_edges=local_edges)
    _write_edges_and_search([(existing[em.key][0], em) for em in changed] + list(zip(new_ids, new, strict=True)))
    if new or changed or gone or stats.problems:
        # Only Users and Groups (their memberOf and childOf relations) make up who a person is.
        touched = [em.key for em in (*new, *changed)] + gone
        revision_bump(identities=any(key.startswith(("user:", "group:")) for key in touched))
    _save_files(location, result)
    stats.added, stats.updated, stats.orphaned = len(new), len(changed), len(gone)
    _finish_location(location, result, stats)
    stored = [em.key for em in (*new, *changed)]
    if stored:
        # After commit: receivers (techdocs) read what was stored, and a rolled-back run sends nothing.
        # Unchanged entities are left out, so the periodic refresh of unchanged files sends nothing.
        location_id = str(location.pk)
        transaction.on_commit(lambda: _entities_stored_send(location_id=location_id, refs=stored))
    return stats


def _entities_stored_send(*, location_id, refs: list[str]) -> None:
    """The entities are stored whatever a receiver does: a failing one is logged, not raised."""
    for receiver, result in entities_stored.send_robust(sender=Entity, location_id=location_id, refs=refs):
        if isinstance(result, Exception):
            logger.error("entities_stored receiver %s failed", getattr(receiver, "__qualname__", receiver),
                         exc_info=result)


def _drop_conflicts(location, result, existing, kept_sources, stats, affected: set[str]) -> dict[str, Emitted]:
    """Entities this location may write: not owned by another location, not emitted twice.
    Orphans of other locations are taken over; the targets of their old relations go into
    `affected` so their reverse relations are restitched."""
    emitted = dict(result.entities)
    candidates = [k for k in emitted if k not in existing]
    for chunk in _chunks(candidates):
        for ref, owner_id, orphan, pk in (
            Entity.objects.filter(ref__in=chunk).exclude(location=location).values_list(
                "ref", "location_id", "orphan", "id")
        ):
            em = emitted[ref]
            if orphan:
                # Nobody emits it any more: the new location takes it over.
                affected.update(Relation.objects.filter(origin_id=pk).values_list("target_ref", flat=True))
                Entity.objects.filter(pk=pk).delete()
                continue
            owner = Location.objects.filter(pk=owner_id).first() if owner_id else None
            stats.problems.append(Problem(
                em.source, f"{ref} is already provided by location {owner or 'another source'}; "
                "that location keeps it (conflict)", entity_key="",
            ))
            del emitted[ref]
    for key, em in list(emitted.items()):
        if key in existing and existing[key][2] != em.source and existing[key][2] in kept_sources:
            stats.problems.append(Problem(
                em.source, f"{key} is also emitted by {existing[key][2]}; the first one is kept"))
            del emitted[key]
    return emitted


def _update_entity(pk: int, em: Emitted) -> None:
    columns = entity_columns(em.body)
    Entity.objects.filter(pk=pk).update(
        body=em.body, content_hash=em.content_hash, source=em.source, orphan=False,
        updated_at=timezone.now(), **columns,
    )


def _mark_orphans(keys: list[str], stats: StoreStats) -> None:
    for chunk in _chunks(keys):
        for entity in Entity.objects.filter(ref__in=chunk).only("id", "body"):
            body = entity.body
            body["metadata"].setdefault("annotations", {})[ORPHAN] = "true"
            Entity.objects.filter(pk=entity.pk).update(body=body, orphan=True, updated_at=timezone.now())


def _replace_problems(location, result, kept_sources, stats) -> None:
    re_read = [ref for ref in result.files if ref not in kept_sources or result.files[ref].failed]
    # Problems of the location itself (not of one file) are re-judged on every run. For a `file`
    # location its ref is also its root file's: an unchanged file keeps its problems until it changes.
    if location.ref not in result.files:
        re_read.append(location.ref)
    for chunk in _chunks(re_read):
        ProcessingError.objects.filter(location=location, source__in=chunk).delete()
    ProcessingError.objects.bulk_create(
        ProcessingError(location=location, source=p.source[:2100], document=p.document,
                        entity_ref=p.entity_key[:320], field=p.field[:255], message=p.message)
        for p in stats.problems
    )


def _save_files(location: Location, result: LocationResult) -> None:
    """Remember each file's hash, child targets and includes for the next run's skip."""
    current = {f.target: f for f in SourceFile.objects.filter(location=location)}
    to_create, to_update = [], []
    for ref, state in result.files.items():
        row = current.pop(ref, None)
        if state.failed or (row is not None and not state.parsed):
            continue
        links = {"targets": state.targets, "includes": state.includes}
        if row is None:
            to_create.append(SourceFile(location=location, target=ref, sha256=state.sha256,
                                        entity_count=state.entity_count, links=links))
        else:
            row.sha256, row.entity_count, row.links = state.sha256, state.entity_count, links
            to_update.append(row)
    SourceFile.objects.bulk_create(to_create)
    SourceFile.objects.bulk_update(to_update, ["sha256", "entity_count", "links"])
    SourceFile.objects.filter(pk__in=[row.pk for ref, row in current.items() if ref not in result.files]).delete()


def _finish_location(location: Location, result: LocationResult, stats: StoreStats) -> None:
    stats.errors = ProcessingError.objects.filter(location=location).count()
    location.entity_count = Entity.objects.filter(location=location, orphan=False).count()
    location.error_count = stats.errors
    location.message = result.fatal
    if result.fatal:
        location.status = Location.Status.FAILED
    elif stats.errors:
        location.status = Location.Status.WARNING
    else:
        location.status = Location.Status.OK
    location.refreshed_at = timezone.now()
    location.save(update_fields=["entity_count", "error_count", "message", "status", "refreshed_at"])
