"""GitLab webhooks: Deployment, Merge Request, Push and Issue (incident) hooks."""

from insights.lib.webhooks.events import (
    ZERO_SHA,
    ChangeEvent,
    DeploymentEvent,
    IncidentEvent,
    Normalised,
    get,
    obj,
    parse_time,
    push_changes,
    sha,
)

SLUG = "gitlab.com/project-slug"
PROJECT_ID = "gitlab.com/project-id"
STATES = {"success": "success", "failed": "failure"}


def _project(payload: dict) -> tuple[str, tuple]:
    project = get(payload, "project", "payload", dict)
    path = get(project, "path_with_namespace", "project")
    keys = [(SLUG, path.lower())]
    if isinstance(project.get("id"), int):
        keys.append((PROJECT_ID, str(project["id"])))
    return path.rsplit("/", 1)[-1], tuple(keys)


def _deployment(payload: dict) -> Normalised:
    status = get(payload, "status", "payload")
    if status not in STATES:
        return Normalised(ignored=f"deployment status {status!r}")
    service, keys = _project(payload)
    commit_url = str(payload.get("commit_url") or "")
    head = commit_url.rstrip("/").rsplit("/", 1)[-1] if "/commit/" in commit_url else payload.get("short_sha")
    return Normalised(events=[DeploymentEvent(
        external_id=f"{keys[0][1]}#{get(payload, 'deployment_id', 'payload', int)}", service=service,
        environment=get(payload, "environment", "payload"), status=STATES[status],
        deployed_at=parse_time(get(payload, "status_changed_at", "payload"), "status_changed_at"),
        commit_shas=(sha(head, "commit_url"),), match_keys=keys)])


def _push(payload: dict) -> Normalised:
    if get(payload, "after", "payload") == ZERO_SHA:
        return Normalised(ignored="a branch deletion")  # before reading the project a deletion may lack
    service, keys = _project(payload)
    return push_changes(payload, service=service, match_keys=keys, author_fields=("email",))


def _merge_request(payload: dict) -> Normalised:
    attrs = get(payload, "object_attributes", "payload", dict)
    if attrs.get("action") != "merge" and attrs.get("state") != "merged":
        return Normalised(ignored="a merge request that was not merged")
    merge = attrs.get("merge_commit_sha")
    if not merge:
        return Normalised(ignored="a merged merge request without merge_commit_sha (fast-forward)")
    service, keys = _project(payload)
    user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    return Normalised(events=[ChangeEvent(
        sha=sha(merge, "object_attributes.merge_commit_sha"),
        authored_at=parse_time(get(attrs, "created_at", "object_attributes"), "object_attributes.created_at"),
        author=str(user.get("email") or user.get("username") or "").lower(), head_sha=merge.lower(),
        service=service, match_keys=keys)])


def _issue(payload: dict, incident_label: str) -> Normalised:
    attrs = get(payload, "object_attributes", "payload", dict)
    labels = {str(label.get("title", "")).lower() for label in payload.get("labels") or [] if isinstance(label, dict)}
    is_incident = str(attrs.get("issue_type") or attrs.get("type") or "").lower() == "incident"
    if not is_incident and incident_label.lower() not in labels:
        return Normalised(ignored="an issue that is not an incident")
    service, keys = _project(payload)
    closed = attrs.get("closed_at") if attrs.get("state") == "closed" else None
    return Normalised(events=[IncidentEvent(
        external_id=f"{keys[0][1]}#issue-{get(attrs, 'iid', 'object_attributes', int)}", service=service,
        opened_at=parse_time(get(attrs, "created_at", "object_attributes"), "object_attributes.created_at"),
        resolved_at=parse_time(closed, "object_attributes.closed_at") if closed else None,
        title=str(attrs.get("title") or "")[:300], severity=str(attrs.get("severity") or "")[:40],
        match_keys=keys)])


def normalise(event_type: str, payload: dict, *, incident_label: str = "incident") -> Normalised:
    obj(payload, "payload")
    kind = payload.get("object_kind") or ""
    if kind == "deployment":
        return _deployment(payload)
    if kind == "push":
        return _push(payload)
    if kind == "merge_request":
        return _merge_request(payload)
    if kind in ("issue", "incident"):
        return _issue(payload, incident_label or "incident")
    return Normalised(ignored=f"event {event_type or kind or '(none)'!r} is not used")
