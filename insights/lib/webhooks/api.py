"""The generic bulk events API (POST /api/events): `{"events": [item, ...]}`, each item one of

    {"type": "deployment", "id": "deploy-42", "service": "payments", "environment": "production",
     "time": "2026-01-05T10:00:00Z", "status": "success" | "failure" | "rollback",
     "commits": ["<sha>", ...]}
    {"type": "incident", "id": "INC-7", "service": "payments", "opened": "<time>", "resolved": "<time>" | null,
     "severity": "sev2", "title": "...", "caused_by": "<deployment id or commit sha>"}
    {"type": "change", "sha": "<sha>", "time": "<author time>", "author": "a@example.com", "service": "payments"}

`service` is a component's name (default namespace), a ref (`component:ns/name`) or the value of
an annotation given as `"annotation": "github.com/project-slug"`. `id` is optional for deployments
(default: service, environment and time) and incidents (default: service and opened time): sending
the same item again updates it rather than counting it twice. Every error names the item's index
and field (`events[3].time: ...`).
"""

import hashlib

from insights.lib.webhooks.events import (
    ChangeEvent,
    DeploymentEvent,
    IncidentEvent,
    PayloadError,
    get,
    obj,
    parse_time,
    sha,
)

DEPLOY_STATUSES = ("success", "failure", "rollback")
KINDS = ("deployment", "incident", "change")


def _keys(item: dict, path: str, service: str) -> tuple:
    annotation = get(item, "annotation", path, required=False, default="")
    return ((annotation[:200], service.lower()),) if annotation else ()


def _service(item: dict, path: str, *, required: bool = True) -> str:
    service = get(item, "service", path, required=required, default="").strip()
    if required and not service:
        raise PayloadError(f"{path}.service: must not be empty")
    if len(service) > 320:
        raise PayloadError(f"{path}.service: longer than 320 characters")
    return service


def _id(item: dict, path: str, *parts) -> str:
    given = get(item, "id", path, (str, int), required=False)
    if given is not None and str(given).strip():
        return str(given).strip()[:200]
    return "h:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:40]


def _deployment(item: dict, path: str) -> DeploymentEvent:
    service = _service(item, path)
    environment = get(item, "environment", path).strip()[:100]
    if not environment:
        raise PayloadError(f"{path}.environment: must not be empty")
    at = parse_time(get(item, "time", path), f"{path}.time")
    status = get(item, "status", path, required=False, default="success")
    if status not in DEPLOY_STATUSES:
        raise PayloadError(f"{path}.status: expected one of {', '.join(DEPLOY_STATUSES)}, got {status!r:.40}")
    commits = get(item, "commits", path, list, required=False, default=[])
    if len(commits) > 1000:
        raise PayloadError(f"{path}.commits: at most 1000 SHAs per deployment")
    shas = tuple(sha(value, f"{path}.commits[{i}]") for i, value in enumerate(commits))
    return DeploymentEvent(external_id=_id(item, path, service, environment, at.isoformat()), service=service,
                           environment=environment, status=status, deployed_at=at, commit_shas=shas,
                           match_keys=_keys(item, path, service))


def _incident(item: dict, path: str) -> IncidentEvent:
    service = _service(item, path)
    opened = parse_time(get(item, "opened", path), f"{path}.opened")
    resolved_raw = item.get("resolved")
    resolved = parse_time(resolved_raw, f"{path}.resolved") if resolved_raw is not None else None
    if resolved is not None and resolved < opened:
        raise PayloadError(f"{path}.resolved: earlier than opened")
    caused_by = get(item, "caused_by", path, (str, int), required=False, default="")
    return IncidentEvent(external_id=_id(item, path, service, opened.isoformat()), service=service, opened_at=opened,
                         resolved_at=resolved, severity=get(item, "severity", path, required=False, default="")[:40],
                         title=get(item, "title", path, required=False, default="")[:300],
                         caused_by=str(caused_by)[:200], match_keys=_keys(item, path, service))


def _change(item: dict, path: str) -> ChangeEvent:
    service = _service(item, path, required=False)
    return ChangeEvent(sha=sha(item.get("sha"), f"{path}.sha"), authored_at=parse_time(get(item, "time", path),
                       f"{path}.time"), author=get(item, "author", path, required=False, default="").lower()[:254],
                       service=service, match_keys=_keys(item, path, service) if service else ())


def parse_events(body, *, max_items: int) -> list:
    """The normalised events of a request body; PayloadError naming `events[i].field` otherwise."""
    items = get(obj(body, "body"), "events", "body", list)
    if not items:
        raise PayloadError("body.events: expected at least one event")
    if len(items) > max_items:
        raise PayloadError(f"body.events: at most {max_items} events per request, got {len(items)}")
    events = []
    for i, item in enumerate(items):
        path = f"events[{i}]"
        kind = get(obj(item, path), "type", path)
        if kind == "deployment":
            events.append(_deployment(item, path))
        elif kind == "incident":
            events.append(_incident(item, path))
        elif kind == "change":
            events.append(_change(item, path))
        else:
            raise PayloadError(f"{path}.type: expected one of {', '.join(KINDS)}, got {kind!r:.40}")
    return events
