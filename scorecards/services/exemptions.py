"""Exemptions: an owner asks to exempt one check for one entity, with a reason and an expiry; a platform
admin approves or rejects; anyone who may approve can revoke. The scoring engine reads approved,
unexpired exemptions when it scores, so an exemption ends on its own at its expiry: the beat task
`exemptions_expire` only asks for a rescore of the entities whose exemption just ran out.

Every change is audited and notified (admins on a request, the requester on a decision), and a
decision enqueues the entity's rescore once the transaction commits.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.access import entity_resource
from catalog.selectors import accounts_for_refs
from core.access import ADMIN_PERMISSION, require
from core.audit import audit_record
from core.models import Grant, RoleBinding
from core.notifications import notify
from core.queue import task_enqueue_on_commit
from scorecards.models import Exemption, Scorecard
from scorecards.selectors.scores import check_meta

logger = logging.getLogger(__name__)

MAX_REASON = 2000
MAX_NOTE = 2000
RESCORE_TASK = "scorecards.tasks.entities_rescore"


def max_days() -> int:
    return settings.PAVED_SCORECARDS_EXEMPTION_MAX_DAYS


def _link(entity_ref: str) -> str:
    kind, _, rest = entity_ref.partition(":")
    namespace, _, name = rest.partition("/")
    return f"/scorecards/entities/{namespace}/{kind}/{name}/"


def platform_admins() -> list:
    """Superusers and the people bound (directly or through their groups) to a role that grants `*`."""
    subjects = set(RoleBinding.objects.filter(role__grants__permission=ADMIN_PERMISSION, role__grants__rule="")
                   .values_list("subject", flat=True))
    people = {u.pk: u for u in get_user_model().objects.filter(is_superuser=True, is_active=True)}
    if subjects:
        people.update({u.pk: u for u in accounts_for_refs(subjects)})
    # The Everyone role granting `*` would make everyone an admin: nobody to single out then.
    if Grant.objects.filter(role__everyone=True, permission=ADMIN_PERMISSION, rule="").exists():
        return list(get_user_model().objects.filter(is_superuser=True, is_active=True))
    return list(people.values())


def _expiry(expires_at, now: datetime.datetime) -> datetime.datetime:
    if isinstance(expires_at, str):
        try:
            expires_at = datetime.date.fromisoformat(expires_at.strip())
        except ValueError:
            raise ValidationError({"expires_at": f"expected a date like 2027-03-31, got {expires_at[:40]!r}"}) from None
    if isinstance(expires_at, datetime.date) and not isinstance(expires_at, datetime.datetime):
        # A date means the end of that day, in the portal's time zone.
        expires_at = timezone.make_aware(datetime.datetime.combine(expires_at, datetime.time(23, 59, 59)))
    if not isinstance(expires_at, datetime.datetime):
        raise ValidationError({"expires_at": "an expiry date is required"})
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    if expires_at <= now:
        raise ValidationError({"expires_at": "the expiry must be in the future"})
    if expires_at > now + datetime.timedelta(days=max_days() + 1):
        raise ValidationError({"expires_at": f"an exemption lasts at most {max_days()} days "
                                             f"(until {(now + datetime.timedelta(days=max_days())).date()})"})
    return expires_at


def exemption_request(*, user, scorecard: Scorecard, entity, check_key: str, reason: str, expires_at,
                      now: datetime.datetime | None = None) -> Exemption:
    """An owner asks to exempt `entity` from `check_key` until `expires_at` (a date or datetime)."""
    require(user, "scorecards.exemption.request", entity_resource(entity))
    now = now or timezone.now()
    check_key = str(check_key or "").replace("\x00", "").strip()
    meta = check_meta(scorecard)
    if check_key not in meta:
        known = ", ".join(list(meta)[:20]) or "none"
        raise ValidationError({"check": f"{check_key[:100]!r} is not a check of {scorecard.slug} (known: {known})"})
    reason = str(reason or "").replace("\x00", "").strip()
    if not reason:
        raise ValidationError({"reason": "say why the check does not apply or cannot be met yet"})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"at most {MAX_REASON} characters, got {len(reason)}"})
    expiry = _expiry(expires_at, now)
    ref = entity.ref.lower()
    open_states = (Exemption.Status.PENDING, Exemption.Status.APPROVED)
    with transaction.atomic():
        if Exemption.objects.select_for_update().filter(scorecard=scorecard, entity_ref=ref, check_key=check_key,
                                                         status__in=open_states, expires_at__gt=now).exists():
            raise ValidationError({"check": f"{check_key} already has a pending or approved exemption for {ref}"})
        exemption = Exemption.objects.create(scorecard=scorecard, entity_ref=ref, check_key=check_key, reason=reason,
                                             expires_at=expiry, requested_by=user)
        audit_record(actor=user, action="scorecards.exemption.request", target=ref,
                     detail={"id": exemption.pk, "scorecard": scorecard.slug, "check": check_key,
                             "expires_at": expiry.isoformat()})
        notify(users=platform_admins(), title=f"Exemption requested: {ref} · {meta[check_key][0]}",
               description=f"{user.get_username()} asks until {expiry:%-d %B %Y}: {reason[:300]}",
               link=_link(ref), topic="scorecards", origin=f"scorecards:exemption:{exemption.pk}", actor=user)
    return exemption


def _entity_resource_for(exemption: Exemption, entity):
    return entity_resource(entity) if entity is not None else None


def exemption_decide(*, user, exemption: Exemption, approve: bool, entity, note: str = "",
                     now: datetime.datetime | None = None) -> Exemption:
    """A platform admin approves or rejects a pending request; the entity is rescored on commit."""
    require(user, "scorecards.exemption.approve", _entity_resource_for(exemption, entity))
    now = now or timezone.now()
    note = str(note or "").replace("\x00", "").strip()[:MAX_NOTE]
    status = Exemption.Status.APPROVED if approve else Exemption.Status.REJECTED
    with transaction.atomic():
        changed = Exemption.objects.filter(pk=exemption.pk, status=Exemption.Status.PENDING).update(
            status=status, decided_by=user, decided_at=now, decision_note=note)
        if not changed:
            exemption.refresh_from_db()
            raise ValidationError({"status": f"this exemption is already {exemption.get_status_display().lower()}"})
        exemption.refresh_from_db()
        if approve and exemption.expires_at <= now:
            raise ValidationError({"expires_at": "this request expired before it was approved"})
        audit_record(actor=user, action=f"scorecards.exemption.{'approve' if approve else 'reject'}",
                     target=exemption.entity_ref, detail={"id": exemption.pk, "check": exemption.check_key,
                                                          "note": note[:300]})
        verb = "approved" if approve else "rejected"
        notify(users=[exemption.requested_by],
               title=f"Exemption {verb}: {exemption.entity_ref} · {exemption.check_key}",
               description=note, link=_link(exemption.entity_ref), topic="scorecards",
               origin=f"scorecards:exemption:{exemption.pk}", actor=user)
        task_enqueue_on_commit(RESCORE_TASK, [exemption.entity_ref])
    return exemption


def exemption_revoke(*, user, exemption: Exemption, entity, now: datetime.datetime | None = None) -> Exemption:
    """End an approved (or withdraw a pending) exemption before its expiry."""
    require(user, "scorecards.exemption.approve", _entity_resource_for(exemption, entity))
    now = now or timezone.now()
    with transaction.atomic():
        changed = Exemption.objects.filter(
            pk=exemption.pk, status__in=(Exemption.Status.PENDING, Exemption.Status.APPROVED)
        ).update(status=Exemption.Status.REVOKED, decided_by=user, decided_at=now)
        if not changed:
            raise ValidationError({"status": "only a pending or approved exemption can be revoked"})
        exemption.refresh_from_db()
        audit_record(actor=user, action="scorecards.exemption.revoke", target=exemption.entity_ref,
                     detail={"id": exemption.pk, "check": exemption.check_key})
        notify(users=[exemption.requested_by],
               title=f"Exemption revoked: {exemption.entity_ref} · {exemption.check_key}",
               link=_link(exemption.entity_ref), topic="scorecards", origin=f"scorecards:exemption:{exemption.pk}",
               actor=user)
        task_enqueue_on_commit(RESCORE_TASK, [exemption.entity_ref])
    return exemption


def exemptions_expire(*, now: datetime.datetime | None = None, window_seconds: int | None = None) -> list[str]:
    """Ask for a rescore of the entities whose approved exemption expired in the last window (twice the
    beat interval, so a late run misses nothing; a rescore of an unchanged input writes nothing)."""
    now = now or timezone.now()
    window = datetime.timedelta(seconds=window_seconds or 2 * settings.PAVED_SCORECARDS_EXEMPTION_SWEEP_SECONDS)
    refs = sorted(set(Exemption.objects.filter(status=Exemption.Status.APPROVED, expires_at__lte=now,
                                               expires_at__gt=now - window).values_list("entity_ref", flat=True)))
    if refs:
        task_enqueue_on_commit(RESCORE_TASK, refs)
        logger.info("exemptions expired for %d entities; rescore requested", len(refs))
    return refs
