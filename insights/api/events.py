"""Delivery events API: POST /api/events (bulk, token with the events or write scope), the webhook
receivers (signature checked here: these paths are reachable without signing in), the four keys as
JSON and the list of events no component matched."""

from datetime import date, timedelta

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from catalog.selectors import entity_refs_owned_by
from core.access import require
from core.api.envelope import error_envelope
from core.api.errors import InputError, NotAllowedError, PayloadTooLargeError, api_view
from insights.lib import dora
from insights.lib.webhooks.events import PayloadError
from insights.selectors.dora import DoraKeys, dora_summary, unmatched_events
from insights.services import events as services

MAX_DAYS = 3 * 366


def _scopes_may_send(request: HttpRequest) -> bool:
    scopes = getattr(request, "api_token_scopes", None)
    return scopes is None or bool({"events", "write"} & set(scopes))


@api_view("POST")
def events_post(request: HttpRequest):
    if not request.user.is_authenticated:
        raise NotAllowedError("Send an API token with the events scope as 'Authorization: Bearer <token>'.")
    if not _scopes_may_send(request):
        raise NotAllowedError(services.events_forbidden_message())
    try:
        received, count = services.events_submit(actor=request.user, body=request.body,
                                                 idempotency_key=request.headers.get("Idempotency-Key", ""))
    except PayloadError as exc:
        raise InputError(str(exc)) from None
    except services.WebhookTooLarge as exc:
        raise PayloadTooLargeError(str(exc)) from None
    status = "duplicate" if received.duplicate else "accepted"
    return JsonResponse({"status": status, "events": count, "delivery": received.delivery_id},
                        status=200 if received.duplicate else 202)


@csrf_exempt  # no session and no CSRF token: a tool posts here, and the view checks its signature
def webhook_post(request: HttpRequest, source: str):
    """Not `api_view`: its CSRF check is for browser sessions, which these requests never have."""
    if request.method != "POST":
        response = error_envelope(status=405, name="NotAllowedError", request=request,
                                  message=f"Method {request.method} is not allowed here.")
        response["Allow"] = "POST"
        return response
    try:
        received = services.webhook_receive(source_name=source, headers=request.headers, body=request.body)
    except services.WebhookRefused as exc:
        return error_envelope(status=401, name="AuthenticationError", message=str(exc), request=request)
    except services.WebhookInvalid as exc:
        return error_envelope(status=400, name="InputError", message=str(exc), request=request)
    except services.WebhookTooLarge as exc:
        return error_envelope(status=413, name="PayloadTooLargeError", message=str(exc), request=request)
    if received.duplicate:
        return JsonResponse({"status": "duplicate", "delivery": received.delivery_id}, status=200)
    return JsonResponse({"status": "accepted", "delivery": received.delivery_id}, status=202)


def _date(raw: str, name: str, default: date) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{name}: {raw!r:.40} is not a date (expected YYYY-MM-DD).") from None


def _keys_json(keys: DoraKeys) -> dict:
    return {"deployments": keys.deployments, "deploysPerDay": round(keys.deploys_per_day, 4),
            "leadTimeHours": None if keys.lead_time_hours is None else round(keys.lead_time_hours, 3),
            "changeFailureRate": None if keys.change_failure_rate is None else round(keys.change_failure_rate, 4),
            "restoreHours": None if keys.restore_hours is None else round(keys.restore_hours, 3),
            "incidents": keys.incidents, "unresolvedIncidents": keys.unresolved_incidents,
            "changes": keys.changes, "bands": keys.bands}


def period_from(query) -> tuple[date, date, str]:
    """start, end and bucket of a request (default: the last 90 days by week); InputError names the field."""
    today = timezone.now().date()
    end = _date(query.get("end", ""), "end", today)
    start = _date(query.get("start", ""), "start", end - timedelta(days=89))
    bucket = query.get("bucket", "") or "week"
    if bucket not in dora.BUCKETS:
        raise InputError(f"bucket: expected one of {', '.join(dora.BUCKETS)}, got {bucket!r:.40}.")
    if end < start:
        raise InputError("end: earlier than start.")
    if (end - start).days > MAX_DAYS:
        raise InputError(f"start/end: at most {MAX_DAYS} days at once.")
    return start, end, bucket


@api_view("GET")
def dora_get(request: HttpRequest):
    require(request.user, "insights.read")
    start, end, bucket = period_from(request.GET)
    components = [c.strip().lower() for c in request.GET.getlist("component") if c.strip()]
    team = request.GET.get("team", "").strip().lower()
    if team:
        components += entity_refs_owned_by(owner_refs=[team])
    refs = components if (components or team) else None
    keys, series = dora_summary(start=start, end=end, bucket=bucket, component_refs=refs)
    return JsonResponse({
        "scope": {"components": refs, "team": team or None, "organisation": refs is None},
        "start": start.isoformat(), "end": end.isoformat(), "bucket": bucket, "keys": _keys_json(keys),
        "series": [{"start": first.isoformat(), **_keys_json(k)} for first, k in series]})


@api_view("GET")
def unmatched_get(request: HttpRequest):
    require(request.user, "insights.read")
    items = unmatched_events(limit=200)
    return JsonResponse({"items": [{"kind": u.kind, "source": u.source, "service": u.service,
                                    "matchKeys": u.match_keys, "count": u.count,
                                    "lastSeen": u.last_seen.isoformat()} for u in items]})
