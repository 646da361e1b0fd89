"""Celery entry points for TechDocs. Thin: claim the row, call the service."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from core.heartbeat import heartbeat
from techdocs import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def docs_build_execute(self, build_id: int) -> None:
    # Claim a queued build, or re-claim our own on redelivery; otherwise it is a duplicate.
    if not services.docs_build_claim(build_id=build_id, task_id=self.request.id or ""):
        return
    # The heartbeat tells the sweep this worker is alive; a killed worker leaves a stale one.
    with heartbeat(lambda: services.docs_build_beat(build_id=build_id),
                   every=settings.PAVED_TECHDOCS_HEARTBEAT_SECONDS, name=f"docs-build-{build_id}"):
        services.docs_build_execute(build_id=build_id)


@shared_task(ignore_result=True)
def docs_builds_sweep() -> dict:
    """Beat: fail builds whose worker died, re-send queued builds whose message was lost."""
    return services.docs_builds_sweep()


@shared_task(ignore_result=True)
def docs_scan() -> int:
    """Beat: find documented entities that were never built or whose docs tree changed."""
    return len(services.docs_scan())


@shared_task(acks_late=True, ignore_result=True)
def docs_site_refresh(entity_ref: str) -> None:
    """A page found no site for a documented entity: read its source and request its first build
    here, not in the request (reading a source is git, HTTP or disk I/O). Idempotent, like the scan."""
    services.docs_site_refresh(entity_ref=entity_ref)


def docs_site_refresh_enqueue(*, entity_ref: str) -> None:
    """Queue docs_site_refresh once the request's transaction commits."""
    transaction.on_commit(lambda: docs_site_refresh.delay(entity_ref))


@shared_task(ignore_result=True)
def docs_entities_registered(entity_refs: list[str]) -> int:
    """Build the docs of entities the catalog just stored (see techdocs.receivers), not at the next scan."""
    requested = 0
    for ref in entity_refs:
        try:
            requested += services.docs_entity_registered(entity_ref=ref) is not None
        except Exception:  # one entity's broken source must not stop the others; the scan tries again
            logger.exception("could not request a docs build for %s", ref)
    return requested
