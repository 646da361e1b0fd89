"""Teams and people as the measurement apps read them: which Groups are teams, which components a
team owns and who is in it, with the day a person started when the catalog says so.

A person's first day is the User entity's `paved.dev/start-date` annotation (YYYY-MM-DD), the way
HR feeds usually write it; None when the catalog does not say (the caller may fall back to the
person's first sign-in).
"""

from dataclasses import dataclass
from datetime import date

from catalog.models import Entity, Relation, SearchEntry

START_DATE_ANNOTATION = "paved.dev/start-date"


@dataclass(frozen=True)
class Person:
    ref: str
    name: str
    email: str
    start_date: date | None


@dataclass(frozen=True)
class Team:
    ref: str
    namespace: str
    name: str
    title: str

    @property
    def label(self) -> str:
        return self.title or self.name


def _teams():
    return Entity.objects.filter(ref__startswith="group:", spec_type="team")


def team_list() -> list[Team]:
    """Groups of type team, by namespace and name (one query, no entity bodies)."""
    return [Team(*row) for row in _teams().order_by("namespace", "name").values_list("ref", "namespace", "name",
                                                                                     "title")]


def team_get(*, ref: str) -> Team | None:
    """The Group of type team with this ref (any case), or None."""
    row = _teams().filter(ref=(ref or "").lower()).values_list("ref", "namespace", "name", "title").first()
    return Team(*row) if row else None


def team_component_refs(*, team_refs: list[str] | None = None) -> dict[str, list[str]]:
    """Component refs by owner ref, for the given owners (all owners when None): one query."""
    rows = Entity.objects.filter(ref__startswith="component:")
    if team_refs is not None:
        rows = rows.filter(owner_ref__in=[ref.lower() for ref in team_refs])
    out: dict[str, list[str]] = {}
    for ref, owner in rows.order_by("ref").values_list("ref", "owner_ref"):
        out.setdefault(owner, []).append(ref)
    return out


EMAIL_KEY = "spec.profile.email"
START_KEY = f"metadata.annotations.{START_DATE_ANNOTATION}"


def _start(value: str | None) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def people(*, team_ref: str | None = None) -> list[Person]:
    """catalog Users (members of `team_ref` when given), with e-mail and start date, read from the
    search index (no entity bodies): two queries."""
    users = Entity.objects.filter(ref__startswith="user:")
    if team_ref is not None:
        members = Relation.objects.filter(type="memberOf", target_ref=team_ref.lower()).values("source_ref")
        users = users.filter(ref__in=members)
    fields: dict[str, dict[str, str]] = {}
    for ref, key, value in SearchEntry.objects.filter(entity__in=users, key__in=[EMAIL_KEY, START_KEY]).values_list(
            "entity__ref", "key", "value"):
        fields.setdefault(ref, {})[key] = value or ""
    return [Person(ref=ref, name=name, email=fields.get(ref, {}).get(EMAIL_KEY, "").lower(),
                   start_date=_start(fields.get(ref, {}).get(START_KEY)))
            for ref, name in users.order_by("ref").values_list("ref", "name")]


def team_sizes(*, team_refs: list[str] | None = None) -> dict[str, int]:
    """How many Users are direct members of each team (one query)."""
    rows = Relation.objects.filter(type="memberOf", source_ref__startswith="user:")
    if team_refs is not None:
        rows = rows.filter(target_ref__in=[ref.lower() for ref in team_refs])
    out: dict[str, int] = {}
    # A membership is stored from both ends (the User's memberOf, the Group's hasMember): count people once.
    for target, _source in set(rows.values_list("target_ref", "source_ref")):
        out[target] = out.get(target, 0) + 1
    return out


def component_annotations(*, refs: list[str]) -> dict[str, dict[str, str]]:
    """metadata.annotations of these entities, by ref (one query)."""
    rows = Entity.objects.filter(ref__in=[ref.lower() for ref in refs]).values_list("ref", "body")
    return {ref: dict((body.get("metadata") or {}).get("annotations") or {}) for ref, body in rows}
