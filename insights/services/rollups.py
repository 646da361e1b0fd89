"""The daily roll-ups (DeliveryDay) and their monthly sums (DeliveryMonth) kept in step with the
rows: each deployment, change and incident contributes to the four keys by a function of its
fields (`deployment_part`, ...), so a change of a row subtracts its old contribution and adds the
new one (`Deltas`), written at once to the days and to their months."""

import json
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection, transaction

from insights.lib import dora
from insights.models import Change, DeliveryDay, DeliveryMonth, Deployment, Incident

ORG = DeliveryDay.ORG
COUNT_FIELDS = ("deployments", "failed_deployments", "changes", "incidents", "unresolved")
COUNTED = (Deployment.Status.SUCCESS, Deployment.Status.ROLLBACK)
CHUNK = 1000


def _day(moment: datetime):
    return moment.astimezone(UTC).date()


def is_production(environment: str) -> bool:
    return environment.strip().lower() in settings.PAVED_INSIGHTS_PRODUCTION_ENVIRONMENTS


class Deltas:
    """Changes to DeliveryDay rows (and so to their DeliveryMonth rows), summed in memory and
    written once (flush)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, object], dict] = {}
        self.failing: dict[int, Deployment] = {}  # deployments found to have caused a failure

    def _row(self, ref: str, day) -> dict:
        return self.rows.setdefault((ref, day), {"deployments": 0, "failed_deployments": 0, "changes": 0,
                                                 "lead_hist": {}, "incidents": 0, "unresolved": 0,
                                                 "restore_hist": {}})

    def add(self, part: tuple | None, sign: int, *, org: bool = True, component: bool = True) -> None:
        if part is None:
            return
        ref, day, counts, hists = part
        targets = ([ORG] if org else []) + ([ref] if component and ref else [])
        for target in targets:
            row = self._row(target, day)
            for name, value in counts.items():
                row[name] += sign * value
            for name, seconds in hists.items():
                _hist_shift(row[name], seconds, sign)

    def flush(self) -> int:
        """Write the summed deltas to the days and to their months (DeliveryMonth, the same deltas
        summed per month); returns how many day rows changed. Rows are locked (the upsert, or
        select_for_update) so two workers add up; days before months, each in key order."""
        days = _nonzero_items(self.rows)
        if not days:
            return 0
        months: dict[tuple[str, object], dict] = {}
        for (ref, day), row in days:
            _row_add(months.setdefault((ref, day.replace(day=1)), _zero()), row)
        written = _write(DeliveryDay, "day", days)
        _write(DeliveryMonth, "month", _nonzero_items(months))
        self.rows.clear()
        return written


def _zero() -> dict:
    return {"deployments": 0, "failed_deployments": 0, "changes": 0, "lead_hist": {}, "incidents": 0,
            "unresolved": 0, "restore_hist": {}}


def _row_add(agg: dict, row: dict) -> None:
    for name in COUNT_FIELDS:
        agg[name] += row[name]
    for name in ("lead_hist", "restore_hist"):
        for bucket, (count, total) in row[name].items():
            slot = agg[name].setdefault(bucket, [0, 0])
            slot[0] += count
            slot[1] += total


def _nonzero_items(rows: dict[tuple[str, object], dict]) -> list[tuple[tuple, dict]]:
    return [(key, rows[key]) for key in sorted(rows) if _nonzero(rows[key])]


def _write(model, key: str, items: list[tuple[tuple, dict]]) -> int:
    """Add the deltas {(component_ref, key value): row} to `model`'s rows (DeliveryDay by "day",
    DeliveryMonth by "month"), creating the missing ones."""
    if not items:
        return 0
    if connection.vendor == "postgresql":
        return _upsert_postgres(model, key, items)
    keys = [k for k, _ in items]
    deltas = dict(items)
    model.objects.bulk_create([model(component_ref=ref, **{key: value}) for ref, value in keys],
                              ignore_conflicts=True, batch_size=CHUNK)
    changed = []
    for start in range(0, len(keys), CHUNK):
        part = keys[start:start + CHUNK]
        part_set = set(part)
        # A superset (refs × days) filtered here: a long OR of pairs exceeds SQLite's expression depth.
        rows = (model.objects.select_for_update()
                .filter(component_ref__in={ref for ref, _ in part}, **{f"{key}__in": {value for _, value in part}})
                .order_by("pk"))
        for record in rows:
            pair = (record.component_ref, getattr(record, key))
            if pair not in part_set:
                continue
            delta = deltas[pair]
            for name in COUNT_FIELDS:
                setattr(record, name, getattr(record, name) + delta[name])
            for name in ("lead_hist", "restore_hist"):
                merged = dict(getattr(record, name) or {})
                for bucket, (count, total) in delta[name].items():
                    old = merged.get(bucket, [0, 0])
                    merged[bucket] = [old[0] + count, old[1] + total]
                    if merged[bucket][0] <= 0:
                        del merged[bucket]
                setattr(record, name, merged)
            changed.append(record)
    model.objects.bulk_update(changed, [*COUNT_FIELDS, "lead_hist", "restore_hist"], batch_size=CHUNK)
    return len(changed)


def pg_array(values) -> str:
    """`values` (str, int, bool, date, datetime, None) as one PostgreSQL array literal, for a
    `%s::type[]` parameter. psycopg binds on the client here and quoted a list element by element
    with a regular expression (a third of the Python time of a batch); inside an element's double
    quotes only a backslash and a double quote need a backslash before them; NULL is bare."""
    parts = []
    for v in values:
        if v is None:
            parts.append("NULL")
        elif isinstance(v, bool):
            parts.append("t" if v else "f")
        elif isinstance(v, int):
            parts.append(str(v))
        elif isinstance(v, str):
            parts.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(v, date):  # datetimes too: ISO 8601 with the offset, read as such by timestamptz
            parts.append('"' + v.isoformat() + '"')
        else:
            raise TypeError(f"pg_array: {type(v).__name__} is not supported")
    return "{" + ",".join(parts) + "}"


# PostgreSQL adds the deltas in one statement per thousand rows, the row locks held by the upsert
# itself (Django's bulk_update, a CASE per column, was most of the processing time). The histograms
# are merged bucket by bucket in SQL; emptied buckets are dropped.
_HIST_MERGE = """(SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(c, s)), '{{}}'::jsonb)
    FROM (SELECT k, sum((v->>0)::bigint) AS c, sum((v->>1)::bigint) AS s
          FROM (SELECT * FROM jsonb_each(d.{col}) UNION ALL SELECT * FROM jsonb_each(EXCLUDED.{col})) AS e(k, v)
          GROUP BY k) AS t WHERE c > 0)"""
_UPSERT = """INSERT INTO {table} AS d (component_ref, {key}, deployments, failed_deployments, changes, lead_hist,
    incidents, unresolved, restore_hist)
SELECT r, dy, dep, fail, chg, lead::jsonb, inc, unres, rest::jsonb
FROM unnest(%s::text[], %s::date[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::bigint[],
            %s::bigint[], %s::text[]) AS u(r, dy, dep, fail, chg, lead, inc, unres, rest)
ON CONFLICT (component_ref, {key}) DO UPDATE SET deployments = d.deployments + EXCLUDED.deployments,
    failed_deployments = d.failed_deployments + EXCLUDED.failed_deployments, changes = d.changes + EXCLUDED.changes,
    incidents = d.incidents + EXCLUDED.incidents, unresolved = d.unresolved + EXCLUDED.unresolved,
    lead_hist = {lead}, restore_hist = {restore}"""


def _upsert_postgres(model, key: str, items: list[tuple[tuple, dict]]) -> int:
    """The rows as nine array parameters (unnest), not nine placeholders a row: psycopg binds on
    the client, and splitting and quoting a 9,000-placeholder VALUES list cost more than the upsert."""
    sql = _UPSERT.format(table=model._meta.db_table, key=key, lead=_HIST_MERGE.format(col="lead_hist"),
                         restore=_HIST_MERGE.format(col="restore_hist"))
    with connection.cursor() as cursor:
        for start in range(0, len(items), CHUNK):
            part = items[start:start + CHUNK]
            rows = [row for _, row in part]
            cursor.execute(sql, [pg_array(values) for values in (
                [ref for (ref, _), _ in part], [day for (_, day), _ in part],
                [row["deployments"] for row in rows], [row["failed_deployments"] for row in rows],
                [row["changes"] for row in rows], [json.dumps(row["lead_hist"]) for row in rows],
                [row["incidents"] for row in rows], [row["unresolved"] for row in rows],
                [json.dumps(row["restore_hist"]) for row in rows],
            )])
    return len(items)


# Every month from its days in one statement: the counts summed per (ref, month) and each histogram
# merged bucket by bucket (emptied buckets dropped), joined back to its month.
_MONTHS_HIST = """(SELECT component_ref, m, jsonb_object_agg(k, jsonb_build_array(c, s)) AS h
    FROM (SELECT d.component_ref, date_trunc('month', d.day)::date AS m, e.key AS k,
                 sum((e.value->>0)::bigint) AS c, sum((e.value->>1)::bigint) AS s
          FROM {days} AS d, jsonb_each(d.{col}) AS e GROUP BY 1, 2, 3) AS t
    WHERE c > 0 GROUP BY 1, 2)"""
_MONTHS_REBUILD = """INSERT INTO {months} (component_ref, month, deployments, failed_deployments, changes, lead_hist,
    incidents, unresolved, restore_hist)
SELECT n.component_ref, n.m, n.dep, n.fail, n.chg, coalesce(l.h, '{{}}'::jsonb), n.inc, n.unres,
    coalesce(r.h, '{{}}'::jsonb)
FROM (SELECT component_ref, date_trunc('month', day)::date AS m, sum(deployments) AS dep,
             sum(failed_deployments) AS fail, sum(changes) AS chg, sum(incidents) AS inc, sum(unresolved) AS unres
      FROM {days} GROUP BY 1, 2) AS n
LEFT JOIN {lead} AS l USING (component_ref, m) LEFT JOIN {restore} AS r USING (component_ref, m)"""


def months_from_days(days) -> list[tuple[tuple[str, date], dict]]:
    """[((component_ref, first of month), summed row)] of DeliveryDay-shaped dicts given in
    (component_ref, day) order, one (ref, month) after the other."""
    out: list[tuple[tuple[str, date], dict]] = []
    for day in days:
        key = (day["component_ref"], day["day"].replace(day=1))
        if not out or out[-1][0] != key:
            out.append((key, _zero()))
        _row_add(out[-1][1], {**day, "lead_hist": day["lead_hist"] or {}, "restore_hist": day["restore_hist"] or {}})
    for _, row in out:
        for name in ("lead_hist", "restore_hist"):
            row[name] = {bucket: slot for bucket, slot in row[name].items() if slot[0] > 0}
    return out


def delivery_months_rebuild() -> int:
    """Recompute every DeliveryMonth row as the sum of its month's DeliveryDay rows (a repair, and
    what follows DeliveryDay rows written directly); returns how many months were written.
    PostgreSQL sums and merges the histograms itself; elsewhere Python does."""
    with transaction.atomic():
        DeliveryMonth.objects.all().delete()
        if connection.vendor == "postgresql":
            sql = _MONTHS_REBUILD.format(
                months=DeliveryMonth._meta.db_table, days=DeliveryDay._meta.db_table,
                lead=_MONTHS_HIST.format(days=DeliveryDay._meta.db_table, col="lead_hist"),
                restore=_MONTHS_HIST.format(days=DeliveryDay._meta.db_table, col="restore_hist"))
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.rowcount
        days = (DeliveryDay.objects.order_by("component_ref", "day")
                .values("component_ref", "day", *COUNT_FIELDS, "lead_hist", "restore_hist"))
        months = months_from_days(days.iterator(chunk_size=CHUNK))
        DeliveryMonth.objects.bulk_create([DeliveryMonth(component_ref=ref, month=month, **row)
                                           for (ref, month), row in months], batch_size=CHUNK)
        return len(months)


def _hist_shift(hist: dict, seconds: float, sign: int) -> None:
    key = str(dora.hist_index(seconds))
    count, total = hist.get(key, (0, 0))
    hist[key] = [count + sign, total + sign * int(round(seconds))]


def _nonzero(row: dict) -> bool:
    return any(row[n] for n in ("deployments", "failed_deployments", "changes", "incidents", "unresolved")) or any(
        count or total for name in ("lead_hist", "restore_hist") for count, total in row[name].values())


def deployment_part(d: Deployment) -> tuple | None:
    if not d.production or d.status not in COUNTED:
        return None
    return (d.component_ref, _day(d.deployed_at), {"deployments": 1, "failed_deployments": int(d.caused_failure)}, {})


def change_part(c: Change, component_ref: str) -> tuple | None:
    if c.deployment_id is None or c.lead_seconds is None:
        return None
    return (component_ref, _day(c.deployed_at), {"changes": 1}, {"lead_hist": c.lead_seconds})


def incident_part(i: Incident) -> tuple | None:
    hists = {"restore_hist": (i.resolved_at - i.opened_at).total_seconds()} if i.resolved_at else {}
    return (i.component_ref, _day(i.opened_at), {"incidents": 1, "unresolved": int(i.resolved_at is None)}, hists)


