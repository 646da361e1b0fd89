"""Celery entry points for the catalog. Thin: load by id, call a service."""

from celery import shared_task
from django.conf import settings

from catalog import services


@shared_task(acks_late=True, ignore_result=True)
def location_refresh(location_id: str) -> None:
    services.location_refresh(location_id=location_id)


@shared_task(ignore_result=True)
def catalog_refresh_due() -> int:
    """Beat: enqueue every location whose refresh is due (periodic, or requested and lost)."""
    due = services.locations_due(interval_seconds=settings.PAVED_CATALOG_REFRESH_SECONDS)
    for location_id in due:
        location_refresh.delay(location_id)
    return len(due)
