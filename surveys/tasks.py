from celery import shared_task


@shared_task(acks_late=True)
def reminders_send() -> int:
    from surveys import services

    return services.reminders_send()


@shared_task(acks_late=True)
def responses_shuffle() -> int:
    """Nightly: rewrite recent campaigns' responses in random order (see surveys.models)."""
    import datetime

    from surveys import selectors, services
    from surveys.models import Campaign

    since = selectors.today() - datetime.timedelta(days=2)
    return sum(services.response_shuffle(campaign=c) for c in Campaign.objects.filter(closes_on__gte=since))
