"""The audit log: one append-only row for every write, refused attempt and sign-in.

Services write their own entry (STYLE.md: "the service that changes data writes the audit row
itself"), inside the same transaction as the change, so a rolled-back write leaves no entry and a
committed one always has one.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.context import current_request_id, current_source_address
from core.models import AuditEntry

MAX_DETAIL_BYTES = 8 * 1024
MAX_TARGET = 2100


def _actor_fields(actor) -> tuple[object | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor, actor.get_username()[:150]


def _bounded(detail: dict | None) -> dict:
    """Detail is for people reading the log: keep it JSON and small, whatever a caller passes."""
    if not detail:
        return {}
    text = json.dumps(detail, default=str, sort_keys=True)
    if len(text) <= MAX_DETAIL_BYTES:
        return json.loads(text)
    return {"truncated": text[:MAX_DETAIL_BYTES]}


def audit_record(*, actor, action: str, target: str = "", outcome: str = AuditEntry.Outcome.SUCCESS,
                 detail: dict | None = None, actor_name: str = "") -> AuditEntry:
    """Append one entry; the request id and source address come from the current request, if any."""
    user, name = _actor_fields(actor)
    return AuditEntry.objects.create(
        actor=user,
        actor_name=name or actor_name[:150],
        action=action[:100],
        target=str(target)[:MAX_TARGET],
        outcome=outcome,
        source_address=current_source_address(),
        request_id=current_request_id(),
        detail=_bounded(detail),
    )


def audit_prune(*, now=None) -> int:
    """Delete entries older than PAVED_AUDIT_RETENTION_DAYS (0 keeps everything); returns how many."""
    days = settings.PAVED_AUDIT_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = AuditEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
