"""PagerDuty V3 webhooks: incident.triggered and incident.resolved (others are recorded, ignored)."""

from insights.lib.webhooks.events import IncidentEvent, Normalised, get, obj, parse_time

ANNOTATION = "pagerduty.com/service-id"
USED = ("incident.triggered", "incident.resolved", "incident.reopened")


def delivery_id(payload: dict) -> str:
    event = payload.get("event") if isinstance(payload, dict) else None
    return str(event.get("id") or "")[:200] if isinstance(event, dict) else ""


def normalise(event_type: str, payload: dict, *, incident_label: str = "") -> Normalised:
    event = get(obj(payload, "payload"), "event", "payload", dict)
    kind = get(event, "event_type", "event")
    if kind not in USED:
        return Normalised(ignored=f"event type {kind!r} is not used")
    data = get(event, "data", "event", dict)
    service = get(data, "service", "event.data", dict)
    service_id = get(service, "id", "event.data.service")
    occurred = parse_time(get(event, "occurred_at", "event"), "event.occurred_at")
    opened = parse_time(data["created_at"], "event.data.created_at") if data.get("created_at") else occurred
    priority = data.get("priority") if isinstance(data.get("priority"), dict) else {}
    return Normalised(events=[IncidentEvent(
        external_id=get(data, "id", "event.data"), service=str(service.get("summary") or service_id),
        opened_at=opened, resolved_at=occurred if kind == "incident.resolved" else None,
        severity=str(priority.get("summary") or data.get("urgency") or "")[:40],
        title=str(data.get("title") or "")[:300], match_keys=((ANNOTATION, service_id.lower()),))])
