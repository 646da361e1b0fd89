"""Is every component owned and contactable? One row per Component with what its owner is:
whether the owner entity exists, how many members it has, and whether it gives a contact e-mail
(`spec.profile.email`). Four queries, however many components (the maturity assessment reads it)."""

from collections import Counter
from dataclasses import dataclass

from catalog.models import Entity, Relation, SearchEntry

EMAIL_KEY = "spec.profile.email"


@dataclass(frozen=True)
class OwnershipRow:
    ref: str
    owner_ref: str
    owner_exists: bool
    members: int  # a Group's members (memberOf relations); a User owner counts as one
    email: str

    @property
    def contactable(self) -> bool:
        """Owned by someone who exists, has people in it and can be written to."""
        return self.owner_exists and self.members > 0 and bool(self.email)


def _components(owner_refs: list[str] | None):
    components = Entity.objects.filter(kind__iexact="component")
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


def component_ownership(*, owner_refs: list[str] | None = None) -> list[OwnershipRow]:
    """Every Component (of `owner_refs` when given, lower-case refs) with its owner's state, by ref."""
    pairs = list(_components(owner_refs).order_by("ref").values_list("ref", "owner_ref"))
    owners = sorted({owner for _, owner in pairs if owner})
    found = dict(Entity.objects.filter(ref__in=owners).values_list("ref", "id"))
    # The same membership is emitted by the User (memberOf) and by the Group (members): count people once.
    members = Counter(target for target, _ in Relation.objects.filter(type="memberOf", target_ref__in=list(found))
                      .values_list("target_ref", "source_ref").distinct())
    emails = {entity_id: value for entity_id, value in SearchEntry.objects.filter(
        key=EMAIL_KEY, entity_id__in=list(found.values())).values_list("entity_id", "value")}
    rows = []
    for ref, owner in pairs:
        exists = owner in found
        count = 1 if exists and owner.startswith("user:") else members.get(owner, 0)
        rows.append(OwnershipRow(ref=ref, owner_ref=owner, owner_exists=exists, members=count,
                                 email=(emails.get(found.get(owner)) or "") if exists else ""))
    return rows
