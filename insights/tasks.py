"""Celery entry points of insights: thin wrappers around services."""

from celery import shared_task

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
