import datetime

import pytest

from surveys import services, tasks
from surveys.models import Participation
from surveys.tests.conftest import full_answers

pytestmark = pytest.mark.django_db


def test_reminds_people_who_have_not_answered_a_limited_number_of_times(campaign, owner, settings, mailoutbox):
    settings.PAVED_SURVEYS_MAX_REMINDERS = 2
    services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    assert tasks.reminders_send() == 2  # teammate and outsider
    assert sorted(m.to[0] for m in mailoutbox) == ["outsider@example.com", "teammate@example.com"]
    assert f"/surveys/{campaign.pk}/answer/" in mailoutbox[0].body
    assert tasks.reminders_send() == 0  # same day: nothing twice
    Participation.objects.update(last_reminded_on=datetime.date(2000, 1, 1))
    assert tasks.reminders_send() == 2
    Participation.objects.update(last_reminded_on=datetime.date(2000, 1, 1))
    assert tasks.reminders_send() == 0  # the limit is reached
    assert len(mailoutbox) == 4


def test_shuffle_task_rewrites_recent_campaigns(campaign, owner):
    services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    assert tasks.responses_shuffle() == 1


def test_the_audience_is_told_once_that_a_campaign_opened(campaign, owner, teammate, outsider):
    from core.models import Notification

    tasks.reminders_send()
    tasks.reminders_send()
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "outsider", "owner", "teammate"]
    note = Notification.objects.first()
    assert note.title == f"Survey open: {campaign.title}" and note.link == f"/surveys/{campaign.pk}/answer/"
    campaign.refresh_from_db()
    assert campaign.announced_at is not None
