"""Celery wrappers of the maturity services."""

from celery import shared_task

from maturity.services.assessment import snapshot_take_due


@shared_task(name="maturity.tasks.snapshot_quarterly")
def snapshot_quarterly() -> str:
    """Daily: take the quarter's snapshot when it has none yet (so each quarter gets one)."""
    snapshot = snapshot_take_due()
    return snapshot.quarter if snapshot else ""
