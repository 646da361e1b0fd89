"""Where a running task reports what it does: rows the task page and the API read.

The runner talks to a reporter object only: `DatabaseProgress` in a run, `NullProgress` where
nothing is stored (template upgrades re-rendering a skeleton); tests pass a recording fake with the
same methods.
"""

from django.db import transaction
from django.utils import timezone

from core.notifications import notify
from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldStep

MAX_MESSAGE = 10_000


class DatabaseProgress:
    def __init__(self, run: ScaffoldRun):
        self.run_id = run.pk

    def log(self, message: str, *, step_id: str | None = None, status: str | None = None) -> None:
        body = {"message": message[:MAX_MESSAGE]}
        if step_id:
            body["stepId"] = step_id
        if status:
            body["status"] = status
        ScaffoldEvent.objects.create(run_id=self.run_id, type=ScaffoldEvent.Type.LOG, body=body)

    def step_start(self, row: ScaffoldStep) -> None:
        ScaffoldStep.objects.filter(pk=row.pk).update(status=ScaffoldStep.Status.PROCESSING,
                                                      started_at=timezone.now(), ended_at=None)

    def step_end(self, row: ScaffoldStep, status: str) -> None:
        ScaffoldStep.objects.filter(pk=row.pk).update(status=status, ended_at=timezone.now())

    def step_checkpoint(self, row: ScaffoldStep, checkpoint: dict, created: list) -> None:
        ScaffoldStep.objects.filter(pk=row.pk).update(checkpoint=checkpoint)
        ScaffoldRun.objects.filter(pk=self.run_id).update(created_resources=created)

    def step_outputs(self, resume_from: int, outputs: dict) -> None:
        """Save progress after each step: a worker that dies resumes after the last finished step."""
        ScaffoldRun.objects.filter(pk=self.run_id).update(resume_from=resume_from, step_outputs=outputs)

    def heartbeat(self) -> None:
        ScaffoldRun.objects.filter(pk=self.run_id, status=ScaffoldRun.Status.PROCESSING).update(
            heartbeat_at=timezone.now())

    def cancel_requested(self) -> bool:
        return ScaffoldRun.objects.filter(pk=self.run_id, cancel_requested=True).exists()

    def finish(self, *, status: str, error: str, output: dict, resume_from: int, created: list,
               dry_run_files: list) -> None:
        now = timezone.now()
        with transaction.atomic():
            fields = {"status": status, "error": error, "output": output, "finished_at": now,
                      "heartbeat_at": now, "resume_from": resume_from, "created_resources": created,
                      "dry_run_files": dry_run_files}
            if status == ScaffoldRun.Status.COMPLETED:
                fields["secrets"] = {}  # nothing will need them again
            ScaffoldRun.objects.filter(pk=self.run_id).update(**fields)
            ScaffoldStep.objects.filter(run_id=self.run_id, status=ScaffoldStep.Status.OPEN,
                                        index__gte=resume_from).update(
                status=ScaffoldStep.Status.CANCELLED if status == ScaffoldRun.Status.CANCELLED
                else ScaffoldStep.Status.OPEN)
            body = {"message": f"Run completed with status: {status}", "status": status, "output": output}
            if error:
                body["error"] = {"name": "Error" if status != "cancelled" else "CancelledError", "message": error}
            # As in Backstage, a cancelled run also ends with a `completion` event (status cancelled);
            # the `cancelled` event itself is written when the cancel is asked for.
            ScaffoldEvent.objects.create(run_id=self.run_id, type=ScaffoldEvent.Type.COMPLETION, body=body)
            _notify_creator(self.run_id, status, error)


def _notify_creator(run_id, status: str, error: str) -> None:
    """Tell the person who started a real (not dry) run how it ended: the bell, and e-mail when that is on."""
    run = ScaffoldRun.objects.filter(pk=run_id).select_related("created_by").only(
        "id", "dry_run", "template_ref", "template_title", "created_by").first()
    if run is None or run.dry_run or run.created_by is None:
        return
    name = run.template_title or run.template_ref
    outcome = {"completed": "finished", "failed": "failed", "cancelled": "was cancelled"}.get(status, status)
    notify(users=[run.created_by], title=f"{name} {outcome}", description=error[:2000],
           link=f"/create/tasks/{run.pk}/", severity="high" if status == ScaffoldRun.Status.FAILED else "normal",
           topic="scaffolder", origin=f"scaffolder:task:{run.pk}")


class NullProgress:
    """Stores nothing: for re-rendering skeletons outside a run (template upgrades) and as a base for fakes."""

    def log(self, message: str, *, step_id: str | None = None, status: str | None = None) -> None:
        pass

    def step_start(self, row) -> None:
        pass

    def step_end(self, row, status: str) -> None:
        pass

    def step_checkpoint(self, row, checkpoint: dict, created: list) -> None:
        pass

    def step_outputs(self, resume_from: int, outputs: dict) -> None:
        pass

    def heartbeat(self) -> None:
        pass

    def cancel_requested(self) -> bool:
        return False

    def finish(self, **fields) -> None:
        pass
