"""Runs, events and actions in the JSON shapes Backstage's scaffolder API answers with.

A run never leaves here with its secrets: TaskJSON is built field by field, not from the row.
"""

from datetime import UTC, datetime

from catalog.lib.refs import split_key
from core.api.sse import sse_frame as core_sse_frame
from scaffolding.models import ScaffoldEvent, ScaffoldRun

API_VERSION = "scaffolder.backstage.io/v1beta3"


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and a Z, as Backstage's JSON dates read."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def task_steps(spec: dict) -> list[dict]:
    """spec.steps with Backstage's defaults filled in: id `step-<n>`, name = the action."""
    steps = spec.get("steps") if isinstance(spec, dict) else None
    result = []
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        step_id = step.get("id") or f"step-{index + 1}"
        result.append({**step, "id": step_id, "name": step.get("name") or step.get("action")})
    return result


def _base_url(run: ScaffoldRun) -> str:
    kind, _, target = run.template_base.partition(":")
    if kind == "file" and target:
        return "file://" + target
    return target if kind == "url" else ""


def task_spec(run: ScaffoldRun, *, user_entity: dict | None = None) -> dict:
    """Backstage's TaskSpec (v1beta3) of a run: its steps, output, answers, template and user."""
    spec = run.spec if isinstance(run.spec, dict) else {}
    template_info = spec.get("templateInfo")
    if not isinstance(template_info, dict):
        # What the run froze: Backstage's task page titles itself from entity.metadata.title.
        _, namespace, name = split_key(run.template_ref)
        metadata = {"name": name, "namespace": namespace or "default", "title": run.template_title or name}
        template_info = {"entityRef": run.template_ref, "baseUrl": _base_url(run), "entity": {"metadata": metadata}}
    user: dict = {"ref": run.created_by_ref or None}
    if user_entity is not None:
        user["entity"] = user_entity
    return {
        "apiVersion": API_VERSION,
        "steps": task_steps(spec),
        "output": spec.get("output") if isinstance(spec.get("output"), dict) else {},
        "parameters": run.values if isinstance(run.values, dict) else {},
        "templateInfo": template_info,
        "user": user,
    }


def task_json(run: ScaffoldRun, *, user_entity: dict | None = None) -> dict:
    """A run as Backstage's SerializedTask, without secrets."""
    return {
        "id": str(run.pk),
        "spec": task_spec(run, user_entity=user_entity),
        "status": run.status,
        "createdAt": timestamp(run.created_at),
        "lastHeartbeatAt": timestamp(run.heartbeat_at),
        "createdBy": run.created_by_ref or None,
    }


def event_json(event: ScaffoldEvent) -> dict:
    return {
        "id": event.pk,
        "taskId": str(event.run_id),
        "body": event.body if isinstance(event.body, dict) else {"message": str(event.body)},
        "type": event.type,
        "createdAt": timestamp(event.created_at),
    }


def sse_frame(event: ScaffoldEvent) -> bytes:
    """One server-sent event: Backstage's `event:` and `data:` lines, plus an `id:` for reconnects."""
    return core_sse_frame(event_id=event.pk, event_type=event.type, data=event_json(event))


def action_json(action) -> dict:
    return {
        "id": action.id,
        "description": action.description,
        "examples": list(action.examples or []),
        "schema": {"input": action.input_schema, "output": action.output_schema},
    }


def _instance_path(field: str) -> str:
    """`repo.owner` or `items[0]` -> `instance.repo.owner`, `instance.items[0]` (jsonschema's property)."""
    field = (field or "").strip(".")
    if not field:
        return "instance"
    return "instance" + ("" if field.startswith("[") else ".") + field


def parameter_errors_json(errors: list[dict]) -> list[dict]:
    """Our ParameterErrors in the shape of the `jsonschema` package's ValidationError, which Backstage returns.

    Backstage answers {errors: [{property, message, name, argument, stack, ...}]}; the `step` and
    `field` we add say which form page and field to highlight.
    """
    result = []
    for error in errors:
        field = str(error.get("field") or "")
        message = str(error.get("message") or "is not valid")
        prop = _instance_path(field)
        item = {
            "property": prop,
            "message": message,
            "name": str(error.get("name") or error.get("keyword") or "invalid"),
            "stack": f"{prop} {message}",
            "step": error.get("step", 0),
            "field": field,
        }
        if "argument" in error:
            item["argument"] = error["argument"]
        result.append(item)
    return result


def dry_run_json(run: ScaffoldRun, events: list[ScaffoldEvent]) -> dict:
    """Backstage's dry-run response: the log, the files produced, the output and the steps."""
    return {
        "log": [{"body": event_json(event)["body"]} for event in events if event.type == ScaffoldEvent.Type.LOG],
        "directoryContents": [
            {"path": str(item.get("path", "")), "base64Content": str(item.get("base64Content", "")),
             "executable": bool(item.get("executable"))}
            for item in (run.dry_run_files or []) if isinstance(item, dict)
        ],
        "output": run.output if isinstance(run.output, dict) else {},
        "steps": task_steps(run.spec),
        # Not in Backstage's answer (its dry run throws instead): how the run ended, and why.
        "status": run.status,
        "error": run.error,
    }
