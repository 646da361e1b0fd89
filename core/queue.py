"""Enqueueing Celery tasks from services without importing the app's tasks module.

An app's tasks call its services and its services ask for work to be done later: importing one
from the other both ways is a cycle. Services name the task instead (the name Celery registered,
`<app>.tasks.<function>`), and the message leaves only once the transaction that wrote the job's
row commits, so a worker never looks for a row that is not there yet (and a rolled-back request
sends nothing). The row stays the source of truth: a message lost here is sent again by the app's
sweep.
"""

from celery import current_app
from django.db import transaction


def task_enqueue_on_commit(name: str, *args, **kwargs) -> None:
    """Send the task registered as `name` with these arguments once the current transaction commits."""
    transaction.on_commit(lambda: current_app.tasks[name].delay(*args, **kwargs))
