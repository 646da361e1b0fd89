"""Celery entry points for TechDocs. Thin: claim the row, call the service."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, ignore_result=True)
def docs_build_execute(self, build_id: int) -> None:
    from techdocs import services

    # Claim a queued build, or re-claim our own on redelivery; otherwise it is a duplicate.
    if not services.docs_build_claim(build_id=build_id, task_id=self.request.id or ""):
        return
    services.docs_build_execute(build_id=build_id)


@shared_task(ignore_result=True)
def docs_scan() -> int:
    """Beat: find documented entities that were never built or whose docs tree changed."""
    from techdocs import services

    return len(services.docs_scan())
