"""GitHub webhooks: deployment, deployment_status, push, pull_request (merged), issues (incidents)."""

import re

from insights.lib.webhooks.events import (
    ZERO_SHA,
    ChangeEvent,
    DeploymentEvent,
    IncidentEvent,
    Normalised,
    PayloadError,
    get,
    obj,
    parse_time,
    push_changes,
    sha,
)

ANNOTATION = "github.com/project-slug"
ROOT_CAUSE = re.compile(r"root\s*cause:\s*([0-9a-fA-F]{7,64})", re.IGNORECASE)
STATES = {"success": "success", "failure": "failure", "error": "failure"}


def _repo(payload: dict) -> tuple[str, tuple]:
    repo = obj(get(payload, "repository", "payload", dict), "repository")
    full = get(repo, "full_name", "repository")
    return full.rsplit("/", 1)[-1], ((ANNOTATION, full.lower()),)


def _deployment(payload: dict, status: str, at) -> DeploymentEvent:
    service, keys = _repo(payload)
    deployment = get(payload, "deployment", "payload", dict)
    deployment_id = get(deployment, "id", "deployment", int)
    return DeploymentEvent(
        external_id=f"{keys[0][1]}#{deployment_id}", service=service,
        environment=get(deployment, "environment", "deployment"), status=status, deployed_at=at,
        commit_shas=(sha(deployment.get("sha"), "deployment.sha"),), match_keys=keys)


def _issue_incident(payload: dict, incident_label: str) -> Normalised:
    issue = get(payload, "issue", "payload", dict)
    labels = [label.get("name", "") for label in get(issue, "labels", "issue", list, required=False, default=[])
              if isinstance(label, dict)]
    if incident_label.lower() not in {str(name).lower() for name in labels}:
        return Normalised(ignored=f"issue without the {incident_label!r} label")
    service, keys = _repo(payload)
    closed = issue.get("closed_at") if issue.get("state") == "closed" else None
    cause = ROOT_CAUSE.search(str(issue.get("body") or ""))
    return Normalised(events=[IncidentEvent(
        external_id=f"{keys[0][1]}#issue-{get(issue, 'number', 'issue', int)}", service=service,
        opened_at=parse_time(get(issue, "created_at", "issue"), "issue.created_at"),
        resolved_at=parse_time(closed, "issue.closed_at") if closed else None,
        title=str(issue.get("title") or "")[:300], caused_by=cause.group(1).lower() if cause else "",
        match_keys=keys)])


def _push(payload: dict) -> Normalised:
    if get(payload, "after", "payload") == ZERO_SHA:
        return Normalised(ignored="a branch deletion")  # before reading the repository a deletion may lack
    service, keys = _repo(payload)
    return push_changes(payload, service=service, match_keys=keys, author_fields=("email", "username"))


def _pull_request(payload: dict) -> Normalised:
    pull = get(payload, "pull_request", "payload", dict)
    if payload.get("action") != "closed" or not pull.get("merged"):
        return Normalised(ignored="a pull request that was not merged")
    service, keys = _repo(payload)
    merge = sha(pull.get("merge_commit_sha"), "pull_request.merge_commit_sha")
    # The payload has no commit author times: the pull request's opening is the earliest time the
    # change is known to exist (a push of the same commit, if it arrives first, keeps its own time).
    user = pull.get("user") if isinstance(pull.get("user"), dict) else {}
    return Normalised(events=[ChangeEvent(
        sha=merge, authored_at=parse_time(get(pull, "created_at", "pull_request"), "pull_request.created_at"),
        author=str(user.get("login") or "").lower(), head_sha=merge, service=service, match_keys=keys)])


def normalise(event_type: str, payload: dict, *, incident_label: str = "incident") -> Normalised:
    obj(payload, "payload")
    if event_type == "deployment":
        deployment = get(payload, "deployment", "payload", dict)
        at = parse_time(get(deployment, "created_at", "deployment"), "deployment.created_at")
        return Normalised(events=[_deployment(payload, "pending", at)])
    if event_type == "deployment_status":
        status = get(payload, "deployment_status", "payload", dict)
        state = get(status, "state", "deployment_status")
        if state not in STATES:
            return Normalised(ignored=f"deployment status {state!r}")
        at = parse_time(status.get("created_at") or status.get("updated_at"), "deployment_status.created_at")
        return Normalised(events=[_deployment(payload, STATES[state], at)])
    if event_type == "push":
        return _push(payload)
    if event_type == "pull_request":
        return _pull_request(payload)
    if event_type == "issues":
        return _issue_incident(payload, incident_label or "incident")
    if event_type == "ping":
        return Normalised(ignored="ping")
    return Normalised(ignored=f"event type {event_type or '(none)'!r} is not used")


__all__ = ["normalise", "PayloadError"]
