import pytest
from django.db import transaction

from core.queue import task_enqueue_on_commit

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    from catalog import tasks

    calls = []
    monkeypatch.setattr(tasks.location_refresh, "delay", lambda *args: calls.append(args))
    return calls


def test_the_task_is_sent_by_name_once_the_transaction_commits(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_on_commit("catalog.tasks.location_refresh", "abc")
        assert sent == []  # not before the commit
    assert sent == [("abc",)]


def test_a_rolled_back_request_sends_nothing(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                task_enqueue_on_commit("catalog.tasks.location_refresh", "abc")
                raise RuntimeError("the view failed")
        except RuntimeError:
            pass
    assert sent == []


def test_a_broker_failure_is_logged_and_left_to_the_sweep(monkeypatch, django_capture_on_commit_callbacks, caplog):
    from kombu.exceptions import OperationalError

    from catalog import tasks

    def refuse(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.location_refresh, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_on_commit("catalog.tasks.location_refresh", "abc")
    assert "could not enqueue catalog.tasks.location_refresh('abc',)" in caplog.text
    assert "the periodic sweep will send it" in caplog.text


def test_a_tasks_module_the_process_has_not_imported_is_imported_to_send(monkeypatch):
    from core import queue

    imported = []

    class Registry(dict):
        pass

    registry = Registry()
    monkeypatch.setattr(queue, "current_app", type("App", (), {"tasks": registry})())

    def import_module(name):
        imported.append(name)
        registry["surveys.tasks.results_publish"] = "the task"

    monkeypatch.setattr(queue.importlib, "import_module", import_module)
    assert queue.task_by_name("surveys.tasks.results_publish") == "the task"
    assert imported == ["surveys.tasks"]
