"""Celery entry points of the scaffolder: thin wrappers around services and the runner.

Celery autodiscovers this module only, so it imports the lineage tasks too. Services enqueue
`run_execute` by its name (see services.EXECUTE_TASK): this module imports them, not the reverse.
"""

from celery import shared_task

from scaffolding import lineage, runner, services
from scaffolding.lineage import tasks as lineage_tasks  # noqa: F401  (Celery autodiscovers tasks.py only)


@shared_task(name=services.EXECUTE_TASK, bind=True, acks_late=True, ignore_result=True)
def run_execute(self, run_id: str) -> None:
    # Claim an open run (or take back our own after a worker crash); a duplicate message stops here.
    if not services.run_claim(run_id=run_id, task_id=self.request.id or f"eager-{run_id}"):
        return
    status = runner.run_execute(run_id=run_id)
    if status == "completed":
        lineage.lineage_record(run_id=run_id)


@shared_task(ignore_result=True)
def runs_sweep() -> dict:
    return services.runs_sweep()
