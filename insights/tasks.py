"""Celery tasks of insights: thin wrappers that call a service."""

from celery import shared_task

from insights.services.health import platform_probe as _probe

# --- Platform Health (inhealth) -------------------------------------------------------------------


@shared_task(name="insights.tasks.platform_probe", ignore_result=True)
def platform_probe() -> None:
    _probe()
