"""Celery entry points of the surveys: thin wrappers around services."""

import datetime

from celery import shared_task

from surveys import selectors, services
from surveys.models import Campaign


@shared_task(acks_late=True)
def reminders_send() -> int:
    return services.reminders_send()


@shared_task(acks_late=True)
def responses_shuffle() -> int:
    """Nightly: rewrite recent campaigns' responses in random order (see surveys.models)."""
    since = selectors.today() - datetime.timedelta(days=2)
    return sum(services.response_shuffle(campaign=c) for c in Campaign.objects.filter(closes_on__gte=since))


@shared_task(acks_late=True)
def results_publish(campaign_id: int) -> int:
    """After a submit: publish the campaign's whole batches (see surveys.services.publish)."""
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    if campaign is None:  # deleted since the submit
        return 0
    return services.results_publish(campaign=campaign)


@shared_task(acks_late=True)
def results_publish_due() -> int:
    """Beat: publish what is due (lost enqueues, closed-only campaigns that have just closed)."""
    return services.results_publish_due()
