"""Pushes to the built-in git host: the commits a push brought, as changes (author time kept)."""

from insights.lib.webhooks.events import ChangeEvent, Normalised, get, obj, parse_time, sha


def normalise(event_type: str, payload: dict, *, incident_label: str = "") -> Normalised:
    """payload: {"repository": "owner/name", "pushes": [{"ref", "new", "commits": [{sha, email, date}]}]}."""
    obj(payload, "payload")
    repository = get(payload, "repository", "payload")
    service = repository.rsplit("/", 1)[-1]
    events = []
    for i, push in enumerate(get(payload, "pushes", "payload", list)):
        path = f"pushes[{i}]"
        head = sha(get(obj(push, path), "new", path), f"{path}.new")
        for j, commit in enumerate(get(push, "commits", path, list)):
            cpath = f"{path}.commits[{j}]"
            commit = obj(commit, cpath)
            events.append(ChangeEvent(sha=sha(commit.get("sha"), f"{cpath}.sha"),
                                      authored_at=parse_time(commit.get("date"), f"{cpath}.date"),
                                      author=str(commit.get("email") or "").lower()[:254], head_sha=head,
                                      service=service))
    return Normalised(events=events, ignored="" if events else "a push without new commits")
