"""Scaffolder API: the task event stream (server-sent events) replays, follows and ends."""

import json

import pytest
from django.test import Client

from scaffolding.api.stream import task_event_stream
from scaffolding.models import ScaffoldEvent, ScaffoldRun

pytestmark = pytest.mark.django_db

BASE = "/api/scaffolder/v2"


def make_run(user, status="processing") -> ScaffoldRun:
    return ScaffoldRun.objects.create(template_ref="template:default/hello", status=status, created_by=user,
                                      created_by_ref="user:default/owner", spec={"steps": []})


def frames(chunks) -> list[dict]:
    """The events in a stream's chunks, parsed; comments dropped."""
    parsed = []
    for block in b"".join(chunks).decode().split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        parsed.append({"id": int(fields["id"]), "event": fields["event"], "data": json.loads(fields["data"])})
    return parsed


class FakeTime:
    """A clock that only moves when the stream sleeps; `on_sleep` lets a test act as the worker."""

    def __init__(self, on_sleep=None):
        self.now = 0.0
        self.sleeps = 0
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps += 1
        if self.on_sleep:
            self.on_sleep(self)


def test_replays_a_finished_run_and_ends(owner):
    run = make_run(owner, status="completed")
    one = ScaffoldEvent.objects.create(run=run, body={"message": "hello", "stepId": "log"})
    ScaffoldEvent.objects.create(run=run, type="completion", body={"message": "done"})
    fake = FakeTime()
    got = frames(task_event_stream(run_id=run.pk, after=None, clock=fake.clock, sleep=fake.sleep))
    assert [f["event"] for f in got] == ["log", "completion"]
    assert got[0]["id"] == one.pk
    assert got[0]["data"] == {"id": one.pk, "taskId": str(run.pk), "body": {"message": "hello", "stepId": "log"},
                              "type": "log", "createdAt": got[0]["data"]["createdAt"]}
    assert fake.sleeps == 0


def test_replays_only_events_after_the_given_id(owner):
    run = make_run(owner, status="failed")
    first = ScaffoldEvent.objects.create(run=run, body={"message": "one"})
    ScaffoldEvent.objects.create(run=run, body={"message": "two"})
    got = frames(task_event_stream(run_id=run.pk, after=first.pk))
    assert [f["data"]["body"]["message"] for f in got] == ["two"]


def test_follows_new_events_until_the_run_finishes(owner):
    run = make_run(owner)
    ScaffoldEvent.objects.create(run=run, body={"message": "started"})

    def worker(fake):
        if fake.sleeps == 2:
            ScaffoldEvent.objects.create(run=run, body={"message": "step done"})
        if fake.sleeps == 4:
            ScaffoldEvent.objects.create(run=run, type="completion", body={"message": "done"})
            ScaffoldRun.objects.filter(pk=run.pk).update(status="completed")

    fake = FakeTime(worker)
    got = frames(task_event_stream(run_id=run.pk, after=None, clock=fake.clock, sleep=fake.sleep, poll=0.2))
    assert [f["data"]["body"]["message"] for f in got] == ["started", "step done", "done"]
    assert fake.sleeps == 4


def test_sends_heartbeats_and_stops_at_its_lifetime(owner):
    run = make_run(owner)
    fake = FakeTime()
    chunks = list(task_event_stream(run_id=run.pk, after=None, clock=fake.clock, sleep=fake.sleep,
                                    poll=1.0, heartbeat=5.0, lifetime=12.0))
    assert chunks.count(b": heartbeat\n\n") == 2
    assert b"time limit" in chunks[-1]
    assert frames(chunks) == []


def test_ends_when_the_run_is_deleted(owner):
    run = make_run(owner)

    def delete(fake):
        ScaffoldRun.objects.filter(pk=run.pk).delete()

    fake = FakeTime(delete)
    assert frames(task_event_stream(run_id=run.pk, after=None, clock=fake.clock, sleep=fake.sleep)) == []
    assert fake.sleeps == 1


def test_view_streams_with_event_stream_headers(client_owner, owner):
    run = make_run(owner, status="completed")
    event = ScaffoldEvent.objects.create(run=run, type="completion", body={"message": "done"})
    response = client_owner.get(f"{BASE}/tasks/{run.pk}/eventstream")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    got = frames(response.streaming_content)
    assert [f["id"] for f in got] == [event.pk]


def test_view_resumes_after_last_event_id(client_owner, owner):
    run = make_run(owner, status="completed")
    first = ScaffoldEvent.objects.create(run=run, body={"message": "one"})
    ScaffoldEvent.objects.create(run=run, body={"message": "two"})
    response = client_owner.get(f"{BASE}/tasks/{run.pk}/eventstream", HTTP_LAST_EVENT_ID=str(first.pk))
    assert [f["data"]["body"]["message"] for f in frames(response.streaming_content)] == ["two"]


def test_view_of_an_unknown_task_is_a_not_found_envelope(client_owner):
    response = client_owner.get(f"{BASE}/tasks/00000000-0000-0000-0000-000000000000/eventstream")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "NotFoundError"


def test_view_refuses_a_bad_after(client_owner, owner):
    run = make_run(owner)
    assert Client().get(f"{BASE}/tasks/{run.pk}/eventstream").status_code == 401
    assert client_owner.get(f"{BASE}/tasks/{run.pk}/eventstream?after=-3").status_code == 400
