#!/usr/bin/env python3
"""Benchmark: delivery events in, the four keys out, on PostgreSQL.

    .venv/bin/python bench/insights_events.py [--database inevents] [--deployments 1000000]
        [--incidents 50000] [--components 10000] [--api-events 30000] [--webhooks 400] [--runs 200]
        [--bulk-only]   # part 1 alone (a minute): the rate of the bulk API and of its processing

Drops and re-creates `database` on postgres://postgres@127.0.0.1:5432, migrates it, registers
`components` catalog Components (20 per team, each with a github.com/project-slug annotation), then,
in this process through Django's test client (full middleware stack; no WSGI server, no network):

1. bulk API: POST /api/events in batches of 1,000 (60% deployments with two commits, 30% changes,
   10% incidents, spread over the components) with an events-scope token: the rate they are
   accepted (validated and stored), the rate the processing task applies them (normalise, match,
   upsert, roll-up deltas), and the two together (end to end).
2. webhook: one signed GitHub `deployment_status` delivery per request, each new: p50/p95 of the
   answer (verify the HMAC, store the raw delivery, queue the work), and of replays ("duplicate").
3. scale: `deployments` deployment rows and `incidents` incident rows inserted with SQL
   (generate_series), and their daily roll-ups aggregated from them with SQL (the shape the
   processing task maintains; bulk-loading avoids pushing a million events through the task here,
   whose rate item 1 measures). Then p50/p95 over `runs` calls of the DORA selectors (a component,
   a team of 20, the organisation; a quarter and a year by week) and of the component's Delivery
   page, plus one more 1,000-event batch processed against the full tables.

Prints one JSON object per part.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 2)


def summary(samples: list[float]) -> dict:
    return {"n": len(samples), "p50_ms": pct(samples, 0.5), "p95_ms": pct(samples, 0.95),
            "max_ms": round(max(samples), 2), "mean_ms": round(statistics.mean(samples), 2)}


def emit(name: str, data: dict) -> None:
    print(json.dumps({"part": name, **data}), flush=True)


def make_components(count: int) -> None:
    from catalog.models import Entity

    rows = []
    for i in range(count):
        name = f"svc-{i}"
        body = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                "metadata": {"name": name, "annotations": {"github.com/project-slug": f"acme/{name}"}},
                "spec": {"type": "service", "lifecycle": "production", "owner": f"team-{i // 20}"}}
        rows.append(Entity(ref=f"component:default/{name}", kind="Component", name=name, namespace="default",
                           owner_ref=f"group:default/team-{i // 20}", body=body, final=json.dumps(body),
                           etag=str(i), content_hash=str(i), spec_type="service", lifecycle="production"))
    Entity.objects.bulk_create(rows, batch_size=2000)


def batch(rng: random.Random, start: int, size: int, components: int, base: datetime) -> list[dict]:
    items = []
    for n in range(start, start + size):
        service = f"svc-{rng.randrange(components)}"
        at = base + timedelta(minutes=n)
        kind = n % 10
        if kind < 6:
            shas = [hashlib.sha1(f"c{n}-{j}".encode()).hexdigest() for j in range(2)]
            items.append({"type": "deployment", "id": f"api-{n}", "service": service, "environment": "production",
                          "time": at.isoformat(), "commits": shas})
        elif kind < 9:
            items.append({"type": "change", "sha": hashlib.sha1(f"c{n - 3}-0".encode()).hexdigest(),
                          "time": (at - timedelta(hours=5)).isoformat(), "author": f"dev{n % 300}@example.com",
                          "service": service})
        else:
            items.append({"type": "incident", "id": f"inc-{n}", "service": service, "opened": at.isoformat(),
                          "resolved": (at + timedelta(minutes=42)).isoformat(), "caused_by": f"api-{n - 3}"})
    return items


def bulk_api(client, token: str, total: int, components: int, offset: int = 0, workers: int = 1) -> dict:
    from insights.models import Delivery
    from insights.services.events import delivery_process

    rng = random.Random(1)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    bodies = [json.dumps({"events": batch(rng, offset + i, 1000, components, base)})
              for i in range(0, total, 1000)]
    auth = {"Authorization": f"Bearer {token}"}
    warm = json.dumps({"events": batch(rng, offset + 50_000_000, 1000, components, base)})
    client.post("/api/events", warm, content_type="application/json", headers=auth)  # imports, caches
    delivery_process(delivery_id=Delivery.objects.filter(kind="api").latest("pk").pk)
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/api/events", body, content_type="application/json", headers=auth)
        assert response.status_code == 202, (response.status_code, response.content[:300], response.get("Location"))
    accepted = time.perf_counter() - started
    ids = list(Delivery.objects.filter(status="pending", kind="api").order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    process_parallel(ids, workers)
    processed = time.perf_counter() - started
    assert not Delivery.objects.filter(pk__in=ids).exclude(status="processed").exists()
    return {"events": total, "batch": 1000, "workers": workers, "accept_events_per_s": round(total / accepted),
            "process_events_per_s": round(total / processed),
            "end_to_end_events_per_s": round(total / (accepted + processed))}


def process_parallel(ids: list[int], workers: int) -> None:
    """Run the processing task over `ids` in `workers` forked processes (as Celery's prefork pool does)."""
    from django.db import connections

    from insights.services.events import delivery_process

    if workers <= 1:
        for pk in ids:
            delivery_process(delivery_id=pk)
        return
    connections.close_all()
    children = []
    for w in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for pk in ids[w::workers]:
                    delivery_process(delivery_id=pk)
            except Exception as exc:  # a child reports and fails; the parent checks every delivery's status
                print(f"worker {w}: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = 1
            finally:
                connections.close_all()
                os._exit(code)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


def webhooks(client, count: int) -> dict:
    from insights.lib.webhooks.sealing import seal
    from insights.models import WebhookSource

    secret = "bench-secret-bench-secret"
    WebhookSource.objects.create(name="github", kind="github", secret_sealed=seal(secret))
    samples, replays = [], []
    for i in range(count + 20):
        payload = {"deployment_status": {"state": "success", "created_at": "2026-02-01T10:00:00Z"},
                   "deployment": {"id": 10_000 + i, "sha": hashlib.sha1(str(i).encode()).hexdigest(),
                                  "environment": "production"},
                   "repository": {"full_name": f"acme/svc-{i % 500}"}}
        body = json.dumps(payload).encode()
        headers = {"X-GitHub-Event": "deployment_status", "X-GitHub-Delivery": f"bench-{i}",
                   "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}
        for target in (samples, replays):
            started = time.perf_counter()
            response = client.post("/api/insights/webhooks/github", body, content_type="application/json",
                                   headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code in (200, 202), response.content[:300]
            if i >= 20:  # the first requests warm caches and imports
                target.append(elapsed)
    return {"new": summary(samples), "replayed": summary(replays)}


GEN_DEPLOYMENTS = """
INSERT INTO insights_deployment (source, external_id, service, match_keys, component_ref, environment, production,
                                 status, deployed_at, commit_shas, caused_failure, created_at)
SELECT 'gen', 'g' || g, 'svc-' || (g % {c}), '[]'::jsonb, 'component:default/svc-' || (g % {c}), 'production', true,
       CASE WHEN g % 53 = 0 THEN 'rollback' ELSE 'success' END,
       timestamptz '2025-01-01 00:00:00+00' + ((g / {c}) * 3 + g % 3) % 365 * interval '1 day'
           + (g::bigint * 7919 % 86400) * interval '1 second',
       '[]'::jsonb, g % 11 = 0, now()
FROM generate_series(1, {n}) AS g
"""
GEN_INCIDENTS = """
INSERT INTO insights_incident (source, external_id, service, match_keys, component_ref, title, severity, opened_at,
                               resolved_at, caused_by_hint)
SELECT 'gen', 'i' || g, 'svc-' || (g * 17 % {c}), '[]'::jsonb, 'component:default/svc-' || (g * 17 % {c}), 'gen',
       'sev' || (g % 4), timestamptz '2025-01-01 00:00:00+00' + (g % 365) * interval '1 day',
       CASE WHEN g % 20 = 0 THEN NULL
            ELSE timestamptz '2025-01-01 00:00:00+00' + (g % 365) * interval '1 day' + (g % 600) * interval '1 minute'
       END, ''
FROM generate_series(1, {n}) AS g
"""
# The roll-ups as the processing task keeps them: deployments and failures per component and day, a
# lead-time histogram (two changes a deployment, in a few buckets) and incidents with restore times.
GEN_DAYS = """
INSERT INTO insights_deliveryday (component_ref, day, deployments, failed_deployments, changes, lead_hist, incidents,
                                  unresolved, restore_hist)
SELECT component_ref, (deployed_at AT TIME ZONE 'UTC')::date, count(*), sum(caused_failure::int), 2 * count(*),
       jsonb_build_object((60 + count(*) % 9)::text, jsonb_build_array(2 * count(*), 2 * count(*) * 18000)),
       0, 0, '{}'::jsonb
FROM insights_deployment WHERE source = 'gen' GROUP BY 1, 2
UNION ALL
SELECT '*', day, n, f, 2 * n,
       (SELECT jsonb_object_agg(b::text, jsonb_build_array(n / 20, n / 20 * b * 600))
        FROM generate_series(40, 80) AS b),
       0, 0, '{}'::jsonb
FROM (SELECT (deployed_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n, sum(caused_failure::int) AS f
      FROM insights_deployment WHERE source = 'gen' GROUP BY 1) AS per_day
"""
GEN_INCIDENT_DAYS = """
INSERT INTO insights_deliveryday AS d (component_ref, day, deployments, failed_deployments, changes, lead_hist,
                                       incidents, unresolved, restore_hist)
SELECT ref, day, 0, 0, 0, '{}'::jsonb, n, open, jsonb_build_object('50', jsonb_build_array(n - open, (n - open) * 9000))
FROM (SELECT component_ref AS ref, (opened_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n,
             count(*) FILTER (WHERE resolved_at IS NULL) AS open FROM insights_incident GROUP BY 1, 2
      UNION ALL
      SELECT '*', (opened_at AT TIME ZONE 'UTC')::date, count(*), count(*) FILTER (WHERE resolved_at IS NULL)
      FROM insights_incident GROUP BY 2) AS x
ON CONFLICT (component_ref, day) DO UPDATE SET incidents = EXCLUDED.incidents, unresolved = EXCLUDED.unresolved,
    restore_hist = EXCLUDED.restore_hist
"""


def generate(deployments: int, incidents: int, components: int) -> dict:
    from django.db import connection

    timings = {}
    with connection.cursor() as cursor:
        for name, sql in (("deployments", GEN_DEPLOYMENTS.format(c=components, n=deployments)),
                          ("incidents", GEN_INCIDENTS.format(c=components, n=incidents)),
                          ("rollups", GEN_DAYS), ("incident_rollups", GEN_INCIDENT_DAYS)):
            started = time.perf_counter()
            cursor.execute(sql)
            timings[f"{name}_s"] = round(time.perf_counter() - started, 1)
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM insights_deliveryday")
        timings["rollup_rows"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM insights_deployment")
        timings["deployment_rows"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM insights_incident")
        timings["incident_rows"] = cursor.fetchone()[0]
    return timings


def timed(runs: int, call) -> dict:
    samples = []
    for i in range(runs + 5):
        started = time.perf_counter()
        call(i)
        if i >= 5:
            samples.append((time.perf_counter() - started) * 1000)
    return summary(samples)


def selectors(runs: int, components: int, client) -> dict:
    from insights.selectors.dora import dora_keys, dora_series, first_production_deploys, incident_counts

    rng = random.Random(7)
    quarter = {"start": date(2025, 7, 1), "end": date(2025, 9, 30)}
    year = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}

    def comp(_):
        return [f"component:default/svc-{rng.randrange(components)}"]

    def team(_):
        first = rng.randrange(components // 20) * 20
        return [f"component:default/svc-{first + k}" for k in range(20)]

    return {
        "component_quarter_keys": timed(runs, lambda i: dora_keys(**quarter, component_refs=comp(i))),
        "component_year_weekly_series": timed(runs, lambda i: dora_series(**year, bucket="week",
                                                                          component_refs=comp(i))),
        "team20_quarter_keys": timed(runs, lambda i: dora_keys(**quarter, component_refs=team(i))),
        "team20_year_monthly_series": timed(runs, lambda i: dora_series(**year, bucket="month",
                                                                        component_refs=team(i))),
        "org_quarter_keys": timed(runs, lambda i: dora_keys(**quarter)),
        "org_year_weekly_series": timed(runs, lambda i: dora_series(**year, bucket="week")),
        "org_year_incident_counts": timed(runs, lambda i: incident_counts(**year)),
        "first_production_deploys_team20": timed(runs, lambda i: first_production_deploys(component_refs=team(i))),
        "delivery_page": timed(runs, lambda i: _page(client, rng.randrange(components))),
        "dora_api_org_year": timed(runs, lambda i: _ok(client.get("/api/insights/dora", {
            "start": "2025-01-01", "end": "2025-12-31", "bucket": "week"}))),
    }


def _ok(response):
    assert response.status_code == 200, response.content[:300]


def _page(client, i: int):
    _ok(client.get(f"/insights/delivery/default/component/svc-{i}/", {"start": "2025-07-01", "end": "2025-09-30"}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="inevents")
    parser.add_argument("--deployments", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--api-events", type=int, default=30_000)
    parser.add_argument("--webhooks", type=int, default=400)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--bulk-only", action="store_true", help="run part 1 (bulk API and processing) only")
    parser.add_argument("--selectors-only", action="store_true",
                        help="time the selectors again on the database a previous full run filled")
    args = parser.parse_args()

    if not args.selectors_only:
        psql(f"DROP DATABASE IF EXISTS {args.database}")
        psql(f"CREATE DATABASE {args.database}")
    from cryptography.fernet import Fernet

    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("PAVED_SECRET_KEY", "bench")
    os.environ.setdefault("PAVED_SSL_REDIRECT", "false")  # as behind a TLS proxy: no redirect to https
    os.environ.setdefault("PAVED_SECRETS_ENCRYPTION_KEY", Fernet.generate_key().decode())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from core.access import access_cache_clear
    from core.models import Grant, Role, RoleBinding
    from portal.tokens import api_token_create

    if args.selectors_only:
        client = Client()
        client.force_login(get_user_model().objects.get(username="admin"))
        emit("selectors", {"runs": args.runs, **selectors(args.runs, args.components, client)})
        return
    call_command("migrate", verbosity=0)
    make_components(args.components)
    user = get_user_model().objects.create_user("ci-bot", "ci@example.com", "x")
    role = Role.objects.create(name="senders")
    Grant.objects.create(role=role, permission="insights.events.write")
    RoleBinding.objects.create(role=role, subject="user:default/ci-bot")
    access_cache_clear()
    token = api_token_create(user=user, name="bench", scope="events")
    client = Client()

    emit("bulk_api", bulk_api(client, token, args.api_events, args.components))
    emit("bulk_api", bulk_api(client, token, args.api_events, args.components, offset=1_000_000, workers=2))
    if args.bulk_only:
        return
    emit("webhook", webhooks(client, args.webhooks))
    emit("generate", generate(args.deployments, args.incidents, args.components))
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "x")
    client.force_login(admin)
    emit("selectors", {"runs": args.runs, **selectors(args.runs, args.components, client)})
    at_scale = bulk_api(Client(), token, 3000, args.components, offset=10_000_000, workers=2)
    emit("bulk_api_at_scale", at_scale | {"note": "3 batches after the tables were filled"})


if __name__ == "__main__":
    main()
