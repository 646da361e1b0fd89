"""Catalog background work: enqueued after commit, run by a real Celery worker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from catalog import services, tasks
from catalog.models import Entity, Location
from portal.celery import app, ensure_broker_folders

from .test_ingest import SERVICE


@pytest.mark.django_db
def test_registering_a_location_enqueues_its_processing_after_commit(
    write_yaml, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.location_refresh, "delay", lambda location_id: sent.append(location_id))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        location = services.location_create(type="file", target=str(write_yaml("svc.yaml", SERVICE)))
    assert sent == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert sent == [str(location.pk)]


@pytest.mark.django_db
def test_the_task_processes_the_location_and_is_idempotent(write_yaml):
    location = Location.objects.create(type="file", target=str(write_yaml("svc.yaml", SERVICE)))
    tasks.location_refresh(str(location.pk))
    tasks.location_refresh(str(location.pk))
    assert Entity.objects.filter(ref="component:default/payment-service").count() == 1


@pytest.mark.django_db
def test_the_beat_sweep_enqueues_due_and_requested_locations(write_yaml, monkeypatch):
    fresh = Location.objects.create(type="file", target=str(write_yaml("a.yaml", SERVICE)))
    services.location_refresh(location_id=fresh.pk)
    never_read = Location.objects.create(type="file", target=str(write_yaml("b.yaml", SERVICE)))
    sent = []
    monkeypatch.setattr(tasks.location_refresh, "delay", lambda location_id: sent.append(location_id))
    assert tasks.catalog_refresh_due() == 1
    assert sent == [str(never_read.pk)]


@pytest.fixture(scope="module")
def celery_worker_thread():
    ensure_broker_folders()
    # Messages other tests left behind (for locations long gone) would only delay this one.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_ingests_a_registered_location(write_yaml, celery_worker_thread):
    location = services.location_create(type="file", target=str(write_yaml("svc.yaml", SERVICE)))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        location.refresh_from_db()
        if location.refreshed_at:
            break
        time.sleep(0.1)
    assert location.refreshed_at, f"the worker did not process the location within 60 s ({location.status})"
    assert Entity.objects.filter(ref="component:default/payment-service").exists()
