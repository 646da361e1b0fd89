"""The notifications page, the bell and Backstage's notifications API: access, methods, CSRF, own rows only."""

import json

import pytest
from django.test import Client

from core.models import Notification
from core.notifications import notify
from scaffolding.tests.helpers import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(owner, teammate):
    notify(users=[owner], title="Your service is ready", link="/catalog/", origin="scaffolder:task:1")
    notify(users=[owner], title="Docs build failed", severity="high", origin="techdocs")
    notify(users=[teammate], title="Teammate's own", origin="test")
    return Notification.objects.filter(recipient=owner).order_by("id")


def test_the_page_lists_only_ones_own(client_owner, inbox):
    response = client_owner.get("/notifications/")
    assert response.status_code == 200
    assert b"Your service is ready" in response.content and b"Teammate&#x27;s own" not in response.content
    assert b"2 unread" in response.content


def test_signed_out_people_are_sent_to_sign_in(client, inbox):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/bell/").status_code == 302


def test_the_bell_counts_unread(client_owner, inbox):
    response = client_owner.get("/notifications/bell/")
    assert response.status_code == 200 and b'bell-count">2<' in response.content


def test_marking_read_is_a_post_with_csrf(owner, inbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get("/notifications/mark/").status_code == 405
    assert client.post("/notifications/mark/", {"read": "1"}).status_code == 403
    assert inbox.filter(read_at__isnull=True).count() == 2


@pytest.mark.parametrize("ids", ["1,x", "-1", "1;DROP TABLE", ",".join(["1"] * 501)])
def test_hostile_ids_answer_400(client_owner, inbox, ids):
    assert client_owner.post("/notifications/mark/", {"ids": ids, "read": "1"}).status_code == 400
    assert inbox.filter(read_at__isnull=True).count() == 2


def test_marking_another_persons_notification_changes_nothing(client_owner, teammate, inbox):
    theirs = Notification.objects.get(recipient=teammate)
    client_owner.post("/notifications/mark/", {"ids": str(theirs.pk), "read": "1"})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_lists_in_backstages_shape(api_token, inbox):
    client = bearer(api_token)
    body = client.get("/api/notifications/notifications?read=false&limit=1").json()
    assert body["totalCount"] == 2 and len(body["notifications"]) == 1
    item = body["notifications"][0]
    assert set(item) == {"id", "user", "created", "read", "origin", "payload"}
    assert item["payload"]["title"] == "Docs build failed" and item["payload"]["severity"] == "high"
    assert client.get("/api/notifications/status").json() == {"unread": 2, "read": 0}


def test_api_update_marks_read_and_refuses_bad_bodies(api_token, inbox):
    client = bearer(api_token)
    first = str(inbox[0].pk)
    response = client.post("/api/notifications/update", json.dumps({"ids": [first], "read": True}),
                           content_type="application/json")
    assert response.status_code == 200 and response.json()[0]["read"] is not None
    for body in ({"ids": "1"}, {"ids": ["x"]}, {"ids": [first], "read": "yes"}, [1]):
        bad = client.post("/api/notifications/update", json.dumps(body), content_type="application/json")
        assert bad.status_code == 400 and bad.json()["error"]["name"] == "InputError"
    assert client.get("/api/notifications/notifications?limit=abc").status_code == 400
    assert client.delete("/api/notifications/status").status_code == 405
