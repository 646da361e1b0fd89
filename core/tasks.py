"""Periodic upkeep of the audit log."""

from celery import shared_task

from core.audit import audit_prune


@shared_task(ignore_result=True)
def audit_prune_old() -> int:
    return audit_prune()
