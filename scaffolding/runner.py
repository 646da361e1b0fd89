"""Run a claimed ScaffoldRun's steps in order, on a worker.

Each step: evaluate `if`, expand `each`, render `input` (with secrets, opaque: see
lib/expressions/opaque.py), check it against the action's input schema, run the action in the run's
workspace, keep its outputs. Progress goes
through a reporter (`DatabaseProgress` in production, a recording fake in tests). A watchdog
thread beats the heartbeat, notices a cancel request or the time limit, and then sets the event
that actions and `run_command` watch, so a running action is interrupted too.

A retry starts at `resume_from`. The workspace is always removed at the end, so the steps before
that point whose action `builds_files` (fetch:*, fs:*, catalog:write) run again to rebuild it; the
others are not re-run and their stored outputs are reused. The run's secrets are decrypted in memory
when it starts and wiped from its row when it ends, whatever the outcome; a retry asks for them again.
"""

import logging
import shutil
import threading
import time
from pathlib import Path

import jsonschema
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from catalog.models import Entity
from scaffolding.actions import action_registry
from scaffolding.actions.base import ActionCancelled, ActionContext, ActionError, ActionUser
from scaffolding.lib.examples import example_from_schema
from scaffolding.lib.expressions import ExpressionError, evaluate_condition, render_input, render_value
from scaffolding.lib.redact import Redactor
from scaffolding.lib.sealed import SecretsUnreadable
from scaffolding.lib.workspace import materialise_files, workspace_files
from scaffolding.models import ScaffoldRun, ScaffoldStep
from scaffolding.progress import DatabaseProgress, NullProgress
from scaffolding.services import run_secrets_wipe, step_id_of

logger = logging.getLogger(__name__)

MAX_EACH = 500


class StepFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Watchdog(threading.Thread):
    """Heartbeat + cancel/time-limit watcher for one run (its own DB connection)."""

    def __init__(self, run_id, report, cancel_event: threading.Event, deadline: float):
        super().__init__(daemon=True, name=f"scaffold-watchdog-{run_id}")
        self.run_id, self.report, self.cancel_event, self.deadline = run_id, report, cancel_event, deadline
        self.stopped = threading.Event()
        self.reason = ""

    def run(self) -> None:
        beat_every = settings.PAVED_SCAFFOLDER_HEARTBEAT_SECONDS
        last_beat = time.monotonic()
        try:
            while not self.stopped.wait(0.5):
                if time.monotonic() > self.deadline:
                    self.reason = "timeout"
                    self.cancel_event.set()
                elif self.report.cancel_requested():
                    self.reason = "cancelled"
                    self.cancel_event.set()
                if time.monotonic() - last_beat >= beat_every:
                    self.report.heartbeat()
                    last_beat = time.monotonic()
        except Exception:  # a broken DB connection must not kill the run; the sweep covers us
            logger.exception("scaffolder watchdog for %s stopped", self.run_id)
        finally:
            connection.close()


def _user_context(run: ScaffoldRun) -> tuple[dict, ActionUser]:
    entity = {}
    if run.created_by_ref:
        row = Entity.objects.filter(ref=run.created_by_ref).only("body").first()
        entity = row.body if row else {}
    user = run.created_by
    profile = (entity.get("spec") or {}).get("profile") or {}
    action_user = ActionUser(
        username=user.get_username() if user else "paved",
        email=(user.email if user else "") or profile.get("email", "") or "paved@localhost",
        display_name=(user.get_full_name() if user else "") or profile.get("displayName", "")
        or (user.get_username() if user else "Paved"),
        entity_ref=run.created_by_ref,
    )
    return {"entity": entity, "ref": run.created_by_ref}, action_user


def _without_none(value):
    """Backstage drops values that render to undefined; so do we, at any depth of the output."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return {} if value is None else value


def _check_input(action, rendered: dict, step_label: str) -> None:
    try:
        jsonschema.validate(rendered, action.input_schema)
    except jsonschema.ValidationError as exc:
        field = ".".join(str(p) for p in exc.absolute_path) or "input"
        raise StepFailed(f"{step_label}: input {field}: {exc.message}") from None
    except jsonschema.SchemaError as exc:
        raise StepFailed(f"{step_label}: the action's input schema is broken: {exc.message}") from None


def _iterations(step: dict, context: dict, step_label: str) -> list[dict | None]:
    if "each" not in step:
        return [None]
    try:
        value = render_value(step["each"], context)
    except ExpressionError as exc:
        raise StepFailed(f"{step_label}: each: {exc}") from None
    if isinstance(value, list):
        items = [{"key": str(i), "value": v} for i, v in enumerate(value)]
    elif isinstance(value, dict):
        items = [{"key": str(k), "value": v} for k, v in value.items()]
    else:
        raise StepFailed(f"{step_label}: each must render to a list or an object, got {type(value).__name__}")
    if len(items) > MAX_EACH:
        raise StepFailed(f"{step_label}: each has {len(items)} items; at most {MAX_EACH} are allowed")
    return items


class Execution:
    """The state of one attempt at a run."""

    def __init__(self, run: ScaffoldRun, report, actions: dict, cancel_event: threading.Event, deadline: float):
        self.run, self.report, self.actions = run, report, actions
        self.cancel_event, self.deadline = cancel_event, deadline
        self.workspace = Path(settings.PAVED_SCAFFOLDER_WORKSPACE_DIR) / str(run.pk)
        self.user_context, self.action_user = _user_context(run)
        self.steps_context: dict = {k: {"output": v} for k, v in (run.step_outputs or {}).items()}
        self.secrets: dict = {}
        self.redactor = Redactor({})
        self.created: list = list(run.created_resources or [])

    def open_secrets(self) -> None:
        """Decrypt the run's secrets; they reach action inputs only (render_input) and the actions."""
        self.secrets = self.run.secrets or {}
        self.redactor = Redactor(self.secrets)

    def context(self, *, each: dict | None = None) -> dict:
        ctx = {"parameters": self.run.values, "steps": self.steps_context, "user": self.user_context}
        if each is not None:
            ctx["each"] = each
        return ctx

    def log(self, message: str, step_id: str | None = None, status: str | None = None) -> None:
        self.report.log(self.redactor.redact(message), step_id=step_id, status=status)

    def run_step(self, step: dict, row: ScaffoldStep, *, rebuild_only: bool = False) -> str:
        """Run one step; returns the step's final status. Raises StepFailed / ActionCancelled."""
        step_id, action_id = row.step_id, row.action
        label = f"Step {row.name!r} ({step_id}, {action_id})"
        if not evaluate_condition(step.get("if"), self.context()):
            return ScaffoldStep.Status.SKIPPED
        action = self.actions.get(action_id)
        if action is None:
            raise StepFailed(f"{label}: the action {action_id!r} is not installed")
        if self.run.dry_run and not action.supports_dry_run:
            self.log(f"Skipping because {action_id} does not support dry-run", step_id)
            self.steps_context[step_id] = {"output": example_from_schema(action.output_schema)}
            return ScaffoldStep.Status.SKIPPED
        outputs: dict = {}
        for each in _iterations(step, self.context(), label):
            self.cancel_check()
            try:
                rendered = render_input(step.get("input") or {}, self.context(each=each), secrets=self.secrets)
            except ExpressionError as exc:
                raise StepFailed(f"{label}: input: {exc}") from None
            rendered = {k: v for k, v in (rendered or {}).items() if v is not None}
            _check_input(action, rendered, label)
            ctx = ActionContext(
                workspace=self.workspace, input=rendered, task_id=str(self.run.pk), step_id=step_id,
                user=self.action_user, template_base=self.run.template_base, template_ref=self.run.template_ref,
                template_version=self.run.template_version, parameters=self.run.values,
                secrets=self.secrets, dry_run=self.run.dry_run, checkpoint=row.checkpoint,
                cancel_event=self.cancel_event, deadline=self.deadline,
                log_sink=lambda message, step_id=step_id: self.log(message, step_id),
            )
            try:
                action.run(ctx)
            except (ActionCancelled, StepFailed):
                raise
            except ActionError as exc:
                raise StepFailed(f"{label}: {exc}") from None
            except Exception as exc:
                logger.exception("scaffolder action %s crashed", action_id)
                raise StepFailed(f"{label}: unexpected error {type(exc).__name__}: {exc}") from None
            finally:
                self.created.extend(c for c in ctx.created if c not in self.created)
                self.report.step_checkpoint(row, ctx.checkpoint, self.created)
            for name, value in self.redactor.redact_value(ctx.outputs).items():
                if each is None:
                    outputs[name] = value
                else:
                    outputs.setdefault(name, []).append(value)
        if not rebuild_only:
            self.steps_context[step_id] = {"output": outputs}
        return ScaffoldStep.Status.COMPLETED

    def cancel_check(self) -> None:
        if self.cancel_event.is_set():
            raise ActionCancelled("the task was cancelled")


def _prepare_workspace(execution: Execution) -> None:
    workspace = execution.workspace
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True, exist_ok=True)
    run = execution.run
    if run.template_files:
        template_dir = workspace.parent / f"{run.pk}.template"
        shutil.rmtree(template_dir, ignore_errors=True)
        materialise_files(run.template_files, template_dir)
        run.template_base = f"file:{template_dir}/"


def _cleanup(execution: Execution) -> None:
    shutil.rmtree(execution.workspace, ignore_errors=True)
    shutil.rmtree(execution.workspace.parent / f"{execution.run.pk}.template", ignore_errors=True)


def _rebuild_workspace(execution: Execution, steps: list[dict], rows: dict[int, ScaffoldStep]) -> None:
    for index in range(execution.run.resume_from):
        row = rows[index]
        action = execution.actions.get(row.action)
        if row.status == ScaffoldStep.Status.COMPLETED and action is not None and action.builds_files:
            execution.log(f"Rebuilding the workspace: running {row.name!r} again (files only)", row.step_id)
            execution.run_step(steps[index], row, rebuild_only=True)


def run_execute(*, run_id, report=None, actions: dict | None = None) -> str:
    """Execute a claimed run to its end; returns the final status. Never raises for step failures."""
    run = ScaffoldRun.objects.select_related("created_by").get(pk=run_id)
    report = report or DatabaseProgress(run)
    cancel_event = threading.Event()
    deadline = time.monotonic() + settings.PAVED_SCAFFOLDER_TASK_TIME_LIMIT
    execution = Execution(run, report, actions or action_registry(), cancel_event, deadline)
    steps = list(run.spec.get("steps") or [])
    rows = {row.index: row for row in run.steps.order_by("index")}
    watchdog = Watchdog(run.pk, report, cancel_event, deadline)
    watchdog.start()
    status, error, index = ScaffoldRun.Status.COMPLETED, "", run.resume_from
    try:
        execution.open_secrets()
        execution.log(f"Starting up task with {len(steps)} steps")
        _prepare_workspace(execution)
        _rebuild_workspace(execution, steps, rows)
        for index in range(run.resume_from, len(steps)):
            row = rows[index]
            execution.cancel_check()
            report.step_start(row)
            execution.log(f"Beginning step {row.name}", row.step_id, "processing")
            try:
                step_status = execution.run_step(steps[index], row)
            except StepFailed as exc:
                report.step_end(row, ScaffoldStep.Status.FAILED)
                execution.log(f"Step failed: {exc.message}", row.step_id, "failed")
                raise
            except ActionCancelled:
                report.step_end(row, ScaffoldStep.Status.CANCELLED)
                raise
            report.step_end(row, step_status)
            report.step_outputs(index + 1, {k: v["output"] for k, v in execution.steps_context.items()})
            verb = "Skipped" if step_status == ScaffoldStep.Status.SKIPPED else "Finished"
            execution.log(f"{verb} step {row.name}", row.step_id, step_status)
        index = len(steps)
        output = _without_none(render_value(run.spec.get("output") or {}, execution.context()))
    except (SecretsUnreadable, ImproperlyConfigured) as exc:
        status, error, output = ScaffoldRun.Status.FAILED, str(exc), {}
    except StepFailed as exc:
        status, error, output = ScaffoldRun.Status.FAILED, exc.message, {}
    except ActionCancelled as exc:
        timed_out = watchdog.reason == "timeout" or time.monotonic() > deadline
        status = ScaffoldRun.Status.FAILED if timed_out else ScaffoldRun.Status.CANCELLED
        error = (f"The task ran out of time ({settings.PAVED_SCAFFOLDER_TASK_TIME_LIMIT} s, "
                 "PAVED_SCAFFOLDER_TASK_TIME_LIMIT)") if timed_out else f"Cancelled: {exc}"
        output = {}
    except ExpressionError as exc:
        status, error, output = ScaffoldRun.Status.FAILED, f"output: {exc}", {}
    except Exception as exc:  # the run must end in a state people can see, whatever happened
        logger.exception("scaffolder run %s crashed", run.pk)
        status, error, output = ScaffoldRun.Status.FAILED, f"unexpected error {type(exc).__name__}: {exc}", {}
    finally:
        watchdog.stopped.set()
    files = workspace_files(execution.workspace) if run.dry_run and status != ScaffoldRun.Status.CANCELLED else []
    _cleanup(execution)
    watchdog.join(2)
    run_secrets_wipe(run_id=run.pk)  # before the run shows as ended, so a retry's new secrets are never wiped
    report.finish(status=status, error=execution.redactor.redact(error), output=output, resume_from=index,
                  created=execution.created, dry_run_files=files)
    return status


def render_files_only(*, run: ScaffoldRun, workspace: Path, steps_outputs: dict | None = None) -> None:
    """Run only the steps of `run`'s spec whose action `builds_files` (fetch:*, fs:*...) into `workspace`.

    Used by template upgrades to re-render a skeleton with stored answers; nothing outside
    `workspace` is touched. `run` may be an unsaved ScaffoldRun carrying spec, values,
    template_base and created_by. Other steps are skipped; their outputs come from `steps_outputs`.
    """
    execution = Execution(run, NullProgress(), action_registry(), threading.Event(),
                          time.monotonic() + settings.PAVED_SCAFFOLDER_TASK_TIME_LIMIT)
    execution.workspace = workspace
    execution.steps_context.update({k: {"output": v} for k, v in (steps_outputs or {}).items()})
    workspace.mkdir(parents=True, exist_ok=True)
    for index, step in enumerate(run.spec.get("steps") or []):
        action_id = str(step.get("action", ""))
        action = execution.actions.get(action_id)
        if action is None or not action.builds_files:
            continue
        row = ScaffoldStep(index=index, step_id=step_id_of(step, index),
                           name=str(step.get("name") or action_id), action=action_id)
        execution.run_step(step, row)
