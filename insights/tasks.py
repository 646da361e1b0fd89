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


# --- insights: cost (tasks of the cost attribution; keep together at the end) ---


@shared_task(acks_late=True)
def cost_import_run(import_id: int) -> str:
    """Stream one stored upload into cost lines (a repeated message finds it claimed and does nothing)."""
    from insights.services.cost import cost_import_run as run

    job = run(import_id=import_id)
    return job.status if job is not None else "skipped"


@shared_task(acks_late=True)
def cost_imports_sweep() -> int:
    from insights.services.cost import cost_imports_sweep as sweep

    return sweep()


@shared_task(acks_late=True)
def cost_opencost_fetch() -> int:
    """Beat: import this and last month's allocations from PAVED_OPENCOST_URL (when set)."""
    from insights.services.cost import cost_opencost_fetch as fetch

    return len(fetch())


@shared_task(acks_late=True)
def cost_reports_send() -> int:
    """Beat (hourly, idempotent): e-mail last month's cost report to each team, once."""
    from insights.services.cost import cost_reports_send as send

    return send()
