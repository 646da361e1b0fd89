"""The four keys read from the daily roll-ups (DeliveryDay) and their monthly sums (DeliveryMonth,
for the whole months of dora_windows' windows), never by scanning the events.

A component's figures come from its own rows; a team's from the rows of its components (a list of
refs); the organisation's from the ORG rows, which count every production event, matched to a
component or not. Medians are read from the roll-ups' histograms (insights.lib.dora states their
precision). This module's names and shapes are a contract: the Platform Health pages and the
maturity app call them.
"""

import operator
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce

from django.db import connection
from django.db.models import Count, Max, Min, Q

from insights.lib import dora
from insights.models import Change, DeliveryDay, DeliveryMonth, Deployment, Incident

ORG = DeliveryDay.ORG
COUNTED = (Deployment.Status.SUCCESS, Deployment.Status.ROLLBACK)
FIELDS = ("day", "deployments", "failed_deployments", "changes", "lead_hist", "incidents", "unresolved",
          "restore_hist")


@dataclass(frozen=True)
class DoraKeys:
    deployments: int
    deploys_per_day: float
    lead_time_hours: float | None
    change_failure_rate: float | None
    restore_hours: float | None
    incidents: int
    unresolved_incidents: int
    bands: dict[str, str] = field(default_factory=dict)
    changes: int = 0
    failed_deployments: int = 0


def _rows(start: date, end: date, component_refs: list[str] | None) -> list[dict]:
    refs = [ORG] if component_refs is None else sorted({r.lower() for r in component_refs})
    if not refs:
        return []
    qs = DeliveryDay.objects.filter(day__gte=start, day__lte=end)
    qs = qs.filter(component_ref=refs[0]) if len(refs) == 1 else qs.filter(component_ref__in=refs)
    return list(qs.values(*FIELDS))


def _keys(rows: list[dict], days: int) -> DoraKeys:
    deployments = sum(r["deployments"] for r in rows)
    failed = sum(r["failed_deployments"] for r in rows)
    lead = dora.hist_median(dora.hist_merge(r["lead_hist"] for r in rows))
    restore = dora.hist_median(dora.hist_merge(r["restore_hist"] for r in rows))
    per_day = deployments / days if days > 0 else 0.0
    lead_hours = lead / 3600 if lead is not None else None
    restore_hours = restore / 3600 if restore is not None else None
    rate = failed / deployments if deployments else None
    return DoraKeys(
        deployments=deployments, deploys_per_day=per_day, lead_time_hours=lead_hours, change_failure_rate=rate,
        restore_hours=restore_hours, incidents=sum(r["incidents"] for r in rows),
        unresolved_incidents=sum(r["unresolved"] for r in rows),
        bands={"deploy_frequency": dora.band_deploy_frequency(per_day), "lead_time": dora.band_lead_time(lead_hours),
               "change_failure_rate": dora.band_change_failure_rate(rate), "restore": dora.band_restore(restore_hours)},
        changes=sum(r["changes"] for r in rows), failed_deployments=failed)


def _check(start: date, end: date) -> None:
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")


def _empty() -> dict:
    return {"deployments": 0, "failed_deployments": 0, "changes": 0, "incidents": 0, "unresolved": 0,
            "lead_hist": {}, "restore_hist": {}}


COUNTS = ("deployments", "failed_deployments", "changes", "incidents", "unresolved")
_SQL_COUNTS = """SELECT {group} AS b, sum(deployments), sum(failed_deployments), sum(changes), sum(incidents),
    sum(unresolved) FROM {table} WHERE component_ref = ANY(%s) AND day BETWEEN %s AND %s GROUP BY 1"""
_SQL_HISTS = """SELECT {group} AS b, %s AS h, e.key::int, sum((e.value->>0)::bigint), sum((e.value->>1)::bigint)
    FROM {table} AS d, jsonb_each(d.{column}) AS e
    WHERE d.component_ref = ANY(%s) AND d.day BETWEEN %s AND %s GROUP BY 1, 3"""


def _bucketed(start: date, end: date, component_refs: list[str] | None, bucket: str | None) -> dict[date, dict]:
    """One summed pseudo-row per period ({period start: counts and merged histograms}); `bucket`
    None sums the whole range under `start`. PostgreSQL sums and merges the histograms itself (the
    rows' JSON decoded in Python was most of an organisation-wide year's time); elsewhere Python does."""
    refs = [ORG] if component_refs is None else sorted({r.lower() for r in component_refs})
    out: dict[date, dict] = {}
    if not refs:
        return out
    if connection.vendor == "postgresql":
        table = DeliveryDay._meta.db_table
        group = "%s::date" if bucket is None else "date_trunc(%s, day)::date"
        first = [start] if bucket is None else [bucket]
        with connection.cursor() as cursor:
            cursor.execute(_SQL_COUNTS.format(group=group, table=table), [*first, refs, start, end])
            for b, *counts in cursor.fetchall():
                out[b] = _empty() | dict(zip(COUNTS, map(int, counts), strict=True))
            sql = " UNION ALL ".join(_SQL_HISTS.format(group=group, table=table, column=column)
                                     for column in ("lead_hist", "restore_hist"))
            params = [*first, "lead_hist", refs, start, end, *first, "restore_hist", refs, start, end]
            cursor.execute(sql, params)
            for b, hist, key, count, total in cursor.fetchall():
                if count > 0:
                    out.setdefault(b, _empty())[hist][key] = [int(count), int(total)]
        return out
    for row in _rows(start, end, component_refs):
        agg = out.setdefault(start if bucket is None else dora.bucket_start(row["day"], bucket), _empty())
        for name in COUNTS:
            agg[name] += row[name]
        for name in ("lead_hist", "restore_hist"):
            for key, (count, total) in (row[name] or {}).items():
                slot = agg[name].setdefault(int(key), [0, 0])
                slot[0] += count
                slot[1] += total
    return out


def dora_keys(*, start: date, end: date, component_refs: list[str] | None = None) -> DoraKeys:
    """The four keys over [start, end] (whole UTC days) for these components, or the organisation."""
    _check(start, end)
    return _keys(list(_bucketed(start, end, component_refs, None).values()), (end - start).days + 1)


def dora_series(*, start: date, end: date, bucket: str = "week",
                component_refs: list[str] | None = None) -> list[tuple[date, DoraKeys]]:
    """One DoraKeys per week (Monday), month or quarter from the one holding `start` to the one
    holding `end`, empty periods included; rates use the days of each period inside [start, end]."""
    _check(start, end)
    dora.bucket_start(start, bucket)  # ValueError naming an unknown bucket
    return _series(_bucketed(start, end, component_refs, bucket), start, end, bucket)


def dora_summary(*, start: date, end: date, bucket: str = "week",
                 component_refs: list[str] | None = None) -> tuple[DoraKeys, list[tuple[date, DoraKeys]]]:
    """dora_keys and dora_series of one period from a single read of the roll-ups (for pages)."""
    _check(start, end)
    dora.bucket_start(start, bucket)
    grouped = _bucketed(start, end, component_refs, bucket)
    return _keys(list(grouped.values()), (end - start).days + 1), _series(grouped, start, end, bucket)


def _series(grouped: dict[date, dict], start: date, end: date, bucket: str) -> list[tuple[date, DoraKeys]]:
    series = []
    for first in dora.bucket_starts(start, end, bucket):
        last = dora.next_bucket(first, bucket) - timedelta(days=1)
        days = (min(last, end) - max(first, start)).days + 1
        series.append((first, _keys([grouped[first]] if first in grouped else [], days)))
    return series


# The windows' starts and ends cut the span into segments (width_bucket numbers them). Each segment is
# read as its whole months (DeliveryMonth) and its edge days (DeliveryDay): PostgreSQL sums both per
# segment, and each window is the sum of the segments it covers.
_SQL_WINDOW_COUNTS = """SELECT width_bucket({key}, %s::date[]), sum(deployments), sum(failed_deployments),
    sum(changes), sum(incidents), sum(unresolved) FROM {table}
    WHERE component_ref = ANY(%s) AND {key} = ANY(%s::date[]) GROUP BY 1"""
_SQL_WINDOW_HISTS = """SELECT width_bucket(d.{key}, %s::date[]), %s, e.key, sum((e.value->>0)::bigint),
    sum((e.value->>1)::bigint) FROM {table} AS d, jsonb_each(d.{column}) AS e
    WHERE d.component_ref = ANY(%s) AND d.{key} = ANY(%s::date[]) GROUP BY 1, 3"""


def _add(agg: dict, part: dict) -> None:
    for name in COUNTS:
        agg[name] += part[name]
    for name in ("lead_hist", "restore_hist"):
        for key, (count, total) in (part[name] or {}).items():
            slot = agg[name].setdefault(int(key), [0, 0])
            slot[0] += count
            slot[1] += total


def _segment_parts(bounds: list[date], segments: set[int]) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole months (their first days) and the other days (ranges [from, to)) of the segments
    [bounds[i - 1], bounds[i]): a month is whole in [a, b) when a <= its first day and its next
    month's first day <= b."""
    months, days = [], []
    for i in sorted(segments):
        a, b = bounds[i - 1], bounds[i]
        m = a if a.day == 1 else dora.next_bucket(a.replace(day=1), "month")
        if dora.next_bucket(m, "month") > b:
            days.append((a, b))
            continue
        if a < m:
            days.append((a, m))
        while dora.next_bucket(m, "month") <= b:
            months.append(m)
            m = dora.next_bucket(m, "month")
        if m < b:
            days.append((m, b))
    return months, days


def _windowed(windows: dict[str, tuple[date, date]], refs: list[str]) -> dict[str, dict]:
    """{label: summed pseudo-row} of every window (absent when it has no rows). The segments between
    the windows' bounds are read as whole months from DeliveryMonth and edge days from DeliveryDay:
    PostgreSQL sums them per segment in two queries, however many windows; elsewhere two reads of
    the rows are summed in Python."""
    bounds = sorted({d for s, e in windows.values() for d in (s, e + timedelta(days=1))})
    spans = {label: (bounds.index(s) + 1, bounds.index(e + timedelta(days=1)))
             for label, (s, e) in windows.items()}  # segment i holds the days in [bounds[i - 1], bounds[i])
    months, ranges = _segment_parts(bounds, {i for first, last in spans.values() for i in range(first, last + 1)})
    days = [a + timedelta(days=n) for a, b in ranges for n in range((b - a).days)]
    parts = [(model, key, values) for model, key, values in ((DeliveryMonth, "month", months),
                                                             (DeliveryDay, "day", days)) if values]
    segments: dict[int, dict] = {}
    if connection.vendor != "postgresql":
        for model, key, values in parts:
            qs = model.objects.filter(component_ref__in=refs)
            qs = qs.filter(**{f"{key}__in": values}) if key == "month" else qs.filter(
                reduce(operator.or_, (Q(day__gte=a, day__lt=b) for a, b in ranges)))
            for row in qs.values(key, *COUNTS, "lead_hist", "restore_hist"):
                _add(segments.setdefault(bisect_right(bounds, row[key]), _empty()), row)
    elif parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(
                f"({_SQL_WINDOW_COUNTS.format(table=model._meta.db_table, key=key)})" for model, key, _v in parts),
                [p for _m, _k, values in parts for p in (bounds, refs, values)])
            for segment, *counts in cursor.fetchall():
                _add(segments.setdefault(segment, _empty()),
                     dict(zip(COUNTS, map(int, counts), strict=True)) | {"lead_hist": {}, "restore_hist": {}})
            cursor.execute(" UNION ALL ".join(
                f"({_SQL_WINDOW_HISTS.format(table=model._meta.db_table, key=key, column=column)})"
                for model, key, _v in parts for column in ("lead_hist", "restore_hist")),
                [p for _m, _k, values in parts for column in ("lead_hist", "restore_hist")
                 for p in (bounds, column, refs, values)])
            for segment, hist, key, count, total in cursor.fetchall():
                # Grouped by the key as stored (text, written from an int): cast here, not per entry.
                slot = segments.setdefault(segment, _empty())[hist].setdefault(int(key), [0, 0])
                slot[0] += int(count)
                slot[1] += int(total)
    out: dict[str, dict] = {}
    for label, (first, last) in spans.items():
        for segment in range(first, last + 1):
            if segment in segments:
                _add(out.setdefault(label, _empty()), segments[segment])
    return out


def dora_windows(*, windows: dict[str, tuple[date, date]], component_refs: list[str] | None = None
                 ) -> dict[str, DoraKeys]:
    """dora_keys of several [start, end] windows (whole days, any overlap) from one read of the
    roll-ups: {label: DoraKeys}, the same figures as one dora_keys call per window. The pages ask for
    a period, the one before and the trend's months together (one read, not one per window)."""
    for start, end in windows.values():
        _check(start, end)
    refs = [ORG] if component_refs is None else sorted({r.lower() for r in component_refs})
    grouped = _windowed(windows, refs) if windows and refs else {}
    return {label: _keys([grouped[label]] if label in grouped else [], (end - start).days + 1)
            for label, (start, end) in windows.items()}


def incident_counts(*, start: date, end: date, bucket: str = "month",
                    component_refs: list[str] | None = None) -> list[tuple[date, int]]:
    """Incidents opened per period (empty periods included)."""
    return [(first, keys.incidents) for first, keys in dora_series(start=start, end=end, bucket=bucket,
                                                                   component_refs=component_refs)]


def first_production_deploys(*, component_refs: list[str]) -> dict[str, datetime]:
    """{component ref: its first successful production deployment} for those that have one."""
    refs = sorted({r.lower() for r in component_refs})
    found: dict[str, datetime] = {}
    for start in range(0, len(refs), 1000):
        rows = (Deployment.objects.filter(component_ref__in=refs[start:start + 1000], production=True,
                                          status__in=COUNTED)
                .values("component_ref").annotate(first=Min("deployed_at")).values_list("component_ref", "first"))
        found.update(rows)
    return found


def first_activity(*, people: list[str]) -> dict[str, datetime]:
    """{e-mail or login as given: the author time of their first recorded commit}. Deployments carry
    no author in the sources Paved reads, so a person's first activity is their first change."""
    wanted = {p.lower(): p for p in people if p}
    keys = sorted(wanted)
    found: dict[str, datetime] = {}
    for start in range(0, len(keys), 1000):
        rows = (Change.objects.filter(author__in=keys[start:start + 1000]).values("author")
                .annotate(first=Min("authored_at")).values_list("author", "first"))
        for author, first in rows:
            found[wanted[author]] = first
    return found


@dataclass(frozen=True)
class Unmatched:
    kind: str
    source: str
    service: str
    match_keys: list
    count: int
    last_seen: datetime


def unmatched_events(*, limit: int = 50) -> list[Unmatched]:
    """Services that sent events no catalog component matched yet, most recent first, with counts."""
    items = []
    for kind, model, moment in (("deployment", Deployment, "deployed_at"), ("incident", Incident, "opened_at"),
                                ("change", Change, "authored_at")):
        qs = model.objects.filter(component_ref="")
        if model is Change:
            qs = qs.exclude(service="")
        rows = (qs.values("source", "service", "match_keys").annotate(count=Count("id"), last=Max(moment))
                .order_by("-last")[:limit])
        items += [Unmatched(kind=kind, source=r["source"], service=r["service"], match_keys=r["match_keys"] or [],
                            count=r["count"], last_seen=r["last"]) for r in rows]
    items.sort(key=lambda u: u.last_seen, reverse=True)
    return items[:limit]


def recent_deployments(*, component_ref: str, limit: int = 20) -> list[Deployment]:
    return list(Deployment.objects.filter(component_ref=component_ref.lower())
                .annotate(change_count=Count("changes")).order_by("-deployed_at")[:limit])


def recent_incidents(*, component_ref: str, limit: int = 20) -> list[Incident]:
    return list(Incident.objects.filter(component_ref=component_ref.lower()).order_by("-opened_at")[:limit])
