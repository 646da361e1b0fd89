#!/usr/bin/env python3
"""Benchmark: server time of the Platform Health pages over a large organisation, on PostgreSQL.

    .venv/bin/python bench/insights_pages.py --setup [--components 10000] [--deployments 1000000] \
        [--incidents 50000] [--database inhealth] [--repeat 30]
    .venv/bin/python bench/insights_pages.py [--database inhealth] [--repeat 30]   # time an existing one
    .venv/bin/python bench/insights_pages.py --no-cache --query-log 5   # uncached, with each page's slowest SQL

--setup drops and re-creates the database, migrates it, ingests a synthetic catalog made by
../shared/bench/gen_entities.py (about --components components, owned by ~1,000 teams, with Users),
and fills what the pages read: the delivery roll-ups (insights' DeliveryDay: --deployments spread over
the components and a year, --incidents with their restore times, and the organisation's rows), a
year of Paved's uptime and three posted components, ticket counts and headcount per team and month,
and a year of monthly costs imported through the FOCUS importer (one line per component and month).
The daily roll-ups are written directly (the ingestion path has its own benchmark), then their
monthly sums (DeliveryMonth) computed from them by delivery_months_rebuild(), as the deltas keep them;
the pages read only roll-ups, never the events.

Then, in one process, a superuser requests each page --repeat times after one warm-up request with
the Django test client, and one JSON object per page is printed: p50/p95/max in milliseconds, the
first (cold) request, the queries of one request and the response size. The pages reuse figures for
PAVED_INSIGHTS_HEALTH_CACHE_SECONDS (60 by default); --no-cache computes them on every request.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_entities.py"


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAqc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def configure(database: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("PAVED_SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("PAVED_LOG_LEVEL", "WARNING")
    os.environ.setdefault("PAVED_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))


def setup_database(args) -> None:
    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    env = {**os.environ}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        count = round(args.components / 0.7)
        subprocess.run([sys.executable, str(args.gen), "--count", str(count), "--out", tmp], check=True,
                       capture_output=True)
        started = time.monotonic()
        env["PAVED_FILE_ROOTS"] = tmp
        subprocess.run([sys.executable, "manage.py", "catalog_import", f"{tmp}/all.yaml"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        print(json.dumps({"setup": "catalog", "entities": count, "seconds": round(time.monotonic() - started, 1)}),
              flush=True)


def fill(args) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from catalog.selectors.teams import team_component_refs, team_list
    from insights.lib import dora
    from insights.models import DeliveryDay, HeadcountMonth, TicketCount, UptimeDay
    from insights.services.rollups import delivery_months_rebuild

    rng = random.Random(14)
    started = time.monotonic()
    owners = team_component_refs()
    components = sorted(ref for refs in owners.values() for ref in refs)
    today = timezone.localdate()
    days = [today - timedelta(days=i) for i in range(365)]
    org: dict[date, dict] = {}

    def cell(table: dict, key) -> dict:
        return table.setdefault(key, {"deployments": 0, "failed": 0, "changes": 0, "lead": {}, "incidents": 0,
                                      "unresolved": 0, "restore": {}})

    def model(ref: str, day: date, c: dict) -> DeliveryDay:
        return DeliveryDay(component_ref=ref, day=day, deployments=c["deployments"], failed_deployments=c["failed"],
                           changes=c["changes"], lead_hist=c["lead"], incidents=c["incidents"], unresolved=0,
                           restore_hist=c["restore"])
    # Components differ: a few deploy many times a day, most a few times a month. One component at a
    # time, so memory stays flat.
    weights = [rng.paretovariate(1.2) for _ in components]
    total = sum(weights)
    written, batch = 0, []
    for ref, weight in zip(components, weights, strict=True):
        rows: dict[date, dict] = {}
        for _ in range(round(args.deployments * weight / total)):
            day = rng.choice(days)
            for c in (cell(rows, day), cell(org, day)):
                c["deployments"] += 1
                c["changes"] += 1
                c["failed"] += rng.random() < 0.1
                dora.hist_add(c["lead"], rng.expovariate(1 / (36 * 3600)))
        for _ in range(round(args.incidents * weight / total)):
            day = rng.choice(days)
            for c in (cell(rows, day), cell(org, day)):
                c["incidents"] += 1
                dora.hist_add(c["restore"], rng.expovariate(1 / (5 * 3600)))
        batch += [model(ref, day, c) for day, c in rows.items()]
        if len(batch) >= 5000:
            DeliveryDay.objects.bulk_create(batch)
            written, batch = written + len(batch), []
    batch += [model(DeliveryDay.ORG, day, c) for day, c in org.items()]
    DeliveryDay.objects.bulk_create(batch)
    written += len(batch)
    months_written = delivery_months_rebuild()
    teams = [t.ref for t in team_list()]
    months = sorted({d.replace(day=1) for d in days})
    TicketCount.objects.bulk_create([TicketCount(month=m, team_ref=t, category="access", count=rng.randint(0, 9))
                                     for m in months for t in teams], batch_size=5000)
    HeadcountMonth.objects.bulk_create([HeadcountMonth(month=m, team_ref=t, headcount=8, leavers=int(rng.random() < .1))
                                        for m in months for t in teams], batch_size=5000)
    now = timezone.now()
    UptimeDay.objects.bulk_create([UptimeDay(component=c, day=d, ok=1440 - rng.randint(0, 3), failed=0,
                                             first_at=now - timedelta(days=(today - d).days + 1), last_at=now)
                                   for d in days for c in ("paved", "argocd", "vault", "ci")])
    _costs(owners, months, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(json.dumps({"setup": "data", "components": len(components), "delivery_days": written,
                      "delivery_months": months_written,
                      "deployments": args.deployments, "incidents": args.incidents, "teams": len(teams),
                      "seconds": round(time.monotonic() - started, 1)}), flush=True)


def _costs(owners: dict, months: list[date], rng: random.Random) -> None:
    """A year of monthly costs, one FOCUS line per component and month, through the importer."""
    import csv

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from insights.services.cost import cost_import_create, cost_import_run

    admin = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        "bench-admin", "bench@example.com", None)
    path = Path(tempfile.mkdtemp()) / "focus.csv"
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["ChargePeriodStart", "BilledCost", "BillingCurrency", "ServiceName", "Tags"])
        for month in months:
            for team, refs in owners.items():
                for ref in refs:
                    writer.writerow([f"{month}T00:00:00Z", f"{rng.uniform(10, 900):.2f}", "USD", "EKS",
                                     json.dumps({"team": team.split("/")[-1], "service": ref.split("/")[-1]})])
    upload = SimpleUploadedFile("focus.csv", path.read_bytes(), content_type="text/csv")
    job = cost_import_create(actor=admin, fmt="focus", upload=upload, source="bench")
    cost_import_run(import_id=job.pk)


PAGES = [
    ("dashboard_org_90d", "/insights/?period=90d"),
    ("dashboard_team_90d", "/insights/?period=90d&team={team}"),
    ("dashboard_org_365d", "/insights/?period=365d"),
    ("dashboard_fragment_team", "/insights/?period=30d&team={team}"),
    ("team_page", "/insights/teams/{team_path}/"),
    ("figure_deploy_frequency", "/insights/figures/deploy_frequency/"),
    ("figure_incident_count", "/insights/figures/incident_count/"),
    ("api_health_org", "/api/insights/health"),
    ("csv_export", "/insights/health.csv"),
]


def measure(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core import signals
    from django.db import close_old_connections, connection
    from django.test import Client

    from catalog.selectors.teams import team_component_refs

    # As Django's TestCase does: keep one connection, so the captured queries are this request's.
    signals.request_finished.disconnect(close_old_connections)
    if args.no_cache:
        settings.PAVED_INSIGHTS_HEALTH_CACHE_SECONDS = 0
    user = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        "bench-admin", "bench@example.com", None)
    owners = team_component_refs()
    team = max((t for t in owners if t.startswith("group:")), key=lambda t: len(owners[t]))
    client = Client()
    client.force_login(user)
    for name, template in PAGES:
        url = template.format(team=team, team_path=team.split(":", 1)[1])
        headers = {"HTTP_HX_REQUEST": "true"} if "fragment" in name else {}
        started = time.perf_counter()
        response = client.get(url, secure=True, **headers)
        cold = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql))
        with connection.execute_wrapper(count):
            client.get(url, secure=True, **headers)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(url, secure=True, **headers)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(json.dumps({"page": name, "url": url, "p50_ms": round(statistics.median(times), 1),
                          "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
                          "max_ms": round(times[-1], 1), "cold_ms": round(cold, 1), "queries": len(queries),
                          "bytes": len(response.content), "team_components": len(owners[team]),
                          "cache_seconds": settings.PAVED_INSIGHTS_HEALTH_CACHE_SECONDS,
                          "sql_ms": round(sum(ms for ms, _sql in queries), 1)}), flush=True)
        if args.query_log:  # the slowest queries of that one request, to see where the time goes
            for ms, sql in sorted(queries, key=lambda q: -q[0])[:args.query_log]:
                print(json.dumps({"page": name, "sql_ms": round(ms, 1), "sql": " ".join(sql.split())[:200]}),
                      flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="inhealth")
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--deployments", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-cache", action="store_true",
                        help="compute every figure on every request (PAVED_INSIGHTS_HEALTH_CACHE_SECONDS=0)")
    parser.add_argument("--query-log", type=int, default=0, metavar="N",
                        help="after each page, print the N slowest queries of one request with their times")
    parser.add_argument("--gen", type=Path, default=GEN, help="gen_entities.py (default: ../shared/bench/)")
    args = parser.parse_args()
    configure(args.database)
    if args.setup:
        setup_database(args)
        fill(args)
    measure(args)


if __name__ == "__main__":
    main()
