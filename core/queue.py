"""Enqueueing Celery tasks from services without importing the app's tasks module.

An app's tasks call its services and its services ask for work to be done later: importing one
from the other both ways is a cycle. Services name the task instead (the name Celery registered,
`<app>.tasks.<function>`), and the message leaves only once the transaction that wrote the job's
row commits, so a worker never looks for a row that is not there yet (and a rolled-back request
sends nothing).

The row is the source of truth: when the broker cannot take the message (Redis restarting, a full
disk), the request that wrote the row still succeeds, and the app's beat sweep sends the work
again. Answering 500 there would make a client retry and create the work twice.
"""

import importlib
import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def task_by_name(name: str):
    """The Celery task registered as `name`, importing its module first if this process has not yet
    (workers autodiscover tasks modules; the web process imports them only when it sends one)."""
    if name not in current_app.tasks:
        importlib.import_module(name.rpartition(".")[0])
    return current_app.tasks[name]


def task_enqueue_on_commit(name: str, *args, **kwargs) -> None:
    """Send the task registered as `name` with these arguments once the current transaction commits."""

    def send() -> None:
        try:
            task_by_name(name).delay(*args, **kwargs)
        except Exception as exc:  # any broker failure: the sweep re-sends from the row
            logger.warning("could not enqueue %s%r (%s: %s); the periodic sweep will send it",
                           name, args, type(exc).__name__, exc)

    transaction.on_commit(send)
