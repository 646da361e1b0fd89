"""Normalised delivery events and the field readers every normaliser shares."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

SHA_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")


class PayloadError(ValueError):
    """The payload is not what the source sends: the message names the field and what was expected."""


@dataclass(frozen=True)
class DeploymentEvent:
    external_id: str
    service: str
    environment: str
    status: str  # success / failure / rollback / pending
    deployed_at: datetime
    commit_shas: tuple[str, ...] = ()
    match_keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ChangeEvent:
    sha: str
    authored_at: datetime
    author: str = ""
    head_sha: str = ""
    service: str = ""
    match_keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class IncidentEvent:
    external_id: str
    service: str
    opened_at: datetime
    resolved_at: datetime | None = None
    severity: str = ""
    title: str = ""
    caused_by: str = ""  # a deployment's external id or a commit SHA
    match_keys: tuple[tuple[str, str], ...] = ()
    # False when the source does not say whether it is resolved (an update keeps what is stored).
    knows_resolution: bool = True


@dataclass
class Normalised:
    events: list = field(default_factory=list)
    ignored: str = ""  # why nothing in this delivery counts (an unknown event type, an unmerged PR, ...)


def obj(data, path: str) -> dict:
    if not isinstance(data, dict):
        raise PayloadError(f"{path}: expected an object, got {type(data).__name__}")
    return data


def get(data: dict, key: str, path: str, kind=str, *, required: bool = True, default=None):
    """data[key] checked against `kind`; PayloadError naming `path.key` otherwise."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        if required:
            raise PayloadError(f"{path}.{key}: missing (expected {_kind_name(kind)})")
        return default
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise PayloadError(f"{path}.{key}: expected {_kind_name(kind)}, got {type(value).__name__}")
    return value


def _kind_name(kind) -> str:
    names = {str: "a string", int: "an integer", dict: "an object", list: "a list", bool: "true or false"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def parse_time(value, path: str) -> datetime:
    """ISO 8601 (with Z or an offset) or GitLab's '2021-04-28 21:50:00 +0200' / '... UTC'; naive times are UTC."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{path}: expected a date-time string (ISO 8601), got {type(value).__name__}")
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    text = re.sub(r" ([+-]\d{2}):?(\d{2})$", r"\1:\2", text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise PayloadError(f"{path}: {value!r} is not a date-time (expected ISO 8601)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def sha(value, path: str) -> str:
    if not isinstance(value, str) or not SHA_RE.match(value):
        raise PayloadError(f"{path}: expected a commit SHA (7 to 64 hex digits), got {value!r:.60}")
    return value.lower()


ZERO_SHA = "0" * 40


def push_changes(payload: dict, *, service: str, match_keys, author_fields: tuple[str, ...]) -> Normalised:
    """A push's commits as changes (GitHub and GitLab send the same shape: `after`, `commits[]` with
    `id`, `timestamp`, `author`). The author is the first of `author_fields` the commit gives."""
    after = get(payload, "after", "payload")
    if after == ZERO_SHA:
        return Normalised(ignored="a branch deletion")
    events = []
    for i, commit in enumerate(get(payload, "commits", "payload", list)):
        path = f"commits[{i}]"
        commit = obj(commit, path)
        author = obj(commit.get("author") or {}, f"{path}.author")
        name = next((author[field] for field in author_fields if author.get(field)), "")
        events.append(ChangeEvent(
            sha=sha(commit.get("id"), f"{path}.id"),
            authored_at=parse_time(commit.get("timestamp"), f"{path}.timestamp"),
            author=str(name).lower()[:254], head_sha=sha(after, "after"), service=service, match_keys=match_keys))
    return Normalised(events=events, ignored="" if events else "a push without commits")
