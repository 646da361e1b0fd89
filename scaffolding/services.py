"""Use cases of the scaffolder: create, claim, cancel, retry and recover runs.

The ScaffoldRun row is the source of truth. Celery only carries its id: a message that is
delivered twice finds the run already claimed and does nothing, and a message that is lost
(a broker restart) is sent again by `runs_sweep`, which beat calls every few seconds.
"""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Entity
from catalog.selectors import user_entity_refs
from core.audit import audit_record
from core.queue import task_enqueue_on_commit
from scaffolding import access, selectors
from scaffolding.forms.schema import validate_values
from scaffolding.lib.sealed import key_check
from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldStep

logger = logging.getLogger(__name__)

MAX_STEPS = 200
# The worker's task, by the name scaffolding/tasks.py gives it, looked up by name as beat does: that
# module calls these services, so importing it here would make the two import each other.
# ScaffoldingConfig.ready() registers it in every process.
EXECUTE_TASK = "scaffolding.tasks.run_execute"
MAX_VALUES_BYTES = 1_000_000  # the parameters of one run, as JSON


class TemplateError(Exception):
    """The template cannot run as written; the message names the template and what is wrong."""


class MissingActions(TemplateError):
    """The template names actions this installation lacks; `missing` = [{"action", "steps"}]."""

    def __init__(self, message: str, missing: list[dict]):
        super().__init__(message)
        self.missing = missing


class ParameterErrors(Exception):
    """Values that fail the template's parameter schema: errors = [{step, field, message}]."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['field'] or 'values'}: {e['message']}" for e in errors))
        self.errors = errors


class RunStateError(Exception):
    """The run is not in a state that allows this (e.g. retrying a completed run)."""


class SecretsRequired(Exception):
    """A retry without the secrets the run was started with (they were wiped when it ended)."""

    def __init__(self, names: list[str]):
        super().__init__(f"This task needs its secrets again to retry (they are wiped when a task ends): "
                         f"give {', '.join(names)}.")
        self.names = names


# --- Creating a run -----------------------------------------------------------------------------


def step_id_of(step: dict, index: int) -> str:
    """A step's id, or Backstage's default `step-<n>` for a step without one."""
    return str(step.get("id") or f"step-{index + 1}")


def template_steps_check(*, spec: dict, template_ref: str) -> list[dict]:
    """The template's steps, or TemplateError naming the template and the step that is wrong."""
    steps = spec.get("steps") or []
    if not isinstance(steps, list):
        raise TemplateError(f"{template_ref}: spec.steps must be a list of steps")
    if len(steps) > MAX_STEPS:
        raise TemplateError(f"{template_ref}: {len(steps)} steps; at most {MAX_STEPS} are allowed")
    missing = selectors.template_missing_actions(spec=spec)
    if missing:
        names = ", ".join(item["action"] for item in missing)
        raise MissingActions(f"{template_ref} uses {'an action' if len(missing) == 1 else 'actions'} Paved does "
                             f"not have: {selectors.missing_actions_text(missing)}. Install or replace "
                             f"{names} (see the installed actions page); nothing was run", missing)
    for index, step in enumerate(steps):
        where = f"{template_ref}: spec.steps[{index}]"
        if not isinstance(step, dict):
            raise TemplateError(f"{where} must be an object with id, name, action and input")
        action = step.get("action")
        if not isinstance(action, str) or not action:
            raise TemplateError(f"{where} has no action")
        # A step id used twice is run as Backstage runs it (NunjucksWorkflowRunner sets
        # context.steps[step.id] after each step): the later step's output replaces the earlier's.
        step_id = step_id_of(step, index)
        if "input" in step and not isinstance(step["input"], dict | type(None)):
            raise TemplateError(f"{where} ({step_id}): input must be an object")
    return steps


def values_validate(*, spec: dict, values: dict) -> None:
    """Check `values` against every parameter step on the server; ParameterErrors if any fail."""
    if not isinstance(values, dict):
        raise ParameterErrors([{"step": 0, "field": "", "message": "values must be an object"}])
    # The values are stored with the run and rendered into every step: bound them before any schema runs.
    size = len(json.dumps(values, default=str).encode())
    if size > MAX_VALUES_BYTES:
        raise ParameterErrors([{"step": 0, "field": "", "message": f"values are {size:,} bytes; at most "
                                f"{MAX_VALUES_BYTES:,} bytes are accepted"}])
    errors = []
    for index, step in enumerate(selectors.parameter_steps(spec)):
        for error in validate_values(step["schema"], values):
            errors.append({"step": index, **error})
    if errors:
        raise ParameterErrors(errors)


def actor_ref(actor) -> str:
    """The catalog User entity of `actor`, or `user:default/<username>` as Backstage would name them."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    ref = user_entity_refs(actor).first()
    return ref["ref"] if ref else f"user:default/{actor.get_username().lower()}"


def _step_rows(run: ScaffoldRun, steps: list[dict]) -> None:
    ScaffoldStep.objects.bulk_create([
        ScaffoldStep(run=run, index=index, step_id=step_id_of(step, index)[:200],
                     name=str(step.get("name") or step.get("id") or step.get("action"))[:300],
                     action=str(step.get("action"))[:200])
        for index, step in enumerate(steps)
    ])


def _enqueue(run: ScaffoldRun) -> None:
    run_id = str(run.pk)
    ScaffoldRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now())
    task_enqueue_on_commit(EXECUTE_TASK, run_id)  # a broker error is logged; the sweep re-sends


def _secrets_check(secrets) -> dict:
    """The secrets as given, or ParameterErrors; ImproperlyConfigured when they could not be encrypted."""
    if secrets is None:
        return {}
    if not isinstance(secrets, dict) or not all(isinstance(v, str) for v in secrets.values()):
        raise ParameterErrors([{"step": 0, "field": "secrets", "message": "secrets must be an object of strings"}])
    if secrets:
        key_check()  # names the missing setting before anything is stored
    return {str(name): value for name, value in secrets.items()}


def _run_store(*, template_ref: str, title: str, version: str, spec: dict, base: str, values: dict,
               secrets: dict | None, actor, dry_run: bool, template_files: list | None = None) -> ScaffoldRun:
    spec, withheld = access.spec_for_user(spec=spec, user=actor, template_ref=template_ref)
    steps = template_steps_check(spec=spec, template_ref=template_ref)
    access.actions_require(steps=steps, user=actor)
    values_validate(spec=spec, values=values)
    secrets = _secrets_check(secrets)
    frozen = {key: spec.get(key) for key in ("parameters", "steps", "output") if key in spec}
    with transaction.atomic():
        run = ScaffoldRun.objects.create(
            template_ref=template_ref, template_title=title[:300], template_version=version, spec=frozen,
            template_base=base, values=values, secrets=secrets, secret_names=sorted(secrets), dry_run=dry_run,
            template_files=template_files or [], created_by=actor if getattr(actor, "pk", None) else None,
            created_by_ref=actor_ref(actor),
        )
        _step_rows(run, steps)
        if withheld:
            event_add(run_id=run.pk, body={"message": "Not run: you may not read these steps "
                                                      f"(backstage:permissions): {', '.join(withheld)}."})
        audit_record(actor=actor, action="scaffolder.task.create", target=f"{template_ref} task:{run.pk}",
                     detail={"dryRun": dry_run})
        _enqueue(run)
    return run


def run_create(*, template: Entity, values: dict, secrets: dict | None = None, actor,
               dry_run: bool = False) -> ScaffoldRun:
    """Store a run of `template` with these answers and hand it to a worker after the commit."""
    spec = (template.body or {}).get("spec", {})
    metadata = (template.body or {}).get("metadata", {})
    return _run_store(
        template_ref=template.ref, title=str(metadata.get("title") or template.name),
        version=selectors.template_version(template=template), spec=spec,
        base=selectors.template_base(template=template), values=values, secrets=secrets, actor=actor,
        dry_run=dry_run,
    )


def run_dry_run_create(*, template_body: dict, values: dict, secrets: dict | None, directory_contents: list,
                       actor) -> ScaffoldRun:
    """A dry run of a template given inline (Backstage's POST /v2/dry-run), with its files."""
    if not isinstance(template_body, dict) or not isinstance(template_body.get("spec"), dict):
        raise TemplateError("template must be a Template entity object with a spec")
    if template_body.get("apiVersion") != "scaffolder.backstage.io/v1beta3":
        raise TemplateError(f"template apiVersion {template_body.get('apiVersion')!r} is not supported; "
                            "expected scaffolder.backstage.io/v1beta3")
    files = []
    for index, item in enumerate(directory_contents or []):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) \
                or not isinstance(item.get("base64Content"), str):
            raise TemplateError(f"directoryContents[{index}] must be {{path, base64Content}}")
        files.append({"path": item["path"], "base64Content": item["base64Content"],
                      "executable": bool(item.get("executable"))})
    metadata = template_body.get("metadata") or {}
    name = str(metadata.get("name") or "dry-run")
    return _run_store(
        template_ref=f"template:{metadata.get('namespace') or 'default'}/{name}".lower(),
        title=str(metadata.get("title") or name), version="", spec=template_body["spec"], base="",
        values=values, secrets=secrets, actor=actor, dry_run=True, template_files=files,
    )


# --- Worker side ---------------------------------------------------------------------------------


def run_claim(*, run_id, task_id: str) -> bool:
    """Take an open run for this Celery task; True if this worker now owns it.

    One conditional UPDATE, so a duplicate delivery of the message claims nothing. A redelivery
    of the same task id (the worker died before acknowledging) may take the run back once its
    heartbeat has gone stale.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PAVED_SCAFFOLDER_STALE_SECONDS)
    claimable = Q(status=ScaffoldRun.Status.OPEN, cancel_requested=False) | Q(
        status=ScaffoldRun.Status.PROCESSING, claimed_by=task_id, heartbeat_at__lt=stale)
    return bool(ScaffoldRun.objects.filter(claimable, pk=run_id).update(
        status=ScaffoldRun.Status.PROCESSING, claimed_by=task_id, heartbeat_at=now, started_at=now,
    ))


def event_add(*, run_id, body: dict, type: str = ScaffoldEvent.Type.LOG) -> ScaffoldEvent:
    return ScaffoldEvent.objects.create(run_id=run_id, type=type, body=body)


# --- Cancel, retry, recovery ---------------------------------------------------------------------


def run_cancel(*, run: ScaffoldRun, actor=None) -> ScaffoldRun:
    """Cancel now if no worker has it; otherwise ask the worker, which stops within a second."""
    with transaction.atomic():
        if ScaffoldRun.objects.filter(pk=run.pk, status=ScaffoldRun.Status.OPEN).update(
                status=ScaffoldRun.Status.CANCELLED, cancel_requested=True, finished_at=timezone.now(), secrets={}):
            ScaffoldStep.objects.filter(run=run, status=ScaffoldStep.Status.OPEN).update(
                status=ScaffoldStep.Status.CANCELLED)
            event_add(run_id=run.pk, type=ScaffoldEvent.Type.CANCELLED,
                      body={"message": "Run was cancelled before it started", "status": "cancelled"})
            event_add(run_id=run.pk, type=ScaffoldEvent.Type.COMPLETION,
                      body={"message": "Run completed with status: cancelled", "status": "cancelled"})
        elif ScaffoldRun.objects.filter(pk=run.pk, status=ScaffoldRun.Status.PROCESSING,
                                        cancel_requested=False).update(cancel_requested=True):
            event_add(run_id=run.pk, type=ScaffoldEvent.Type.CANCELLED,
                      body={"message": "Cancel requested; stopping the running step", "status": "cancelled"})
    run.refresh_from_db()
    return run


def run_secrets_wipe(*, run_id) -> None:
    """Forget a run's secrets: called when it ends, whatever the outcome."""
    ScaffoldRun.objects.filter(pk=run_id).update(secrets={})


def run_retry(*, run: ScaffoldRun, actor=None, secrets: dict | None = None) -> ScaffoldRun:
    """Open a failed or cancelled run again; it resumes from the step that did not finish.

    Its secrets were wiped when it ended: the ones it was started with must be given again
    (SecretsRequired names them), and are kept encrypted with the reopened run.
    """
    retryable = (ScaffoldRun.Status.FAILED, ScaffoldRun.Status.CANCELLED)
    if run.status not in retryable:
        raise RunStateError(f"Run {run.pk} is {run.status}; only failed or cancelled runs can be retried.")
    secrets = _secrets_check(secrets)
    missing = [name for name in run.secret_names or [] if not secrets.get(name)]
    if missing:
        raise SecretsRequired(missing)
    with transaction.atomic():
        changed = ScaffoldRun.objects.filter(pk=run.pk, status__in=retryable).update(
            status=ScaffoldRun.Status.OPEN, cancel_requested=False, error="", finished_at=None,
            claimed_by="", heartbeat_at=None, attempts=run.attempts + 1,
            secrets=secrets, secret_names=sorted({*(run.secret_names or []), *secrets}),
        )
        if not changed:
            raise RunStateError(f"Run {run.pk} is {run.status}; only failed or cancelled runs can be retried.")
        run.refresh_from_db()
        ScaffoldStep.objects.filter(run=run, index__gte=run.resume_from).update(
            status=ScaffoldStep.Status.OPEN, started_at=None, ended_at=None)
        step = ScaffoldStep.objects.filter(run=run, index=run.resume_from).first()
        event_add(run_id=run.pk, body={"message": f"Retrying from step {step.name if step else run.resume_from}"})
        _enqueue(run)
    return run


def runs_sweep() -> dict:
    """Fail runs whose worker went silent, and re-enqueue open runs whose message may be lost."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PAVED_SCAFFOLDER_STALE_SECONDS)
    failed = 0
    for run in ScaffoldRun.objects.filter(status=ScaffoldRun.Status.PROCESSING, heartbeat_at__lt=stale):
        failed += run_fail_lost(run=run, now=now)
    requeued = 0
    for run in ScaffoldRun.objects.filter(
            Q(enqueued_at__lt=stale) | Q(enqueued_at__isnull=True), status=ScaffoldRun.Status.OPEN):
        with transaction.atomic():
            _enqueue(run)
        requeued += 1
    return {"failed": failed, "requeued": requeued}


def run_fail_lost(*, run: ScaffoldRun, now) -> int:
    step = ScaffoldStep.objects.filter(run=run, status=ScaffoldStep.Status.PROCESSING).first()
    where = f" during step {step.name!r}" if step else ""
    reason = (f"The worker running this task stopped responding{where} (last heartbeat "
              f"{run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC). Retry resumes from that step.")
    with transaction.atomic():
        changed = ScaffoldRun.objects.filter(pk=run.pk, status=ScaffoldRun.Status.PROCESSING,
                                             heartbeat_at=run.heartbeat_at).update(
            status=ScaffoldRun.Status.FAILED, error=reason, finished_at=now, secrets={})
        if not changed:
            return 0
        if step:
            ScaffoldStep.objects.filter(pk=step.pk).update(status=ScaffoldStep.Status.FAILED, ended_at=now)
        event_add(run_id=run.pk, type=ScaffoldEvent.Type.COMPLETION,
                  body={"message": "Run completed with status: failed", "status": "failed",
                        "error": {"name": "WorkerLost", "message": reason}})
    logger.warning("scaffolder run %s lost its worker; marked failed", run.pk)
    return 1
