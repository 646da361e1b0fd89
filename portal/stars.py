"""Starred and recently visited catalog entities: the person's own short lists for the home page.

Both are kept by entity ref. Starring is a write the person asks for (checked and audited);
a visit is recorded while the entity page renders (one UPDATE, an INSERT and a trim only for an
entity not in the list yet), so a GET stays one small write away from read-only.
"""

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.utils import timezone

from catalog.access import entity_readable
from catalog.models import Entity
from core.audit import audit_record
from portal.models import EntityStar, EntityVisit

VISITS_KEPT = 20
STARS_SHOWN = 50


def star_set(*, actor, entity: Entity, starred: bool) -> bool:
    """Star (or unstar) `entity` for `actor`; True when that changed something. The person must be
    able to read the entity (a refused attempt is audited, and looks like an unknown entity)."""
    if not entity_readable(actor, entity):
        audit_record(actor=actor, action="paved.star.set", target=entity.ref,
                     outcome="denied", detail={"starred": starred})
        raise PermissionDenied("No such entity in the catalog.")
    with transaction.atomic():
        stars = EntityStar.objects.filter(user=actor, entity_ref=entity.ref)
        if starred:
            changed = not stars.exists()
            if changed:
                EntityStar.objects.bulk_create([EntityStar(user=actor, entity_ref=entity.ref)], ignore_conflicts=True)
        else:
            changed = stars.delete()[0] > 0
        if changed:
            audit_record(actor=actor, action="paved.star.add" if starred else "paved.star.remove",
                         target=entity.ref)
    return changed


def is_starred(*, user, ref: str) -> bool:
    return EntityStar.objects.filter(user=user, entity_ref=ref).exists()


def starred_refs(*, user, limit: int = STARS_SHOWN) -> list[str]:
    return list(EntityStar.objects.filter(user=user).values_list("entity_ref", flat=True)[:limit])


def visit_record(*, user, ref: str) -> None:
    """Remember that `user` opened `ref` now, keeping their last VISITS_KEPT entities. Best effort:
    a failed write is not worth a failed page."""
    if not getattr(user, "is_authenticated", False) or not ref:
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            if EntityVisit.objects.filter(user=user, entity_ref=ref).update(visited_at=now):
                return
            EntityVisit.objects.bulk_create([EntityVisit(user=user, entity_ref=ref, visited_at=now)],
                                            ignore_conflicts=True)
            old = list(EntityVisit.objects.filter(user=user).order_by("-visited_at", "-pk")
                       .values_list("pk", flat=True)[VISITS_KEPT:VISITS_KEPT + 50])
            if old:
                EntityVisit.objects.filter(pk__in=old).delete()
    except DatabaseError:
        return


def visited_refs(*, user, limit: int = VISITS_KEPT) -> list[str]:
    return list(EntityVisit.objects.filter(user=user).order_by("-visited_at", "-pk")
                .values_list("entity_ref", flat=True)[:limit])
