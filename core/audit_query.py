"""Reading the audit log: filters for the audit page and its JSON-lines export."""

from dataclasses import dataclass
from datetime import date, datetime, time

import orjson
from django.db.models import QuerySet
from django.utils import timezone

from core.models import AuditEntry

EXPORT_BATCH = 2000


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    target: str = ""
    outcome: str = ""
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_list(*, filters: AuditFilters) -> QuerySet:
    """Newest first; action filters by prefix (`catalog.` lists every catalog write)."""
    qs = AuditEntry.objects.all()
    if filters.actor:
        qs = qs.filter(actor_name__iexact=filters.actor)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.target:
        qs = qs.filter(target__icontains=filters.target)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.since:
        qs = qs.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(created_at__lt=_day_start(filters.until) + timezone.timedelta(days=1))
    return qs.order_by("-created_at", "-id")


def audit_export_lines(*, filters: AuditFilters):
    """One JSON object per line, streamed in batches so a year of entries never sits in memory."""
    qs = audit_list(filters=filters).values(
        "id", "created_at", "actor_name", "action", "target", "outcome", "source_address", "request_id", "detail"
    )
    for row in qs.iterator(chunk_size=EXPORT_BATCH):
        row["created_at"] = row["created_at"].isoformat()
        row["actor"] = row.pop("actor_name")
        yield orjson.dumps(row) + b"\n"
