"""core.notifications: who gets one, hostile titles and links, e-mail sent once by the task, pruning."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.models import AuditEntry, Notification
from core.notifications import NotificationError, email_due, mark, notify, prune_read, unread_count

pytestmark = pytest.mark.django_db


def test_each_active_person_gets_one(owner, teammate, django_user_model):
    gone = django_user_model.objects.create_user("gone", "gone@example.com", "x", is_active=False)
    count = notify(users=[owner, owner, teammate, gone, None], title="  Task\n done  ", origin="scaffolder:task:1",
                   link="/create/tasks/1/")
    assert count == 2
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["owner", "teammate"]
    assert Notification.objects.first().title == "Task done"
    entry = AuditEntry.objects.get(action="notification.send")
    assert entry.detail["recipients"] == 2 and entry.target == "scaffolder:task:1"


@pytest.mark.parametrize("fields, message", [
    ({"title": "  "}, "title"),
    ({"severity": "apocalyptic"}, "severity"),
    ({"link": "javascript:alert(1)"}, "link"),
    ({"link": "//evil.example/x"}, "link"),
    ({"link": "data:text/html,<script>"}, "link"),
])
def test_hostile_fields_are_refused(owner, fields, message):
    with pytest.raises(NotificationError, match=message):
        notify(users=[owner], origin="test", **{"title": "t", **fields})
    assert not Notification.objects.exists()


def test_marking_touches_only_ones_own(owner, teammate):
    notify(users=[owner, teammate], title="t", origin="test")
    theirs = Notification.objects.get(recipient=teammate)
    assert mark(owner, ids=[theirs.pk], read=True) == 0
    assert unread_count(teammate) == 1
    assert mark(owner, ids=None, read=True) == 1
    assert unread_count(owner) == 0 and unread_count(teammate) == 1


def test_email_is_sent_once_when_the_setting_is_on(owner, teammate, settings, django_capture_on_commit_callbacks):
    settings.PAVED_NOTIFICATIONS_EMAIL = True
    settings.PAVED_PUBLIC_URL = "https://paved.example.com"
    teammate.email = ""
    teammate.save()
    notify(users=[owner, teammate], title="Docs build failed", description="mkdocs said no", link="/docs/x/",
           origin="techdocs")
    assert email_due() == 1 and email_due() == 0
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert mail.outbox[0].subject == "[Paved] Docs build failed"
    assert "https://paved.example.com/docs/x/" in mail.outbox[0].body


def test_no_email_when_the_setting_is_off(owner, settings):
    settings.PAVED_NOTIFICATIONS_EMAIL = False
    notify(users=[owner], title="t", origin="test")
    assert email_due() == 0 and mail.outbox == []


def test_read_notifications_are_pruned_after_the_retention(owner, settings):
    settings.PAVED_NOTIFICATIONS_RETENTION_DAYS = 30
    notify(users=[owner], title="old", origin="test")
    notify(users=[owner], title="unread old", origin="test")
    Notification.objects.update(created=timezone.now() - timedelta(days=40))
    Notification.objects.filter(title="old").update(read_at=timezone.now())
    assert prune_read() == 1
    assert list(Notification.objects.values_list("title", flat=True)) == ["unread old"]
