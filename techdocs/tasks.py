"""Celery entry points for TechDocs. Thin: claim the row, call the service."""

from celery import shared_task
from django.db import transaction

from techdocs import services


@shared_task(bind=True, acks_late=True, ignore_result=True)
def docs_build_execute(self, build_id: int) -> None:
    # Claim a queued build, or re-claim our own on redelivery; otherwise it is a duplicate.
    if not services.docs_build_claim(build_id=build_id, task_id=self.request.id or ""):
        return
    services.docs_build_execute(build_id=build_id)


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
