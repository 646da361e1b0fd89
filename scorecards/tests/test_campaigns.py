"""Campaigns: created and ended by those who manage them (audited), progress per team over the scorecard's
entities narrowed by a catalog filter, and reminders under the surveys' limits."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from core.models import AuditEntry, Notification
from scorecards.models import Campaign, CampaignReminder
from scorecards.services import campaigns as svc
from scorecards.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")


@pytest.fixture
def card(org):
    card = f.scorecard()
    f.score(card, "orders", points=78, failing=("runbook",), level="Silver")          # team-a, production
    f.score(card, "billing", points=41, failing=("docs", "runbook"), level="Bronze",  # team-b, production
            owner="group:default/team-b")
    f.score(card, "not-in-catalog", points=95, level="Gold", owner="group:default/team-b")
    return card


def _due(days: int = 60) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_create_needs_the_permission_and_is_audited(card, owner, admin):
    with pytest.raises(PermissionDenied):
        svc.campaign_create(user=owner, scorecard=card, title="Silver", target_level="Silver", due=_due())
    campaign = svc.campaign_create(user=admin, scorecard=card, title="  Silver   by March ", target_level="Silver",
                                   applies_to="spec.lifecycle=production", due=_due())
    assert campaign.title == "Silver by March" and campaign.created_by == admin
    assert AuditEntry.objects.filter(action="scorecards.campaign.create", actor=admin).exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": "", "target_level": "Silver"}, "title"),
    ({"title": "t", "target_level": "Silver", "target_check": "docs"}, "target"),
    ({"title": "t"}, "target"),
    ({"title": "t", "target_level": "Platinum"}, "target_level"),
    ({"title": "t", "target_check": "<img src=x>"}, "target_check"),
    ({"title": "t", "target_level": "Silver", "applies_to": "=nokey"}, "applies_to"),
    ({"title": "t", "target_level": "Silver", "due": "yesterday"}, "due"),
    ({"title": "t", "target_level": "Silver", "due": datetime.date(2000, 1, 1)}, "due"),
])
def test_bad_campaigns_name_the_field(card, admin, fields, field):
    fields = {"due": _due(), **fields}
    with pytest.raises(ValidationError) as info:
        svc.campaign_create(user=admin, scorecard=card, **fields)
    assert field in info.value.message_dict
    assert not Campaign.objects.exists()


def test_progress_per_team_by_level_and_filter(card, admin):
    campaign = svc.campaign_create(user=admin, scorecard=card, title="Silver", target_level="Silver",
                                   applies_to="spec.lifecycle=production", due=_due())
    progress = svc.campaign_progress(campaign=campaign)
    assert [(t.owner_ref, t.met, t.total) for t in progress.teams] == [
        ("group:default/team-b", 0, 1), ("group:default/team-a", 1, 1)]
    assert (progress.met, progress.total, progress.percent) == (1, 2, 50)
    everything = svc.campaign_create(user=admin, scorecard=card, title="All", target_level="Silver", due=_due())
    assert svc.campaign_progress(campaign=everything).total == 3  # Gold counts as reaching Silver
    assert svc.campaign_progress(campaign=everything).met == 2


def test_progress_by_check_counts_exempt_as_meeting(card, admin):
    from scorecards.models import CheckOutcome

    CheckOutcome.objects.filter(score__entity_ref="component:default/billing", check_key="docs").update(state="exempt")
    campaign = svc.campaign_create(user=admin, scorecard=card, title="Docs", target_check="docs", due=_due())
    assert svc.campaign_progress(campaign=campaign).met == 3
    runbook = svc.campaign_create(user=admin, scorecard=card, title="Runbooks", target_check="runbook", due=_due())
    assert [s.entity_name for s in svc.campaign_short_of(campaign=runbook, owner_ref="group:default/team-b")] == \
        ["billing"]


def test_reminders_follow_the_survey_limits(card, admin, owner, teammate, settings):
    settings.PAVED_SURVEYS_MAX_REMINDERS = 2
    settings.PAVED_SURVEYS_REMINDER_DAYS = 7
    campaign = svc.campaign_create(user=admin, scorecard=card, title="Runbooks", target_check="runbook", due=_due())
    now = timezone.now()
    sent = svc.campaign_reminders_send(now=now, base_url="https://paved.example.com")
    # team-a (owner, teammate) and team-b (outsider) each fall short.
    assert sent == 3 and len(mail.outbox) == 2
    assert sorted(mail.outbox[0].to + mail.outbox[1].to) == ["outsider@example.com", "owner@example.com",
                                                             "teammate@example.com"]
    assert "https://paved.example.com/scorecards/campaigns/" in mail.outbox[0].body
    assert Notification.objects.filter(recipient=owner, title="Campaign: Runbooks").count() == 1
    assert svc.campaign_reminders_send(now=now + datetime.timedelta(days=1)) == 0      # too soon
    assert svc.campaign_reminders_send(now=now + datetime.timedelta(days=8)) == 3      # second reminder
    assert svc.campaign_reminders_send(now=now + datetime.timedelta(days=16)) == 0     # limit reached
    assert set(CampaignReminder.objects.values_list("count", flat=True)) == {2}
    svc.campaign_end(user=admin, campaign=campaign)
    CampaignReminder.objects.update(count=0)
    assert svc.campaign_reminders_send(now=now + datetime.timedelta(days=30)) == 0     # ended


def test_reminders_skip_teams_meeting_the_target_and_past_due(card, admin):
    campaign = svc.campaign_create(user=admin, scorecard=card, title="Docs", target_check="docs", due=_due(1))
    assert svc.campaign_reminders_send() == 1  # only team-b (billing fails docs)
    Campaign.objects.filter(pk=campaign.pk).update(due=timezone.localdate() - datetime.timedelta(days=1))
    CampaignReminder.objects.all().delete()
    assert svc.campaign_reminders_send() == 0


def test_end_needs_the_permission_once(card, admin, owner):
    campaign = svc.campaign_create(user=admin, scorecard=card, title="x", target_level="Gold", due=_due())
    with pytest.raises(PermissionDenied):
        svc.campaign_end(user=owner, campaign=campaign)
    svc.campaign_end(user=admin, campaign=campaign)
    with pytest.raises(ValidationError):
        svc.campaign_end(user=admin, campaign=campaign)
    assert AuditEntry.objects.filter(action="scorecards.campaign.end").count() == 1


def test_reminder_task_calls_the_service(monkeypatch):
    from scorecards import tasks

    monkeypatch.setattr(tasks.campaign_services, "campaign_reminders_send", lambda base_url: 7)
    assert tasks.campaign_reminders_send() == 7


# --- Views ---------------------------------------------------------------------------------------


def test_campaign_pages(card, admin, client_owner):
    admin_client = Client()
    admin_client.force_login(admin)
    assert "Start a campaign" not in client_owner.get("/scorecards/campaigns/").content.decode()
    assert client_owner.post("/scorecards/campaigns/", {"scorecard": card.slug, "title": "x",
                                                        "target_level": "Gold", "due": _due().isoformat()}
                             ).status_code == 403
    response = admin_client.post("/scorecards/campaigns/", {"scorecard": card.slug, "title": "Silver for prod",
                                                            "target_level": "Silver", "due": _due().isoformat(),
                                                            "applies_to": "spec.lifecycle=production"})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/scorecards/campaigns/{campaign.pk}/"
    body = client_owner.get(f"/scorecards/campaigns/{campaign.pk}/?team=group:default/team-b").content.decode()
    assert "1 of 2" in body and "group:default/team-b" in body and "billing" in body
    assert "End campaign" not in body
    assert client_owner.post(f"/scorecards/campaigns/{campaign.pk}/end/").status_code == 403
    assert admin_client.post(f"/scorecards/campaigns/{campaign.pk}/end/").status_code == 302
    assert Campaign.objects.get().status == "ended"
    assert client_owner.get("/scorecards/campaigns/999/").status_code == 404


def test_campaign_form_errors_are_shown(card, admin):
    client = Client()
    client.force_login(admin)
    response = client.post("/scorecards/campaigns/", {"scorecard": card.slug, "title": "t", "target_level": "Silver",
                                                      "target_check": "docs", "due": _due().isoformat()})
    assert response.status_code == 400 and "choose a level to reach or a check to pass" in response.content.decode()
    response = client.post("/scorecards/campaigns/", {"scorecard": "nope", "title": "t", "due": "x"})
    assert response.status_code == 400 and not Campaign.objects.exists()


def test_campaign_pages_query_counts_do_not_grow(card, admin, client_owner, django_assert_max_num_queries):
    campaign = svc.campaign_create(user=admin, scorecard=card, title="Gold", target_level="Gold", due=_due())
    url = f"/scorecards/campaigns/{campaign.pk}/?team=group:default/team-b"
    client_owner.get(url)
    with django_assert_max_num_queries(12) as few:
        client_owner.get(url)
        client_owner.get("/scorecards/campaigns/")
    for i in range(30):
        f.score(card, f"more-{i}", points=50, owner=f"group:default/team-{i % 5}")
        svc.campaign_create(user=admin, scorecard=card, title=f"c{i}", target_level="Silver", due=_due())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_owner.get(url)
        client_owner.get("/scorecards/campaigns/")
