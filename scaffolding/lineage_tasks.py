"""Celery entry point of template upgrades: a thin wrapper around `scaffolding.lineage`.

Celery autodiscovers only `tasks.py`, so scaffolding/tasks.py imports this module.
"""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def lineage_upgrade(template_ref: str, actor_id: int | None) -> None:
    from scaffolding import lineage

    # Safe to run twice: a repository whose upgrade branch exists is left alone.
    lineage.lineage_upgrade(template_ref=template_ref, actor_id=actor_id)
