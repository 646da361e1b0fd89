"""Celery entry point of template upgrades: a thin wrapper around `scaffolding.lineage.upgrade`.

Celery autodiscovers only `scaffolding/tasks.py`, which imports this module. The task keeps the
name it had as `scaffolding.lineage_tasks`, so messages queued before a deploy still run.
"""

from celery import shared_task

from scaffolding.lineage import upgrade


@shared_task(name="scaffolding.lineage_tasks.lineage_upgrade", acks_late=True, ignore_result=True)
def lineage_upgrade(template_ref: str, actor_id: int | None) -> None:
    # Safe to run twice: a repository whose upgrade branch exists is left alone.
    upgrade.lineage_upgrade(template_ref=template_ref, actor_id=actor_id)
