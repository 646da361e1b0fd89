"""Periodic upkeep of the audit log, and notification e-mail."""

from celery import shared_task

from core.audit import audit_prune
from core.notifications import email_due, prune_read


@shared_task(ignore_result=True)
def audit_prune_old() -> int:
    return audit_prune()


@shared_task(ignore_result=True)
def notifications_email_send() -> int:
    return email_due()


@shared_task(ignore_result=True)
def notifications_prune_old() -> int:
    return prune_read()
