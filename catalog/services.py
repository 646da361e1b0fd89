"""Use cases that change the catalog. Views, tasks, commands and the API call these.

Callers check the access policy first (catalog.access, core.access.require); every change a
person asks for is written to the audit log here, in the same transaction, with the permission's
name as its action. CatalogEvent rows stay as the catalog's own history.
"""

import logging
import os
import time
import urllib.parse
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.ingest import bulk
from catalog.ingest.process import LocationResult, Problem, process_location
from catalog.ingest.readers import read_target
from catalog.ingest.store import StoreStats, stitch, store_location_result
from catalog.models import CatalogEvent, Entity, Location, Relation, SearchEntry, SourceFile
from catalog.revision import revision_bump
from core.access import is_platform_admin
from core.audit import audit_record
from core.queue import task_enqueue_on_commit

logger = logging.getLogger(__name__)

# After this many new or changed entities, refresh the planner's statistics at once rather
# than waiting for autovacuum: with stale ones PostgreSQL scans instead of using the indexes.
BULK_CHANGE = 2000


class LocationExists(Exception):
    def __init__(self, location: Location):
        super().__init__(f"Location {location.ref} already exists")
        self.location = location


@dataclass
class LocationPreview:
    """What registering a location would store, computed without writing anything."""

    type: str
    target: str
    result: LocationResult


def location_target_clean(*, type: str, target: str) -> tuple[str, str]:
    """Normalise and check a location target; raises ValidationError naming the field."""
    type = (type or "").strip()
    target = (target or "").strip()
    if type not in Location.Type.values:
        raise ValidationError({"type": f"Unknown location type {type!r}; expected 'file' or 'url'."})
    if not target:
        raise ValidationError({"target": "A target is required."})
    if len(target) > 2000:
        raise ValidationError({"target": "The target is longer than 2,000 characters."})
    if type == "file":
        if not os.path.isabs(target):
            raise ValidationError({"target": f"{target!r} must be an absolute path."})
        target = os.path.normpath(target)
    else:
        parts = urllib.parse.urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError({"target": f"{target!r} must be an http(s) URL."})
    return type, target


def location_guess(*, raw: str) -> tuple[str, str]:
    """Turn what a person pastes (a URL or a path) into (type, target)."""
    raw = (raw or "").strip()
    if raw.startswith(("http://", "https://")):
        return "url", raw
    if raw.startswith("file:"):
        return "file", raw[5:]
    if raw.startswith("url:"):
        return "url", raw[4:]
    return "file", raw


def location_preview(*, type: str, target: str) -> LocationPreview:
    """Dry run: read and validate everything, store nothing."""
    type, target = location_target_clean(type=type, target=target)
    return LocationPreview(type=type, target=target, result=process_location(type, target))


def location_create(*, type: str, target: str, actor=None) -> Location:
    """Register a location; it is processed by a worker right after the commit."""
    type, target = location_target_clean(type=type, target=target)
    existing = Location.objects.filter(type=type, target=target).first()
    if existing:
        raise LocationExists(existing)
    with transaction.atomic():
        location = Location.objects.create(type=type, target=target, created_by=actor,
                                           refresh_requested_at=timezone.now())
        CatalogEvent.objects.create(action=CatalogEvent.Action.LOCATION_ADDED, subject=location.ref, actor=actor)
        audit_record(actor=actor, action="catalog.location.create", target=location.ref,
                     detail={"location": str(location.pk)})
        _enqueue_refresh(location)
    return location


def _enqueue_refresh(location: Location) -> None:
    task_enqueue_on_commit("catalog.tasks.location_refresh", str(location.pk))


def location_refresh_request(*, location: Location, actor=None, entity: Entity | None = None) -> None:
    """Ask a worker to re-read `location` (for `entity`, when a person refreshed one entity). The
    timestamp makes the request survive a lost message."""
    with transaction.atomic():
        Location.objects.filter(pk=location.pk).update(refresh_requested_at=timezone.now())
        if actor is not None:
            CatalogEvent.objects.create(action=CatalogEvent.Action.REFRESH_REQUESTED, subject=location.ref,
                                        actor=actor)
            if entity is not None:
                audit_record(actor=actor, action="catalog.entity.refresh", target=entity.ref,
                             detail={"location": location.ref})
            else:
                audit_record(actor=actor, action="catalog.location.refresh", target=location.ref)
        _enqueue_refresh(location)


def entity_refresh_request(*, entity: Entity, actor=None) -> Location | None:
    if entity.location_id is None:
        return None
    location = Location.objects.get(pk=entity.location_id)
    location_refresh_request(location=location, actor=actor, entity=entity)
    return location


IDENTITY_KINDS = ("user", "group")


def identities_withhold(*, location: Location, result: LocationResult) -> None:
    """User and Group entities decide who belongs to which team, and so who owns what (and whom
    single sign-on maps a person to): only locations a platform admin registered, or Paved itself
    (no creator: the demo, management commands), may emit them. Others get an error per entity."""
    creator = location.created_by if location.created_by_id else None
    if creator is None or is_platform_admin(creator):
        return
    for key, emitted in list(result.entities.items()):
        if str(emitted.body.get("kind", "")).lower() in IDENTITY_KINDS:
            del result.entities[key]
            result.problems.append(Problem(
                emitted.source, f"{emitted.body['kind']} {key} is not stored: User and Group entities may only "
                "come from locations a platform admin registered (they decide who owns what).", entity_key=key))


def location_refresh(*, location_id) -> StoreStats | None:
    """Read and store one location now. Safe to call twice: unchanged files are skipped."""
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        return None  # removed while the task was queued
    previous = {
        f.target: (f.sha256, f.links.get("targets", []), f.links.get("includes", []))
        for f in SourceFile.objects.filter(location=location)
    }
    started = timezone.now()
    clock = time.perf_counter()
    result = process_location(location.type, location.target, previous=previous, reader=read_target)
    identities_withhold(location=location, result=result)
    read_seconds = time.perf_counter() - clock
    with transaction.atomic():
        location = Location.objects.select_for_update().filter(pk=location_id).first()
        if location is None:
            return None
        stats = store_location_result(location, result)
        # A request that came in while we were reading must get its own run.
        if location.refresh_requested_at and location.refresh_requested_at <= started:
            Location.objects.filter(pk=location.pk).update(refresh_requested_at=None)
    logger.info("refreshed %s: +%s ~%s orphaned %s, %s errors (read %.2fs, stored %.2fs)", location.ref,
                stats.added, stats.updated, stats.orphaned, stats.errors, read_seconds,
                time.perf_counter() - clock - read_seconds)
    if stats.added + stats.updated >= BULK_CHANGE:
        bulk.analyze((Entity, Relation, SearchEntry))
    return stats


def locations_due(*, interval_seconds: int) -> list[str]:
    """Ids of locations whose periodic refresh is due or whose requested refresh never ran."""
    cutoff = timezone.now() - timezone.timedelta(seconds=interval_seconds)
    due = Location.objects.filter(refreshed_at__isnull=True) | Location.objects.filter(refreshed_at__lt=cutoff)
    requested = Location.objects.filter(refresh_requested_at__isnull=False)
    return [str(pk) for pk in (due | requested).values_list("pk", flat=True)]


def _restitch_targets_of(entity_ids) -> set[str]:
    return set(Relation.objects.filter(origin_id__in=entity_ids).values_list("target_ref", flat=True))


@transaction.atomic
def location_delete(*, location: Location, actor=None) -> int:
    """Remove a location and every entity it emitted; relations pointing at them are restitched."""
    ids = list(Entity.objects.filter(location=location).values_list("id", flat=True))
    affected = set()
    for start in range(0, len(ids), 1000):
        affected |= _restitch_targets_of(ids[start : start + 1000])
    refs = set(Entity.objects.filter(location=location).values_list("ref", flat=True))
    CatalogEvent.objects.create(action=CatalogEvent.Action.LOCATION_REMOVED, subject=location.ref, actor=actor)
    audit_record(actor=actor, action="catalog.location.delete", target=location.ref,
                 detail={"entities": len(ids)})
    # Delete the big child tables in bulk first; the ORM's cascade would load every row.
    bulk.delete_where_in(Relation._meta.db_table, "origin_id", ids)
    bulk.delete_where_in(SearchEntry._meta.db_table, "entity_id", ids)
    Entity.objects.filter(location=location)._raw_delete(Entity.objects.db)
    location.delete()
    stitch(affected - refs)
    revision_bump()
    return len(ids)


@transaction.atomic
def entity_delete(*, entity: Entity, actor=None) -> None:
    """Delete one entity (orphans, or via the API). If its location still emits it, it returns."""
    affected = _restitch_targets_of([entity.pk]) - {entity.ref}
    CatalogEvent.objects.create(action=CatalogEvent.Action.ENTITY_DELETED, subject=entity.ref, actor=actor)
    audit_record(actor=actor, action="catalog.entity.delete", target=entity.ref,
                 detail={"location": str(entity.location_id) if entity.location_id else None})
    entity.delete()
    revision_bump()
    if entity.location_id:
        SourceFile.objects.filter(location_id=entity.location_id, target=entity.source).update(sha256="")
    stitch(affected)
