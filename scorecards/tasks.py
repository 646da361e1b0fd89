"""Celery entry points of the scorecards app: thin wrappers around services."""

from celery import shared_task
from django.conf import settings

# --- Exemptions and campaigns (scui) -------------------------------------------------------------
from scorecards.services import campaigns as campaign_services  # noqa: E402
from scorecards.services import exemptions as exemption_services  # noqa: E402


@shared_task(acks_late=True)
def exemptions_expire() -> int:
    """Beat: ask for a rescore of the entities whose approved exemption just expired."""
    return len(exemption_services.exemptions_expire())


@shared_task(acks_late=True)
def campaign_reminders_send() -> int:
    """Beat: remind the owners still short of an active campaign's target (the survey reminder limits)."""
    return campaign_services.campaign_reminders_send(base_url=settings.PAVED_PUBLIC_URL.rstrip("/"))
