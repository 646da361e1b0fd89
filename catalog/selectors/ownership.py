"""Is every component owned and contactable? One row per owner named by Components: how many
components name it, whether the owner entity exists, how many members it has, and whether it gives
a contact e-mail (`spec.profile.email`). Four queries, and rows per owner rather than per component,
however many components there are (the maturity assessment reads it)."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count

from catalog.models import Entity, Relation, SearchEntry

EMAIL_KEY = "spec.profile.email"


@dataclass(frozen=True)
class OwnerState:
    owner_ref: str  # "" for components that name no owner
    components: int
    owner_exists: bool
    members: int  # a Group's members (memberOf relations, each person once); a User owner counts as one
    email: str

    @property
    def contactable(self) -> bool:
        """Owned by someone who exists, has people in it and can be written to."""
        return self.owner_exists and self.members > 0 and bool(self.email)


def _components(owner_refs: list[str] | None):
    components = Entity.objects.filter(ref__startswith="component:")  # refs are lower case, whatever the kind's case
    if owner_refs is not None:
        components = components.filter(owner_ref__in=[r.lower() for r in owner_refs])
    return components


def component_refs(*, owner_refs: list[str] | None = None) -> list[str]:
    """Refs of every Component (of `owner_refs` when given), in ref order: one query."""
    return list(_components(owner_refs).order_by("ref").values_list("ref", flat=True))


def owning_groups() -> list[str]:
    """Refs of the Groups in the catalog that own at least one Component: one query."""
    owners = _components(None).filter(owner_ref__startswith="group:").values("owner_ref")
    return list(Entity.objects.filter(ref__in=owners).order_by("ref").values_list("ref", flat=True))


def component_owners(*, owner_refs: list[str] | None = None) -> list[OwnerState]:
    """The owners Components name (of `owner_refs` when given), with their state, by owner ref."""
    counts = dict(_components(owner_refs).values_list("owner_ref").annotate(n=Count("id")).order_by())
    owners = sorted(owner for owner in counts if owner)
    found = dict(Entity.objects.filter(ref__in=owners).values_list("ref", "id"))
    # The same membership is emitted by the User (memberOf) and by the Group (members): count people once.
    members = Counter(target for target, _ in Relation.objects.filter(type="memberOf", target_ref__in=list(found))
                      .values_list("target_ref", "source_ref").distinct())
    emails = dict(SearchEntry.objects.filter(key=EMAIL_KEY, entity_id__in=list(found.values()))
                  .values_list("entity_id", "value"))
    rows = []
    for owner in sorted(counts):
        exists = owner in found
        people = 1 if exists and owner.startswith("user:") else members.get(owner, 0)
        rows.append(OwnerState(owner_ref=owner, components=counts[owner], owner_exists=exists, members=people,
                               email=(emails.get(found.get(owner)) or "") if exists else ""))
    return rows
