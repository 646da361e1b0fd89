"""Who owns a component and who is in a group, read in bulk (cost attribution and per-person figures
of the insights app).

Names compare case-insensitively, as Backstage's refs do. A component named in several namespaces
is the default namespace's; otherwise the first by ref.
"""

from collections.abc import Iterable

from django.db.models import Q
from django.db.models.functions import Lower

from catalog.models import Entity, Relation, SearchEntry

EMAIL_KEY = "spec.profile.email"


def component_owners(*, names: Iterable[str]) -> dict[str, str]:
    """Lower-case component name → its owner's ref (lower case), for the names that are catalog
    Components with an owner. Two queries at most, whatever the number of names."""
    wanted = {str(name).strip().lower() for name in names if str(name).strip()}
    if not wanted:
        return {}
    owners: dict[str, str] = {}
    rows = Entity.objects.filter(ref__in=[f"component:default/{name}" for name in wanted]).exclude(owner_ref="")
    for name, owner in rows.values_list("name", "owner_ref"):
        owners[name.lower()] = owner
    rest = wanted - set(owners)
    if rest:
        others = (Entity.objects.annotate(lname=Lower("name")).filter(ref__startswith="component:", lname__in=rest)
                  .exclude(owner_ref="").order_by("ref").values_list("lname", "owner_ref"))
        for name, owner in others:
            owners.setdefault(name, owner)
    return owners


def group_members(*, refs: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """Group ref → its direct members as (User ref, profile e-mail or ''), sorted by ref; a member is
    one the group lists (`hasMember`) or who lists the group (`memberOf`). Three queries."""
    groups = {str(ref).strip().lower() for ref in refs if str(ref).strip().lower().startswith("group:")}
    members: dict[str, set[str]] = {ref: set() for ref in groups}
    if not groups:
        return {}
    rows = Relation.objects.filter(
        Q(type="hasMember", source_ref__in=groups, target_ref__startswith="user:")
        | Q(type="memberOf", target_ref__in=groups, source_ref__startswith="user:")
    ).values_list("type", "source_ref", "target_ref")
    for rtype, source, target in rows:
        group, user = (source, target) if rtype == "hasMember" else (target, source)
        members[group].add(user)
    everyone = set().union(*members.values())
    existing = set(Entity.objects.filter(ref__in=everyone).values_list("ref", flat=True)) if everyone else set()
    emails = dict(SearchEntry.objects.filter(key=EMAIL_KEY, entity__ref__in=existing)
                  .values_list("entity__ref", "value")) if existing else {}
    return {group: [(user, emails.get(user) or "") for user in sorted(users & existing)]
            for group, users in members.items()}


def people_count() -> int:
    """How many User entities the catalog has (the organisation's people)."""
    return Entity.objects.filter(ref__startswith="user:").count()
