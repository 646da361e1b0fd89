"""Backstage scaffolder API views (v2): parse input, call a selector or a service, answer JSON.

Routes, bodies and status codes follow Backstage's scaffolder-backend router, so its CLI and
frontend work against Paved. Errors use Backstage's envelope through core's `api_view`.
"""

import base64
import binascii
import json

from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from catalog import selectors as catalog_selectors
from catalog.lib.refs import RefError, parse_ref, split_key
from core.api.errors import (
    ConflictError,
    InputError,
    NotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    api_view,
    json_body,
)
from core.api.params import MAX_PAGE, int_param, list_param
from scaffolding import selectors, services
from scaffolding.access import run_readable
from scaffolding.actions import action_registry
from scaffolding.api import stream
from scaffolding.api.openapi import OPENAPI
from scaffolding.api.serializers import (
    API_VERSION,
    action_json,
    dry_run_json,
    event_json,
    parameter_errors_json,
    task_json,
)
from scaffolding.models import ScaffoldRun

# Backstage's /events long-polls for up to 30 s (RFC 6202) until there is at least one event.
EVENTS_WAIT_SECONDS = 30.0
EVENTS_POLL_SECONDS = 0.05  # a cheap indexed read; keeps the first log line prompt
# A dry run waits for the worker this long before it is cancelled and the client told so.
DRY_RUN_WAIT_SECONDS = 60.0
DEFAULT_STEP_TITLE = "Please enter the following information"  # Backstage's, for untitled steps
STATUSES = [choice.value for choice in ScaffoldRun.Status]


def _body(request: HttpRequest) -> dict:
    # api_view has already checked CSRF for session-signed requests.
    try:
        return json_body(request)
    except RequestDataTooBig:
        raise PayloadTooLargeError("The request body is too large.") from None


def _run(task_id: str, user) -> ScaffoldRun:
    run = selectors.run_get(run_id=task_id)  # None for an id that is not a UUID, too
    if run is None:
        raise NotFoundError(f"Task with id {task_id} does not exist")
    if not run_readable(run=run, user=user):
        raise NotAllowedError(f"Task {task_id} is not yours: scaffolder.task.read is not granted to you.")
    return run


def _managed_run(request: HttpRequest, task_id: str) -> ScaffoldRun:
    run = _run(task_id, request.user)
    if not selectors.run_can_manage(run=run, user=request.user):
        raise NotAllowedError(f"Only the creator of task {task_id} or a platform admin may change it.")
    return run


def _object(body: dict, name: str, *, required: bool = False, strings: bool = False) -> dict | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InputError(f"Malformed request: {name} is required and must be an object.")
        return None
    if not isinstance(value, dict):
        raise InputError(f"Malformed request: {name} must be an object, not {type(value).__name__}.")
    if strings and not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"Malformed request: every value of {name} must be a string.")
    return value


def _parameter_errors(exc: services.ParameterErrors) -> JsonResponse:
    return JsonResponse({"errors": parameter_errors_json(exc.errors)}, status=400)


# --- Templates and actions ---------------------------------------------------------------------


@api_view("GET")
def parameter_schema(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    if kind.lower() != "template":
        raise InputError("Invalid kind, only 'Template' kind is supported")
    template = selectors.template_get(namespace=namespace, name=name)
    if template is None:
        raise NotFoundError(f"Template template:{namespace}/{name} not found")
    metadata = (template.body or {}).get("metadata", {})
    spec = (template.body or {}).get("spec", {})
    answer = {
        "title": metadata.get("title") or metadata.get("name"),
        "description": metadata.get("description"),
        "steps": [
            {"title": step["schema"].get("title") or DEFAULT_STEP_TITLE,
             "description": step["schema"].get("description"), "schema": step["schema"]}
            for step in selectors.template_parameter_steps(template=template, user=request.user)
        ],
    }
    if "ui:options" in metadata:
        answer["ui:options"] = metadata["ui:options"]
    if isinstance(spec.get("presentation"), dict):
        answer["presentation"] = spec["presentation"]
    return JsonResponse(answer)


@api_view("GET")
def action_list(request: HttpRequest) -> HttpResponse:
    return JsonResponse([action_json(action) for action in action_registry().values()], safe=False)


# --- Tasks ------------------------------------------------------------------------------------


@api_view("GET", "POST")
def tasks(request: HttpRequest) -> HttpResponse:
    return _task_create(request) if request.method == "POST" else _task_list(request)


def _task_create(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    raw_ref = body.get("templateRef")
    try:
        ref = parse_ref(raw_ref, default_kind="template")
    except RefError as exc:
        raise InputError(f"Malformed request: templateRef: {exc}") from None
    if ref.kind.lower() != "template":
        raise InputError("Invalid kind, only 'Template' kind is supported")
    template = selectors.template_get(namespace=ref.namespace, name=ref.name)
    if template is None:
        raise NotFoundError(f"Template {ref} not found")
    api_version = (template.body or {}).get("apiVersion")
    if api_version != API_VERSION:
        raise InputError(f"Unsupported apiVersion field in schema entity, {api_version}")
    values = _object(body, "values") or {}
    secrets = _object(body, "secrets", strings=True)
    try:
        run = services.run_create(template=template, values=values, secrets=secrets, actor=request.user)
    except services.ParameterErrors as exc:
        return _parameter_errors(exc)
    except ImproperlyConfigured as exc:  # no key to encrypt the secrets with: the message names the setting
        raise ServiceUnavailableError(str(exc)) from None
    except services.TemplateError as exc:
        raise InputError(str(exc)) from None
    return JsonResponse({"id": str(run.pk)}, status=201)


def _task_list(request: HttpRequest) -> HttpResponse:
    query = request.GET
    statuses = list_param(query, "status")
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise InputError(f"Invalid status {unknown[0]!r}: expected one of {', '.join(STATUSES)}.")
    for order in list_param(query, "order"):
        # The selector orders newest first; other orders are refused rather than silently ignored.
        if order not in ("desc:created_at", "desc:createdAt"):
            raise InputError(f"Invalid order {order!r}: only 'desc:created_at' (newest first) is supported.")
    limit = min(int_param(query, "limit", default=MAX_PAGE), MAX_PAGE)
    offset = int_param(query, "offset", default=0)
    rows, total = selectors.run_list(created_by_refs=list_param(query, "createdBy") or None,
                                     statuses=statuses or None, limit=limit, offset=offset, with_spec=True,
                                     visible_to=request.user)
    return JsonResponse({"tasks": [task_json(r) for r in rows], "totalTasks": total})


def _user_entity(ref: str) -> dict | None:
    kind, namespace, name = split_key(ref or "")
    entity = catalog_selectors.entity_get(kind=kind, namespace=namespace, name=name) if name else None
    return json.loads(entity.final) if entity is not None and entity.final else None


@api_view("GET")
def task_detail(request: HttpRequest, task_id: str) -> HttpResponse:
    run = _run(task_id, request.user)
    return JsonResponse(task_json(run, user_entity=_user_entity(run.created_by_ref)))


@api_view("GET")
def task_events(request: HttpRequest, task_id: str) -> HttpResponse:
    run = _run(task_id, request.user)
    after = int_param(request.GET, "after")
    batch = selectors.run_events_wait(run_id=run.pk, after=after, timeout=EVENTS_WAIT_SECONDS,
                                      interval=EVENTS_POLL_SECONDS, fields=("id", "status"))
    return JsonResponse([event_json(e) for e in batch.events], safe=False)


@api_view("GET")
def task_eventstream(request: HttpRequest, task_id: str) -> HttpResponse:
    run = _run(task_id, request.user)
    after = int_param(request.GET, "after")
    last_event_id = request.headers.get("Last-Event-ID", "").strip()
    if last_event_id.isdigit():  # a reconnecting EventSource: go on from the last event it saw
        after = max(after or 0, int(last_event_id))
    response = StreamingHttpResponse(stream.task_event_stream(run_id=run.pk, after=after),
                                     content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@api_view("POST")
def task_cancel(request: HttpRequest, task_id: str) -> HttpResponse:
    run = _managed_run(request, task_id)
    if run.is_finished and run.status != ScaffoldRun.Status.CANCELLED:
        raise ConflictError(f"Task {task_id} is already {run.status}; only open or processing tasks can be cancelled.")
    services.run_cancel(run=run, actor=request.user)
    return JsonResponse({"status": "cancelled"})


@api_view("POST")
def task_retry(request: HttpRequest, task_id: str) -> HttpResponse:
    run = _managed_run(request, task_id)
    # As Backstage: a JSON body may carry {"secrets": {...}}; the run's own were wiped when it ended.
    body = _body(request) if request.content_type == "application/json" else {}
    try:
        services.run_retry(run=run, actor=request.user, secrets=_object(body, "secrets", strings=True))
    except services.RunStateError as exc:
        raise ConflictError(str(exc)) from None
    except services.SecretsRequired as exc:
        raise InputError(f"{exc} Send them in the body: {{\"secrets\": {{\"{exc.names[0]}\": \"...\"}}}}.") from None
    except ImproperlyConfigured as exc:
        raise ServiceUnavailableError(str(exc)) from None
    return JsonResponse({"id": str(run.pk)}, status=201)


# --- Dry run ----------------------------------------------------------------------------------


def _directory_contents(body: dict) -> list[dict]:
    items = body.get("directoryContents")
    if not isinstance(items, list):
        raise InputError("Malformed request: directoryContents is required and must be a list of "
                         "{path, base64Content}.")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) \
                or not isinstance(item.get("base64Content"), str):
            raise InputError(f"Malformed request: directoryContents[{index}] must be {{path, base64Content}} strings.")
        try:
            base64.b64decode(item["base64Content"], validate=True)
        except (binascii.Error, ValueError):
            raise InputError(f"Malformed request: directoryContents[{index}].base64Content "
                             f"({item['path'][:200]!r}) is not valid base64.") from None
    return items


@api_view("POST")
def dry_run(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    template = _object(body, "template", required=True)
    values = _object(body, "values", required=True)
    secrets = _object(body, "secrets", strings=True)
    contents = _directory_contents(body)
    try:
        run = services.run_dry_run_create(template_body=template, values=values, secrets=secrets,
                                          directory_contents=contents, actor=request.user)
    except services.ParameterErrors as exc:
        return _parameter_errors(exc)
    except services.MissingActions as exc:
        raise InputError(f"The dry run cannot start: {exc}") from None
    except services.TemplateError as exc:
        raise InputError(f"Input template is not a template: {exc}") from None
    finished = selectors.run_wait(run_id=run.pk, timeout=DRY_RUN_WAIT_SECONDS)
    if finished is None:
        raise NotFoundError(f"The dry run {run.pk} was deleted before it finished.")
    if not finished.is_finished:
        services.run_cancel(run=finished, actor=request.user)
        raise ServiceUnavailableError(f"The dry run did not finish within {DRY_RUN_WAIT_SECONDS:.0f} seconds "
                                      f"(is a worker running?); task {run.pk} was cancelled.")
    return JsonResponse(dry_run_json(finished, selectors.run_events(run=finished)))


# --- Schema and fallback ----------------------------------------------------------------------


@api_view("GET")
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(OPENAPI)


@api_view("GET", "POST", "PUT", "PATCH", "DELETE")
def not_found(request: HttpRequest) -> HttpResponse:
    raise NotFoundError(f"No scaffolder endpoint at {request.path}")
