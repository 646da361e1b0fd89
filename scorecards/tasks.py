"""Celery entry points of the scorecards app. Thin: load by id or name, call a service.

The engine's tasks come first; campaign reminder tasks follow at the end of the file.
"""

import logging

from celery import shared_task

from scorecards.models import Scorecard
from scorecards.services import definitions, portal_facts, scoring

logger = logging.getLogger(__name__)

# --- Engine: definitions, portal facts, scores ------------------------------------------------


@shared_task(ignore_result=True)
def scorecard_compute(scorecard_id: int) -> dict:
    """Full compute of one scorecard (after it was registered or its file changed)."""
    scorecard = Scorecard.objects.filter(pk=scorecard_id).first()
    if scorecard is None:
        return {}
    return scoring.scorecard_compute(scorecard=scorecard)


@shared_task(ignore_result=True)
def scores_recompute_all() -> dict:
    """Beat: full recompute of every scorecard (ages move, exemptions expire)."""
    return scoring.scores_recompute_all()


@shared_task(ignore_result=True)
def entities_rescore(entity_refs: list[str]) -> dict:
    """CONTRACT (screports enqueues it after storing facts): rescore these entities on every scorecard."""
    return scoring.entities_rescore(entity_refs=list(entity_refs or []))


@shared_task(ignore_result=True)
def portal_facts_refresh(entity_refs: list[str] | None = None) -> int:
    """Re-read the portal facts of these entities (all when None) and rescore the ones that changed."""
    changed = portal_facts.portal_facts_refresh(entity_refs=entity_refs)
    if changed:
        scoring.entities_rescore(entity_refs=changed)
    return len(changed)


@shared_task(ignore_result=True)
def scorecards_refresh_all() -> int:
    """Beat: re-read every registered scorecard file."""
    return definitions.scorecards_refresh_all()


@shared_task(ignore_result=True)
def scorecards_pushed(web_url: str) -> int:
    """A push landed: refresh the scorecard files that live in that repository."""
    return len(definitions.scorecards_pushed(web_url=web_url))


# --- Exemptions and campaigns (scui) -------------------------------------------------------------
from django.conf import settings  # noqa: E402

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
