"""Docs builds survive a dead worker and a lost message: the row is the truth, the sweep acts on it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from techdocs import services
from techdocs.models import DocsBuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(documented, monkeypatch):
    from techdocs import tasks

    sent = []
    monkeypatch.setattr(tasks.docs_build_execute, "delay", lambda build_id: sent.append(build_id))
    documented("ledger")
    build = DocsBuild.objects.get(pk=services.docs_scan(enqueue=False)[0])
    return build, sent


def _age(build, **fields):
    DocsBuild.objects.filter(pk=build.pk).update(**fields)
    build.refresh_from_db()
    return build


def test_a_running_build_whose_worker_died_is_failed_naming_its_step(queued, settings):
    build, _ = queued
    assert services.docs_build_claim(build_id=build.pk, task_id="t1")
    past = timezone.now() - timedelta(seconds=settings.PAVED_TECHDOCS_STALE_SECONDS + 5)
    _age(build, heartbeat_at=past, step="Building docs with mkdocs")
    assert services.docs_builds_sweep() == {"lost": 1, "resent": 0}
    build.refresh_from_db()
    assert build.status == "failed" and "last step: Building docs with mkdocs" in build.error
    assert services.docs_builds_sweep() == {"lost": 0, "resent": 0}  # once


def test_a_beating_build_is_left_alone(queued):
    build, _ = queued
    services.docs_build_claim(build_id=build.pk, task_id="t1")
    services.docs_build_beat(build_id=build.pk)
    assert services.docs_builds_sweep()["lost"] == 0
    build.refresh_from_db()
    assert build.status == "running"


def test_rebuild_of_a_stuck_build_starts_a_new_one(queued, settings):
    build, _ = queued
    services.docs_build_claim(build_id=build.pk, task_id="t1")
    _age(build, heartbeat_at=timezone.now() - timedelta(seconds=settings.PAVED_TECHDOCS_STALE_SECONDS + 5))
    again = services.docs_build_request(site=build.site, enqueue=False)
    assert again.pk != build.pk and again.status == "queued"
    build.refresh_from_db()
    assert build.status == "failed"


def test_a_queued_build_whose_message_was_lost_is_sent_again_once_per_window(queued, settings,
                                                                             django_capture_on_commit_callbacks):
    build, sent = queued
    _age(build, created_at=timezone.now() - timedelta(seconds=settings.PAVED_TECHDOCS_RESEND_SECONDS + 5))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.docs_builds_sweep() == {"lost": 0, "resent": 1}
    assert sent == [build.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.docs_builds_sweep() == {"lost": 0, "resent": 0}
    assert sent == [build.pk]


def test_the_task_beats_while_it_builds(queued, settings, monkeypatch):
    from techdocs import tasks

    build, _ = queued
    settings.PAVED_TECHDOCS_HEARTBEAT_SECONDS = 0.05
    beats = []
    monkeypatch.setattr(services, "docs_build_beat", lambda build_id: beats.append(build_id))

    def slow_build(*, build_id):
        import time

        time.sleep(0.3)

    monkeypatch.setattr(services, "docs_build_execute", slow_build)
    tasks.docs_build_execute.apply(args=[build.pk])
    assert beats and set(beats) == {build.pk}
