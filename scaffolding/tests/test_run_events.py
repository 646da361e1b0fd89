"""The one read every event poller uses: the run first, then its events after a cursor."""

import pytest

from scaffolding import selectors
from scaffolding.models import ScaffoldEvent, ScaffoldRun
from scaffolding.tests.test_api_eventstream import FakeTime

pytestmark = pytest.mark.django_db


def make_run(user, status="processing") -> ScaffoldRun:
    return ScaffoldRun.objects.create(template_ref="template:default/hello", status=status, created_by=user,
                                      created_by_ref="user:default/owner", spec={"steps": []})


def log(run, message):
    return ScaffoldEvent.objects.create(run=run, type=ScaffoldEvent.Type.LOG, body={"message": message})


def test_run_events_after_reads_the_run_and_the_events_past_the_cursor(owner):
    run = make_run(owner)
    first, second = log(run, "one"), log(run, "two")
    batch = selectors.run_events_after(run_id=run.pk, after=first.pk)
    assert batch.run == run and not batch.finished
    assert batch.events == [second]
    assert selectors.run_events_after(run_id=run.pk, after=None, limit=1).events == [first]


def test_run_events_after_can_read_only_the_status(owner, django_assert_num_queries):
    run = make_run(owner, status="completed")
    log(run, "done")
    with django_assert_num_queries(2):  # the run row, then the events
        batch = selectors.run_events_after(run_id=run.pk, after=None, fields=("id", "status"))
    assert batch.finished and [e.body["message"] for e in batch.events] == ["done"]


def test_a_deleted_run_reads_as_finished_with_no_events(owner):
    run = make_run(owner)
    log(run, "x")
    run_id = run.pk
    run.delete()
    batch = selectors.run_events_after(run_id=run_id, after=None)
    assert batch.run is None and batch.events == [] and batch.finished


def test_run_events_wait_returns_as_soon_as_a_line_is_written(owner):
    run = make_run(owner)
    fake = FakeTime(on_sleep=lambda f: f.sleeps == 3 and log(run, "late"))
    batch = selectors.run_events_wait(run_id=run.pk, after=None, timeout=30, interval=0.1,
                                      clock=fake.clock, sleep=fake.sleep)
    assert [e.body["message"] for e in batch.events] == ["late"] and fake.sleeps == 3


def test_run_events_wait_stops_when_the_run_finishes_or_time_is_up(owner):
    run = make_run(owner)
    fake = FakeTime(on_sleep=lambda f: f.sleeps == 2 and ScaffoldRun.objects.filter(pk=run.pk).update(
        status=ScaffoldRun.Status.FAILED))
    batch = selectors.run_events_wait(run_id=run.pk, after=None, timeout=30, interval=0.1,
                                      clock=fake.clock, sleep=fake.sleep)
    assert batch.finished and batch.events == [] and fake.sleeps == 2
    idle = make_run(owner)
    fake = FakeTime()
    batch = selectors.run_events_wait(run_id=idle.pk, after=None, timeout=1.0, interval=0.25,
                                      clock=fake.clock, sleep=fake.sleep)
    assert not batch.finished and batch.events == [] and fake.sleeps == 4
    fake = FakeTime()
    selectors.run_events_wait(run_id=idle.pk, after=None, timeout=0, interval=0.25, clock=fake.clock, sleep=fake.sleep)
    assert fake.sleeps == 0  # no wait asked: one read
