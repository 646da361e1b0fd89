"""Storing facts about catalog entities: posted by CI (JSON or a parsed report) or by the portal.

    facts_record(actor=..., entity_ref="component:default/x", facts={...}, source="json")
    facts_record_bulk(actor=..., items=[FactItem(...), ...])
    report_ingest(actor=..., entity_ref=..., format="cobertura", data=b"...", filename="coverage.xml")

Every write is checked first and stored whole or not at all:
- each entity must exist in the catalog (an entity the person may not read is unknown to them too);
- the person needs scorecards.facts.write on each entity (owners have it by default); `actor=None`
  is the portal itself writing its own facts (no permission check, audited as "paved");
- keys, values, sources and times are validated (scorecards.lib.reports.jsonfacts rules).
Then, in one transaction: the current value (Fact) is upserted when the value changed or the
observation is newer, a history row (FactRecord) is appended for every changed value (a late,
older observation goes to the history only), one audit entry is written, and the rescore of the
changed entities is enqueued once the transaction commits (scorecards.tasks.entities_rescore).
Bulk writes are a handful of queries whatever their size (bulk upsert, bulk insert).
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.access import entity_readable, entity_resource
from catalog.lib.refs import RefError, parse_ref
from catalog.selectors import entities_by_refs
from core.access import require
from core.audit import audit_record
from core.queue import task_enqueue_on_commit
from scorecards.lib.reports import ReportError, parse_report
from scorecards.lib.reports.base import CHUNK, ReportTooLarge
from scorecards.lib.reports.jsonfacts import MAX_FACTS as MAX_JSON_FACTS
from scorecards.lib.reports.jsonfacts import FactError, validate_facts
from scorecards.lib.reports.merge import merge_reports
from scorecards.models import Fact, FactRecord, Report

PERMISSION = "scorecards.facts.write"
RESCORE_TASK = "scorecards.tasks.entities_rescore"
SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@+ -]{0,99}$")
FUTURE_SLACK = timedelta(minutes=5)  # CI clocks drift; a time further ahead is a mistake
MAX_ITEMS = 10_000
MAX_FACTS = 50_000
MAX_FILES = 100
BATCH = 1000


class FactsInputError(ValueError):
    """Bad input, naming the item and field (`items[3].facts.coverage.line_percent`)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class UnknownEntityError(FactsInputError):
    """The entity named is not in the catalog (or not visible to the person)."""


@dataclass
class FactItem:
    """Facts about one entity, as posted (the ref may be short: `x`, `component:x`)."""

    entity_ref: str
    facts: dict
    source: str = "api"
    observed_at: datetime | str | None = None


@dataclass
class FactsResult:
    entity_refs: list[str] = field(default_factory=list)
    facts: int = 0
    changed: int = 0
    refreshed: int = 0
    unchanged: int = 0
    stale: int = 0

    def as_dict(self) -> dict:
        return {"entities": len(self.entity_refs), "facts": self.facts, "changed": self.changed,
                "refreshed": self.refreshed, "unchanged": self.unchanged, "stale": self.stale}


# --- Validation ---------------------------------------------------------------------------------


def entity_key_of(raw: object, *, field: str = "entityRef") -> str:
    """`kind:namespace/name` in lower case; short refs default to kind component, namespace default."""
    try:
        return parse_ref(raw, default_kind="component", default_namespace="default").key
    except RefError as exc:
        raise FactsInputError(f"{exc}: expected an entity reference such as component:default/name", field=field) \
            from None


def _observed(raw: object, *, field: str, now: datetime) -> datetime:
    if raw is None or raw == "":
        return now
    if isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FactsInputError(f"{raw[:40]!r}: expected an ISO 8601 time, e.g. 2026-01-31T10:00:00Z",
                                  field=field) from None
    elif isinstance(raw, datetime):
        value = raw
    else:
        raise FactsInputError("expected an ISO 8601 time string", field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value > now + FUTURE_SLACK:
        raise FactsInputError(f"{value.isoformat()} is in the future: expected the time the facts were measured",
                              field=field)
    return value


def _source(raw: object, *, field: str) -> str:
    if not isinstance(raw, str) or not SOURCE.match(raw):
        raise FactsInputError("expected a short name of where the facts come from (letters, digits, _.:/@+- and "
                              "spaces, at most 100 characters), e.g. github-actions", field=field)
    return raw


def _validated(items: list[FactItem], now: datetime) -> list[tuple[str, dict, str, datetime]]:
    if not items:
        raise FactsInputError("expected at least one item", field="items")
    if len(items) > MAX_ITEMS:
        raise FactsInputError(f"{len(items)} items: expected at most {MAX_ITEMS} per request", field="items")
    out = []
    total = 0
    for i, item in enumerate(items):
        where = f"items[{i}]"
        key = entity_key_of(item.entity_ref, field=f"{where}.entityRef")
        try:
            facts = validate_facts(item.facts, field=f"{where}.facts")
        except FactError as exc:
            raise FactsInputError(exc.message, field=exc.field) from None
        total += len(facts)
        if total > MAX_FACTS:
            raise FactsInputError(f"more than {MAX_FACTS} facts: expected at most {MAX_FACTS} per request",
                                  field="items")
        out.append((key, facts, _source(item.source, field=f"{where}.source"),
                    _observed(item.observed_at, field=f"{where}.observedAt", now=now)))
    return out


def _entities(actor, refs: list[str], *, bulk: bool) -> dict:
    """The catalog entities, checked: exist (and readable), and the person may write facts on each.
    `actor=None` is the portal itself (its own facts: catalog fields, docs, lineage): only the
    existence check applies. Requests always have a signed-in actor."""
    found = entities_by_refs(refs=refs)
    for i, ref in enumerate(refs):
        entity = found.get(ref)
        if entity is None or (actor is not None and not entity_readable(actor, entity)):
            raise UnknownEntityError(f"no entity {ref!r} in the catalog: expected the ref of a registered entity "
                                     "(kind:namespace/name)", field=f"items[{i}].entityRef" if bulk else "entityRef")
    if actor is not None:
        for ref in dict.fromkeys(refs):
            require(actor, PERMISSION, entity_resource(found[ref]))
    return found


# --- Storing ------------------------------------------------------------------------------------


def _dump(value: object) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _store(rows: list[tuple[str, dict, str, datetime]], *, now: datetime, report: Report | None) -> FactsResult:
    """Upsert current values and append history; the caller holds the transaction."""
    latest: dict[tuple[str, str], tuple[object, str, datetime]] = {}
    for ref, facts, source, observed in rows:
        for key, value in facts.items():
            seen = latest.get((ref, key))
            if seen is None or observed >= seen[2]:  # the same fact twice in a request: the newest wins
                latest[(ref, key)] = (value, source, observed)
    refs = sorted({ref for ref, _ in latest})
    keys = sorted({key for _, key in latest})
    current: dict[tuple[str, str], tuple[object, datetime]] = {}
    for start in range(0, len(refs), 500):
        query = Fact.objects.filter(entity_ref__in=refs[start:start + 500])
        if len(keys) <= 500:
            query = query.filter(key__in=keys)
        for ref, key, value, observed in query.values_list("entity_ref", "key", "value", "observed_at"):
            current[(ref, key)] = (value, observed)
    result = FactsResult(entity_refs=refs, facts=len(latest))
    upserts: list[tuple] = []  # (entity_ref, key, value, source, observed_at, recorded_at)
    records: list[tuple] = []  # the same and report id
    touched: set[str] = set()
    for (ref, key), (value, source, observed) in latest.items():
        before = current.get((ref, key))
        same = before is not None and _dump(before[0]) == _dump(value)
        newer = before is None or observed >= before[1]
        if not same:
            records.append((ref, key, value, source, observed, now, report.pk if report else None))
        if not newer:  # older than what is stored: history only
            if same:
                result.unchanged += 1
            else:
                result.stale += 1
            continue
        if same and observed == before[1]:
            result.unchanged += 1
            continue
        if same:
            result.refreshed += 1
        else:
            result.changed += 1
        touched.add(ref)
        upserts.append((ref, key, value, source, observed, now))
    _write(upserts, records)
    if touched:
        task_enqueue_on_commit(RESCORE_TASK, sorted(touched))
    return result


FACT_COLUMNS = ("entity_ref", "key", "value", "source", "observed_at", "recorded_at")
RECORD_COLUMNS = (*FACT_COLUMNS, "report_id")
PG_TYPES = ("varchar", "varchar", "jsonb", "varchar", "timestamptz", "timestamptz", "bigint")
PG_BATCH = 5000


def _pg_arrays(rows: list[tuple]) -> list[list]:
    columns = [list(column) for column in zip(*rows, strict=True)]
    columns[2] = [None if v is None else orjson.dumps(v).decode() for v in columns[2]]  # None: SQL NULL, as Django
    return columns


def _write_postgresql(upserts: list[tuple], records: list[tuple]) -> None:
    """One statement per 5,000 rows: arrays unnested into rows. Django's bulk_create compiles every
    value of every row in Python, which was half the time of a 2,000-fact request."""
    q = connection.ops.quote_name
    fact, record = q(Fact._meta.db_table), q(FactRecord._meta.db_table)
    cols = ", ".join(q(c) for c in FACT_COLUMNS)
    updates = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in FACT_COLUMNS[2:])
    arrays = ", ".join(f"%s::{t}[]" for t in PG_TYPES[:6])
    with connection.cursor() as cursor:
        for start in range(0, len(upserts), PG_BATCH):
            # The WHERE keeps a newer value stored by a concurrent request.
            cursor.execute(
                f"INSERT INTO {fact} ({cols}) SELECT * FROM unnest({arrays}) "
                f"ON CONFLICT ({q('entity_ref')}, {q('key')}) DO UPDATE SET {updates} "
                f"WHERE {fact}.{q('observed_at')} <= EXCLUDED.{q('observed_at')}",
                _pg_arrays(upserts[start:start + PG_BATCH]))
        record_cols = ", ".join(q(c) for c in RECORD_COLUMNS)
        record_arrays = ", ".join(f"%s::{t}[]" for t in PG_TYPES)
        for start in range(0, len(records), PG_BATCH):
            cursor.execute(f"INSERT INTO {record} ({record_cols}) SELECT * FROM unnest({record_arrays})",
                           _pg_arrays(records[start:start + PG_BATCH]))


def _write(upserts: list[tuple], records: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        _write_postgresql(upserts, records)
        return
    if upserts:
        Fact.objects.bulk_create([Fact(**dict(zip(FACT_COLUMNS, row, strict=True))) for row in upserts],
                                 batch_size=BATCH, update_conflicts=True, unique_fields=["entity_ref", "key"],
                                 update_fields=list(FACT_COLUMNS[2:]))
    if records:
        FactRecord.objects.bulk_create([FactRecord(**dict(zip(RECORD_COLUMNS, row, strict=True))) for row in records],
                                       batch_size=BATCH)


def _audit(actor, result: FactsResult, *, source: str, report: Report | None = None) -> None:
    refs = result.entity_refs
    detail = {"source": source, **result.as_dict(), "entity_refs": refs[:50]}
    if report is not None:
        detail.update(report=report.pk, format=report.format, filename=report.filename, sha256=report.sha256)
    audit_record(actor=actor, actor_name="" if actor is not None else "paved", action=PERMISSION,
                 target=refs[0] if len(refs) == 1 else f"{len(refs)} entities",
                 detail=detail)


def facts_record_bulk(*, actor, items: list[FactItem]) -> FactsResult:
    """Store facts about many entities at once: all or nothing (FactsInputError, PermissionDenied)."""
    now = timezone.now()
    rows = _validated(items, now)
    _entities(actor, [ref for ref, *_ in rows], bulk=True)
    with transaction.atomic():
        result = _store(rows, now=now, report=None)
        _audit(actor, result, source=", ".join(sorted({source for _, _, source, _ in rows}))[:200])
    return result


def facts_record(*, actor, entity_ref: str, facts: dict, source: str, observed_at=None, report=None) -> FactsResult:
    """Store facts about one entity (see facts_record_bulk)."""
    now = timezone.now()
    rows = _validated([FactItem(entity_ref=entity_ref, facts=facts, source=source, observed_at=observed_at)], now)
    _entities(actor, [rows[0][0]], bulk=False)
    with transaction.atomic():
        result = _store(rows, now=now, report=report)
        _audit(actor, result, source=rows[0][2], report=report)
    return result


# --- Reports ------------------------------------------------------------------------------------


def _digest(data, digest, limit: int, filename: str) -> int:
    """Feed the report to `digest` in chunks (an upload on disk stays there); its size, bounded."""
    if isinstance(data, bytes | bytearray | memoryview):
        if len(data) > limit:
            raise ReportTooLarge(f"the report is larger than the limit of {limit:,} bytes "
                                 "(PAVED_FACTS_MAX_REPORT_BYTES)", filename=filename or "the report")
        digest.update(data)
        return len(data)
    if not hasattr(data, "seek") or not hasattr(data, "tell"):
        raise FactsInputError("expected the report's bytes or a seekable file", field="data")
    start = data.tell()
    size = 0
    while chunk := data.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise ReportTooLarge(f"the report is larger than the limit of {limit:,} bytes "
                                 "(PAVED_FACTS_MAX_REPORT_BYTES)", filename=filename or "the report")
        digest.update(chunk)
    data.seek(start)
    return size


def reports_ingest(*, actor, entity_ref: str, format: str | None, files: list[tuple[str, object]]) -> Report:
    """Parse one or more reports of one format (Maven's TEST-*.xml, a coverage file per module) and
    store their facts, added up (scorecards.lib.reports.merge), with one Report row as provenance.
    ReportError / ReportTooLarge when a file cannot be read; the limit applies to all files together.
    The returned Report carries `parsed` (the merged ParsedReport) and `result`."""
    ref = entity_key_of(entity_ref)
    _entities(actor, [ref], bulk=False)  # before reading the files: a refused request costs no parsing
    if not files:
        raise FactsInputError("expected at least one report file", field="file")
    if len(files) > MAX_FILES:
        raise FactsInputError(f"{len(files)} files: expected at most {MAX_FILES} in one request", field="file")
    limit = settings.PAVED_FACTS_MAX_REPORT_BYTES
    digest = hashlib.sha256()
    size = 0
    parsed_files = []
    for filename, data in files:
        size += _digest(data, digest, limit - size, filename)
        parsed = parse_report(format=format, data=data, filename=filename, max_bytes=limit)
        if parsed_files and parsed.format != parsed_files[0].format:
            raise ReportError(f"a {parsed.format} report among {parsed_files[0].format} reports: expected every file "
                              "of one request to have the same format", filename=filename or "the report",
                              field="format")
        parsed_files.append(parsed)
    parsed = merge_reports(parsed_files)
    if parsed.format == "json" and len(parsed.facts) > MAX_JSON_FACTS:
        raise FactsInputError(f"{len(parsed.facts)} facts: expected at most {MAX_JSON_FACTS} per entity", field="file")
    names = ", ".join(name for name, _ in files if name)
    now = timezone.now()
    observed = min(parsed.observed_at, now) if parsed.observed_at else now
    with transaction.atomic():
        report = Report.objects.create(
            entity_ref=ref, format=parsed.format, filename=names[:255], size=size, sha256=digest.hexdigest(),
            fact_count=len(parsed.facts), sent_by=actor if getattr(actor, "is_authenticated", False) else None)
        result = _store([(ref, parsed.facts, parsed.format, observed)], now=now, report=report)
        _audit(actor, result, source=parsed.format, report=report)
    report.parsed = parsed
    report.result = result
    return report


def report_ingest(*, actor, entity_ref: str, format: str | None, data, filename: str = "") -> Report:
    """Parse one report (bytes or a binary file) and store its facts with the report as provenance
    (see reports_ingest)."""
    return reports_ingest(actor=actor, entity_ref=entity_ref, format=format, files=[(filename, data)])


__all__ = ["FactItem", "FactsInputError", "FactsResult", "UnknownEntityError", "entity_key_of", "facts_record",
           "facts_record_bulk", "report_ingest", "reports_ingest"]
