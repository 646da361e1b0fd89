"""Celery entry points of the insights app. Thin: load by id, call a service.

# --- insights: delivery events (inevents) ---
"""

from celery import shared_task

from githost.selectors import repo_commits_pushed
from insights.services import events
from insights.services.health import platform_probe as _probe


@shared_task(acks_late=True, ignore_result=True)
def delivery_process(delivery_id: int) -> str:
    """Normalise and apply one stored delivery (a redelivered message finds it processed: no-op)."""
    return events.delivery_process(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def deliveries_resend() -> int:
    """Beat: queue again the deliveries whose message was lost."""
    return events.deliveries_pending_resend()


@shared_task(ignore_result=True)
def unmatched_rematch() -> int:
    """The catalog changed: match the events still without a component."""
    return events.unmatched_rematch()


@shared_task(acks_late=True, ignore_result=True)
def githost_push_ingest(owner: str, name: str, ref_updates: list) -> None:
    """Read the commits a push to the built-in git host brought and record them as changes."""
    pushes = []
    for ref, old, new in ref_updates:
        commits = repo_commits_pushed(owner=owner, name=name, ref=ref, old=old or "", new=new or "")
        if commits:
            pushes.append({"ref": ref, "new": new, "commits": commits})
    if pushes:
        events.githost_push_record(owner=owner, name=name, pushes=pushes)

# --- end insights: delivery events ---


# --- Platform Health (inhealth) -------------------------------------------------------------------


@shared_task(name="insights.tasks.platform_probe", ignore_result=True)
def platform_probe() -> None:
    _probe()
