"""Platform Health writes: ticket counts and headcount (CSV or JSON), platform checks, and Paved's
own once-a-minute availability record.

Imports are all-or-nothing: every row is checked first, and a bad one refuses the whole input with
its line and column named; nothing is half-stored. Re-sending a month replaces that month's counts
(idempotent). People's writes are permission-checked and audited; the minute probe is the system
recording itself and is not audited (it would add 1,440 entries a day that say nothing).
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.lib.refs import RefError, parse_ref
from core.access import require
from core.audit import audit_record
from insights.models.health import HeadcountMonth, TicketCount, UptimeDay

MAX_ROWS = 50_000
MAX_CHECKS = 1_000
IMPORT_PERMISSION = "insights.data.import"
TICKET_COLUMNS = ("month", "team", "category", "count")
HEADCOUNT_COLUMNS = ("month", "team", "headcount", "leavers")


@dataclass(frozen=True)
class ImportResult:
    rows: int
    months: list[str]


def _where(line: int | None, column: str) -> str:
    return f"line {line}, column {column}" if line is not None else f"item, field {column}"


def _month(value: object, line: int | None) -> date:
    text = str(value or "").strip()
    try:
        year, month = text[:7].split("-")
        if len(text) not in (7, 10):
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValidationError(f"{_where(line, 'month')}: expected a month as YYYY-MM, got {text[:40]!r}.") from None


def _team(value: object, line: int | None) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        ref = parse_ref(text, default_kind="group")
    except RefError as exc:
        raise ValidationError(f"{_where(line, 'team')}: expected a group ref like team-a or "
                              f"group:default/team-a, got {text[:60]!r} ({exc}).") from None
    if ref.kind.lower() != "group":
        raise ValidationError(f"{_where(line, 'team')}: expected a Group, got a {ref.kind} ({text[:60]!r}).")
    return ref.key


def _count(value: object, line: int | None, column: str) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 9:
        raise ValidationError(f"{_where(line, column)}: expected a whole number ≥ 0, got {text[:40]!r}.")
    return int(text)


def _text(value: object, line: int | None, column: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit or any(ord(ch) < 32 for ch in text):
        raise ValidationError(f"{_where(line, column)}: expected plain text of at most {limit} characters.")
    return text


def _csv_rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
        if not any(header):
            raise StopIteration
    except StopIteration:
        raise ValidationError(f"The CSV is empty: expected a header line {','.join(columns)}.") from None
    except csv.Error as exc:
        raise ValidationError(f"line 1: not CSV ({exc}).") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(f"line 1: the header lacks the column(s) {', '.join(missing)}; expected "
                              f"{','.join(columns)}.")
    rows = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise ValidationError(f"line {line}: expected {len(header)} columns, found {len(record)} "
                                      "(a truncated or malformed line).")
            rows.append((line, dict(zip(header, record, strict=True))))
            if len(rows) > MAX_ROWS:
                raise ValidationError(f"More than {MAX_ROWS} rows: split the file by month.")
    except csv.Error as exc:
        raise ValidationError(f"line {reader.line_num}: not CSV ({exc}).") from None
    return rows


def _items(items: object, name: str) -> list[tuple[None, dict]]:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError(f"Expected {name} as a list of objects.")
    if len(items) > MAX_ROWS:
        raise ValidationError(f"More than {MAX_ROWS} {name}: send them in parts.")
    return [(None, i) for i in items]


def _parse_tickets(rows: list[tuple[int | None, dict]]) -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    for line, row in rows:
        key = (_month(row.get("month"), line), _team(row.get("team"), line),
               _text(row.get("category"), line, "category", 100))
        # A file listing one month/team/category twice means both lines count (ticket exports often do).
        counts[key] = counts.get(key, 0) + _count(row.get("count"), line, "count")
    return counts


def tickets_import(*, actor, text: str | None = None, items: list | None = None, source: str = "csv") -> ImportResult:
    """Ticket counts per month, team and category, from CSV text or JSON items; a month that is sent
    again replaces its counts for the teams sent."""
    require(actor, IMPORT_PERMISSION)
    rows = _csv_rows(text, TICKET_COLUMNS, ("month", "count")) if items is None else _items(items, "counts")
    counts = _parse_tickets(rows)
    source = _text(source, None, "source", 63) or "csv"
    with transaction.atomic():
        for (month, team) in {(m, t) for m, t, _c in counts}:
            TicketCount.objects.filter(month=month, team_ref=team).delete()
        TicketCount.objects.bulk_create([TicketCount(month=m, team_ref=t, category=c, count=n, source=source)
                                         for (m, t, c), n in counts.items()])
        months = sorted({f"{m:%Y-%m}" for m, _t, _c in counts})
        audit_record(actor=actor, action="insights.tickets.import", target=", ".join(months)[:200],
                     detail={"rows": len(rows), "source": source})
    return ImportResult(rows=len(rows), months=months)


def headcount_import(*, actor, text: str | None = None, items: list | None = None) -> ImportResult:
    """People per team at the end of each month and how many left that month (an HR export)."""
    require(actor, IMPORT_PERMISSION)
    rows = _csv_rows(text, HEADCOUNT_COLUMNS, ("month", "headcount")) if items is None else _items(items, "rows")
    parsed: dict[tuple, tuple[int, int]] = {}
    for line, row in rows:
        key = (_month(row.get("month"), line), _team(row.get("team"), line))
        if key in parsed:
            raise ValidationError(f"{_where(line, 'team')}: {key[0]:%Y-%m} {key[1] or '(no team)'} is listed twice.")
        headcount = _count(row.get("headcount"), line, "headcount")
        leavers = _count(row.get("leavers") or "0", line, "leavers")
        parsed[key] = (headcount, leavers)
    with transaction.atomic():
        for (month, team), (headcount, leavers) in parsed.items():
            HeadcountMonth.objects.update_or_create(month=month, team_ref=team,
                                                    defaults={"headcount": headcount, "leavers": leavers})
        months = sorted({f"{m:%Y-%m}" for m, _t in parsed})
        audit_record(actor=actor, action="insights.headcount.import", target=", ".join(months)[:200],
                     detail={"rows": len(rows)})
    return ImportResult(rows=len(rows), months=months)


# --- Availability --------------------------------------------------------------------------------


def _record(*, component: str, ok: bool, at: datetime, detail: str = "") -> None:
    day = timezone.localtime(at).date()
    changed = UptimeDay.objects.filter(component=component, day=day).update(
        ok=F("ok") + (1 if ok else 0), failed=F("failed") + (0 if ok else 1), last_at=at, last_ok=ok,
        last_detail=detail[:300])
    if changed:
        return
    try:
        with transaction.atomic():
            UptimeDay.objects.create(component=component, day=day, ok=1 if ok else 0, failed=0 if ok else 1,
                                     first_at=at, last_at=at, last_ok=ok, last_detail=detail[:300])
    except IntegrityError:  # another check of the same day got there first
        _record(component=component, ok=ok, at=at, detail=detail)


def _component(value: object, index: int) -> str:
    text = str(value or "").strip().lower()
    if not text or len(text) > 100 or not all(ch.isalnum() or ch in "-_.:/" for ch in text):
        raise ValidationError(f"checks[{index}].component: expected a name of letters, digits and -_.:/ "
                              f"(at most 100), got {str(value)[:60]!r}.")
    if text == UptimeDay.PAVED:
        raise ValidationError(f"checks[{index}].component: 'paved' is recorded by Paved itself.")
    return text


def checks_record(*, actor, checks: object) -> int:
    """Posted checks of other platform components: [{component, ok, at?, detail?}, ...]."""
    require(actor, IMPORT_PERMISSION)
    if not isinstance(checks, list) or not checks:
        raise ValidationError("checks: expected a non-empty list of {component, ok, at, detail}.")
    if len(checks) > MAX_CHECKS:
        raise ValidationError(f"checks: at most {MAX_CHECKS} at a time.")
    now, parsed = timezone.now(), []
    for i, check in enumerate(checks):
        if not isinstance(check, dict):
            raise ValidationError(f"checks[{i}]: expected an object.")
        component = _component(check.get("component"), i)
        if not isinstance(check.get("ok"), bool):
            raise ValidationError(f"checks[{i}].ok: expected true or false.")
        at = now
        if check.get("at") is not None:
            at = parse_datetime(str(check["at"])) if isinstance(check["at"], str) else None
            if at is None or timezone.is_naive(at):
                raise ValidationError(f"checks[{i}].at: expected an ISO 8601 time with a zone, "
                                      f"got {str(check['at'])[:40]!r}.")
            if at > now:
                raise ValidationError(f"checks[{i}].at: {check['at']} is in the future.")
        detail = check.get("detail", "")
        if not isinstance(detail, str):
            raise ValidationError(f"checks[{i}].detail: expected text.")
        parsed.append((component, check["ok"], at, detail))
    with transaction.atomic():
        for component, ok, at, detail in parsed:
            _record(component=component, ok=ok, at=at, detail=detail)
        audit_record(actor=actor, action="insights.checks.record",
                     target=", ".join(sorted({p[0] for p in parsed}))[:200], detail={"checks": len(parsed)})
    return len(parsed)


def platform_probe(*, now: datetime | None = None) -> bool:
    """Paved's own minute: the database answers (and, since this runs as a Celery task, the broker
    and a worker are up). A minute nobody records counts as down in the selector."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001  (nowhere to write the failure: the missing minute records it)
        return False
    _record(component=UptimeDay.PAVED, ok=True, at=now or timezone.now(), detail="database, broker and worker up")
    return True
