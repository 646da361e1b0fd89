"""Signal receivers of the insights app (connected in apps.py with a dispatch_uid)."""

from django.db import transaction

from catalog.signals import entities_stored
from core.queue import task_enqueue_on_commit
from githost.signals import repository_pushed


def repository_pushed_record_changes(sender, *, owner: str, name: str, ref_updates, **kwargs) -> None:
    """A push landed on the built-in git host: a worker reads its commits (git runs there, not here)."""
    updates = [[ref, old, new] for ref, old, new in ref_updates]
    with transaction.atomic():
        task_enqueue_on_commit("insights.tasks.githost_push_ingest", owner, name, updates)


def entities_stored_rematch(sender, *, refs=(), **kwargs) -> None:
    """Components were added or changed: events kept unmatched may now have their component."""
    if any(str(ref).startswith("component:") for ref in refs):
        with transaction.atomic():
            task_enqueue_on_commit("insights.tasks.unmatched_rematch")


def connect() -> None:
    """Connect this app's receivers to the lower apps' signals."""
    repository_pushed.connect(repository_pushed_record_changes, dispatch_uid="insights.githost_push")
    entities_stored.connect(entities_stored_rematch, dispatch_uid="insights.unmatched_rematch")
