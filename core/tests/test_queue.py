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
