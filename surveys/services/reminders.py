"""Reminder e-mails to people who have not answered an open campaign."""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from core.notifications import notify
from surveys import selectors
from surveys.models import Campaign, Participation
from surveys.services.campaigns import participation_sync

log = logging.getLogger(__name__)


def reminders_send(*, base_url: str = "") -> int:
    """E-mail each non-respondent of each open campaign, at most PAVED_SURVEYS_MAX_REMINDERS times,
    PAVED_SURVEYS_REMINDER_DAYS apart. Idempotent: a person is claimed (counter bumped, day set)
    by a conditional UPDATE before the mail goes out, so a repeated or concurrent run sends nothing
    twice on the same day. Returns the number of e-mails sent."""
    day = selectors.today()
    due_before = day - datetime.timedelta(days=settings.PAVED_SURVEYS_REMINDER_DAYS - 1)
    sent = 0
    for campaign in Campaign.objects.filter(opens_on__lte=day, closes_on__gte=day):
        participation_sync(campaign=campaign)
        announce_opening(campaign=campaign)
        due = (
            Participation.objects.filter(campaign=campaign, answered=False,
                                         reminders_sent__lt=settings.PAVED_SURVEYS_MAX_REMINDERS)
            .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=due_before))
            .exclude(user__email="")
            .select_related("user")
        )
        for row in due:
            claimed = Participation.objects.filter(
                pk=row.pk, answered=False, reminders_sent=row.reminders_sent
            ).update(reminders_sent=F("reminders_sent") + 1, last_reminded_on=day)
            if not claimed:
                continue
            send_mail(
                subject=f"Reminder: {campaign.title}",
                message=(
                    f"Hello {row.user.get_short_name() or row.user.get_username()},\n\n"
                    f"The developer survey \"{campaign.title}\" is open until {campaign.closes_on:%-d %B %Y}. "
                    "It takes about five minutes and is anonymous: your answers are stored without your name.\n\n"
                    f"{base_url}/surveys/{campaign.pk}/answer/\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[row.user.email],
            )
            sent += 1
    log.info("survey reminders sent: %d", sent)
    return sent


def announce_opening(*, campaign: Campaign) -> int:
    """Tell the campaign's audience (its participation rows) that it is open, once: the campaign is
    claimed by a conditional UPDATE first, so a repeated or concurrent run announces nothing twice."""
    if not Campaign.objects.filter(pk=campaign.pk, announced_at__isnull=True).update(announced_at=timezone.now()):
        return 0
    people = [row.user for row in Participation.objects.filter(campaign=campaign).select_related("user")]
    return notify(users=people, title=f"Survey open: {campaign.title}",
                  description=f"Open until {campaign.closes_on:%-d %B %Y}; about five minutes, and anonymous.",
                  link=f"/surveys/{campaign.pk}/answer/", topic="surveys", origin=f"surveys:campaign:{campaign.pk}")
