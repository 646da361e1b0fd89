"""The facts API: CI posts facts (JSON, in bulk) and reports (Cobertura, SARIF, JUnit, ...); people
and dashboards read an entity's current facts and their history.

    POST /api/facts                      {"items": [{"entityRef", "facts", "source", "observedAt"}]}
    POST /api/facts/reports?entityRef=x&format=cobertura[&filename=coverage.xml]   raw body or multipart `file`
                                         (several `file` fields of one format are added up: TEST-*.xml)
    GET  /api/facts?entityRef=x          current facts with their source and times
    GET  /api/facts/history?entityRef=x&key=k[&limit=100&before=<id>]
    GET  /api/facts/openapi.json

From CI (a token with the `facts` scope, made on the profile page):

    curl -fsS -H "Authorization: Bearer $PAVED_FACTS_TOKEN" --data-binary @coverage.xml \
      "$PAVED_URL/api/facts/reports?entityRef=component:default/payment-service&format=cobertura"
    curl -fsS -H "Authorization: Bearer $PAVED_FACTS_TOKEN" -F file=@results.sarif \
      "$PAVED_URL/api/facts/reports?entityRef=payment-service"
    curl -fsS -H "Authorization: Bearer $PAVED_FACTS_TOKEN" -H "Content-Type: application/json" \
      -d '{"items": [{"entityRef": "payment-service", "facts": {"cost.labels_present": true}}]}' \
      "$PAVED_URL/api/facts"

Who may post: a token with the `facts` scope (it can reach nothing else), a read-write token, or a
signed-in session (with its CSRF token: api_view checks it); a read-only token is refused by
portal.auth before it gets here. The person behind the token still needs scorecards.facts.write on
every entity (owners have it). Reads need a read or read-write token or a session: a facts-only
token is for sending, so a leaked CI secret reads nothing. A bulk post is all or nothing.
"""

import tempfile

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from catalog.access import entity_readable
from catalog.selectors import entities_by_refs
from core.access import require
from core.api.errors import (
    InputError,
    NotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    api_view,
)
from core.api.params import int_param
from scorecards.api.facts_openapi import OPENAPI
from scorecards.lib.reports import ReportError, ReportTooLarge
from scorecards.lib.reports.base import CHUNK
from scorecards.selectors.facts import MAX_HISTORY, facts_current, facts_history
from scorecards.services.facts import (
    FactItem,
    FactsInputError,
    UnknownEntityError,
    entity_key_of,
    facts_record_bulk,
    reports_ingest,
)

ITEM_FIELDS = {"entityRef", "facts", "source", "observedAt"}
SPOOL_IN_MEMORY = 4 * 1024 * 1024  # larger raw bodies are spooled to a temporary file


def _scopes(request: HttpRequest) -> frozenset | None:
    return getattr(request, "api_token_scopes", None)


def _may_send(request: HttpRequest) -> None:
    scopes = _scopes(request)
    if scopes is not None and not scopes & {"facts", "write"}:
        raise NotAllowedError("This API token cannot send facts: use a token with the facts scope or a read-write "
                              "token.")


def _may_read(request: HttpRequest) -> None:
    scopes = _scopes(request)
    if scopes is not None and not scopes & {"read", "write"}:
        raise NotAllowedError("This token can only send facts: reading them needs a read or read-write token "
                              "or a signed-in session.")
    require(request.user, "scorecards.scorecard.read")


def _entity_ref(request: HttpRequest) -> str:
    raw = request.GET.get("entityRef", "")
    if not raw.strip():
        raise InputError("entityRef is required, e.g. ?entityRef=component:default/payment-service")
    try:
        return entity_key_of(raw)
    except FactsInputError as exc:
        raise InputError(str(exc)) from None


def _readable_ref(request: HttpRequest) -> str:
    ref = _entity_ref(request)
    entity = entities_by_refs(refs=[ref]).get(ref)
    if entity is None or not entity_readable(request.user, entity):
        raise NotFoundError(f"No entity named '{ref}' found")
    return ref


def _time(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


# --- Posting facts ------------------------------------------------------------------------------


def _items(body: dict) -> list[FactItem]:
    if "items" not in body and "entityRef" in body:
        body = {"items": [body]}  # one entity's facts, without the list around them
    raw_items = body.get("items")
    if not isinstance(raw_items, list):
        raise InputError('items: expected a list of {"entityRef", "facts", "source", "observedAt"} objects')
    items = []
    for i, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            raise InputError(f"items[{i}]: expected an object with entityRef and facts")
        unknown = sorted(set(raw) - ITEM_FIELDS)
        if unknown:
            raise InputError(f"items[{i}].{unknown[0]}: unknown field; expected {', '.join(sorted(ITEM_FIELDS))}")
        for name in ("entityRef", "facts"):
            if name not in raw:
                raise InputError(f"items[{i}].{name}: required")
        items.append(FactItem(entity_ref=raw["entityRef"], facts=raw["facts"], source=raw.get("source", "api"),
                              observed_at=raw.get("observedAt")))
    return items


def _post_facts(request: HttpRequest) -> HttpResponse:
    _may_send(request)
    try:
        raw = request.body
    except RequestDataTooBig:
        raise PayloadTooLargeError(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} "
                                   "bytes: send the facts in several requests.") from None
    try:
        # orjson, not core's json_body: it refuses NaN and nesting past 1024 instead of recursing.
        body = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as exc:
        raise InputError(f"Malformed JSON body (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(body, dict):
        raise InputError('The request body must be a JSON object: {"items": [...]}.')
    try:
        result = facts_record_bulk(actor=request.user, items=_items(body))
    except FactsInputError as exc:
        raise InputError(str(exc)) from None
    return JsonResponse(result.as_dict())


def _get_facts(request: HttpRequest) -> HttpResponse:
    _may_read(request)
    ref = _readable_ref(request)
    items = [{"key": f.key, "value": f.value, "source": f.source, "observedAt": _time(f.observed_at),
              "recordedAt": _time(f.recorded_at)} for f in facts_current(entity_ref=ref)]
    return JsonResponse({"entityRef": ref, "items": items})


@api_view("GET", "POST")
def facts(request: HttpRequest) -> HttpResponse:
    return _post_facts(request) if request.method == "POST" else _get_facts(request)


@api_view("GET")
def facts_history_view(request: HttpRequest) -> HttpResponse:
    _may_read(request)
    ref = _readable_ref(request)
    limit = min(max(int_param(request.GET, "limit", default=100), 1), MAX_HISTORY)
    before = int_param(request.GET, "before", default=0) or None
    key = request.GET.get("key", "").strip()
    rows = facts_history(entity_ref=ref, key=key, limit=limit, before_id=before)
    items = [{"id": r.pk, "key": r.key, "value": r.value, "source": r.source, "observedAt": _time(r.observed_at),
              "recordedAt": _time(r.recorded_at),
              "report": {"id": r.report.pk, "format": r.report.format, "filename": r.report.filename}
              if r.report_id else None} for r in rows]
    following = items[-1]["id"] if len(items) == limit else None
    return JsonResponse({"entityRef": ref, "key": key or None, "items": items, "nextBefore": following})


# --- Posting reports ----------------------------------------------------------------------------


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"The report is larger than the limit of {limit:,} bytes "
                                "(PAVED_FACTS_MAX_REPORT_BYTES): send a smaller report (e.g. one per module).")


def _raw_body(request: HttpRequest, limit: int):
    """The request body spooled (memory, then a temporary file), read in chunks, never past the limit."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by the view)
    size = 0
    while chunk := request.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise _too_large(limit)
        spool.write(chunk)
    spool.seek(0)
    return spool


def _upload(request: HttpRequest, limit: int) -> list[tuple[str, object]]:
    """(file name, file) of each report: the multipart `file` fields (several are added up), or the body."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + 64 * 1024:  # multipart framing is small; refuse before reading anything
        raise _too_large(limit)
    filename = request.GET.get("filename", "")
    if request.content_type == "multipart/form-data":
        uploads = request.FILES.getlist("file")
        if not uploads:
            raise InputError("The multipart body has no `file` field: send the report as `file` (several `file` "
                             "fields are added up), or as the raw request body.")
        if sum(upload.size for upload in uploads) > limit:
            raise _too_large(limit)
        return [(upload.name or filename or "", upload) for upload in uploads]
    return [(filename, _raw_body(request, limit))]


@api_view("POST")
def facts_reports(request: HttpRequest) -> HttpResponse:
    _may_send(request)
    ref = _entity_ref(request)
    limit = settings.PAVED_FACTS_MAX_REPORT_BYTES
    files = _upload(request, limit)
    try:
        report = reports_ingest(actor=request.user, entity_ref=ref, format=request.GET.get("format") or None,
                                files=files)
    except ReportTooLarge:
        raise _too_large(limit) from None
    except ReportError as exc:
        raise InputError(str(exc)) from None
    except UnknownEntityError:
        raise NotFoundError(f"No entity named '{ref}' found: post reports for entities registered in the "
                            "catalog.") from None
    except FactsInputError as exc:
        raise InputError(str(exc)) from None
    finally:
        for _, data in files:
            data.close()
    parsed = report.parsed
    return JsonResponse({
        "report": {"id": report.pk, "entityRef": report.entity_ref, "format": report.format,
                   "filename": report.filename, "size": report.size, "sha256": report.sha256,
                   "factCount": report.fact_count, "receivedAt": _time(report.received_at),
                   "observedAt": _time(parsed.observed_at)},
        "summary": parsed.summary, "facts": parsed.facts, "result": report.result.as_dict(),
    }, status=201)


@api_view("GET")
def facts_openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(OPENAPI)
