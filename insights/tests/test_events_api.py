"""POST /api/events: who may send, what a bad item answers, idempotency, size limits."""

import json

import pytest

from insights.models import Delivery, Deployment
from insights.tests.events_fixtures import events_token, grant, process_pending, sender
from portal.tokens import api_token_create

FIXTURES = (events_token, sender)  # pytest finds fixtures by the names imported here

pytestmark = pytest.mark.django_db
GOOD = {"type": "deployment", "service": "shop", "environment": "production", "time": "2026-01-05T10:00:00Z"}


def send(client, token, payload, **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    return client.post("/api/events", body, content_type="application/json",
                       headers={"Authorization": f"Bearer {token}", **headers})


def test_accepted_then_processed(client, events_token):
    response = send(client, events_token, {"events": [GOOD]})
    assert response.status_code == 202 and response.json() == {
        "status": "accepted", "events": 1, "delivery": response.json()["delivery"]}
    assert process_pending() == ["processed"]
    deployment = Deployment.objects.get()
    assert (deployment.service, deployment.component_ref, deployment.production) == ("shop", "", True)


def test_same_idempotency_key_is_a_duplicate_even_with_another_body(client, events_token):
    assert send(client, events_token, {"events": [GOOD]}, **{"Idempotency-Key": "k1"}).status_code == 202
    again = send(client, events_token, {"events": [GOOD | {"service": "other"}]}, **{"Idempotency-Key": "k1"})
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(("item", "message"), [
    (GOOD | {"time": 12}, "events[1].time: expected a string"),
    (GOOD | {"time": "yesterday"}, "events[1].time: 'yesterday' is not a date-time"),
    (GOOD | {"commits": "abc"}, "events[1].commits: expected a list"),
    (GOOD | {"commits": ["not-a-sha"]}, "events[1].commits[0]: expected a commit SHA"),
    (GOOD | {"status": "maybe"}, "events[1].status: expected one of success, failure, rollback"),
    ({k: v for k, v in GOOD.items() if k != "service"}, "events[1].service: missing"),
    (GOOD | {"service": ""}, "events[1].service: must not be empty"),
    ({"type": "incident", "service": "shop", "opened": "2026-01-05T10:00:00Z", "resolved": "2026-01-04T10:00:00Z"},
     "events[1].resolved: earlier than opened"),
    ({"type": "change", "sha": "abc", "time": "2026-01-05T10:00:00Z"}, "events[1].sha: expected a commit SHA"),
    ({"type": "release"}, "events[1].type: expected one of deployment, incident, change"),
    ("deployment", "events[1]: expected an object"),
])
def test_bad_item_is_400_naming_index_and_field_and_nothing_is_stored(client, events_token, item, message):
    response = send(client, events_token, {"events": [GOOD, item]})
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
    assert message in response.json()["error"]["message"]
    assert Delivery.objects.count() == 0


@pytest.mark.parametrize(("body", "message"), [
    (b'{"events": [', "malformed JSON"), (b"[]", "body: expected an object"), (b'{"events": []}', "at least one"),
    (b'{"items": []}', "body.events: missing"),
])
def test_malformed_or_truncated_body_is_400(client, events_token, body, message):
    response = send(client, events_token, body)
    assert response.status_code == 400 and message in response.json()["error"]["message"]


def test_too_many_items_and_too_many_bytes(client, events_token, settings):
    settings.PAVED_INSIGHTS_EVENTS_MAX_ITEMS = 2
    assert "at most 2 events" in send(client, events_token, {"events": [GOOD] * 3}).json()["error"]["message"]
    settings.PAVED_INSIGHTS_EVENTS_MAX_BYTES = 1024
    response = send(client, events_token, {"events": [GOOD | {"padding": "x" * 2000}]})
    assert response.status_code == 413 and Delivery.objects.count() == 0


def test_read_only_token_is_refused(client, sender):
    token = api_token_create(user=sender, name="r", scope="read")
    response = send(client, token, {"events": [GOOD]})
    assert response.status_code == 403 and Delivery.objects.count() == 0


def test_token_of_someone_without_the_permission_is_403(client, owner):
    token = api_token_create(user=owner, name="e", scope="events")
    response = send(client, token, {"events": [GOOD]})
    assert response.status_code == 403 and "insights.events.write" in response.json()["error"]["message"]


def test_write_token_with_the_permission_may_send(client, sender):
    token = api_token_create(user=sender, name="w", scope="write")
    assert send(client, token, {"events": [GOOD]}).status_code == 202


def test_anonymous_is_401_and_get_is_405(client, events_token):
    assert client.post("/api/events", "{}", content_type="application/json").status_code == 401
    assert client.get("/api/events", headers={"Authorization": f"Bearer {events_token}"}).status_code == 405


def test_events_token_cannot_read_dora(client, events_token):
    assert client.get("/api/insights/dora", headers={"Authorization": f"Bearer {events_token}"}).status_code == 403


def test_session_post_without_csrf_is_refused(django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_user("web", "w@example.com", "x")
    grant(user, "insights.events.write")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/api/events", json.dumps({"events": [GOOD]}), content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]


def test_sending_is_audited(client, events_token):
    from core.models import AuditEntry

    send(client, events_token, {"events": [GOOD, GOOD | {"id": "x"}]})
    entry = AuditEntry.objects.get(action="insights.events.write")
    assert entry.target == "2 events" and entry.actor.username == "ci-bot"
