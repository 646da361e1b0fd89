#!/usr/bin/env python3
"""Benchmark: server time of the scorecard pages with N scored entities, on PostgreSQL.

    .venv/bin/python bench/scorecard_pages.py [--count 10000] [--repeat 40] [--database scui]

Makes the PostgreSQL database `--database` afresh (dropped first), migrates it, bulk-creates one
scorecard with N scores (5 check outcomes each, 12 weeks of history each, 40 teams) and one catalog
entity for the entity tab, VACUUM (ANALYZE)s it, then signs in a superuser with the Django test client
and requests each page `--repeat` times after one warm-up. Prints one JSON object: p50/p95/max in
milliseconds per page, and the query count of each page.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "service-maturity"
PAGES = [
    ("scorecard", f"/scorecards/{SLUG}/"),
    ("scorecard_sort_score_desc", f"/scorecards/{SLUG}/?sort=-score"),
    ("scorecard_failing_runbook", f"/scorecards/{SLUG}/?failing=runbook&sort=-level"),
    ("scorecard_team_grade", f"/scorecards/{SLUG}/?owner=group:default/team-07&grade=B"),
    ("scorecard_page_100", f"/scorecards/{SLUG}/?page=100"),
    ("scorecard_htmx_fragment", f"/scorecards/{SLUG}/?grade=C"),
    ("team", "/scorecards/teams/default/team-07/"),
    ("entity_tab", "/scorecards/entities/default/component/svc-00001/"),
    ("entity_page_with_badge", "/catalog/default/component/svc-00001/"),
    ("index", "/scorecards/"),
    ("api_scores", f"/api/scorecards/{SLUG}/scores?limit=100&failing=docs"),
]
HTMX = {"scorecard_htmx_fragment"}
CHECKS = [("owner", "Ownership"), ("docs", "Documentation"), ("runbook", "Reliability"), ("coverage", "Testing"),
          ("cost-labels", "Cost")]
MISSING = {"owner": "owner unclear", "docs": "docs", "runbook": "runbook", "coverage": "tests",
           "cost-labels": "cost labels"}


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAqc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def database_env(database: str) -> dict:
    return {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "PAVED_SECRET_KEY": os.environ.get("PAVED_SECRET_KEY", "bench-only-secret"),
            "PAVED_LOG_LEVEL": "WARNING", "PAVED_DEBUG": "0"}


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def seed(count: int) -> dict:
    """Runs in a child process: the rows the scoring engine would write, bulk-created."""
    _django()
    from django.utils import timezone

    from catalog.models import Entity
    from scorecards.models import CheckOutcome, Score, Scorecard, ScoreWeek

    rng = random.Random(13)
    now = timezone.now()
    definition = {"categories": [{"key": cat.lower(), "title": cat, "checks": [{"key": key, "title": key.title()}]}
                                 for key, cat in CHECKS],
                  "levels": [{"name": "Bronze"}, {"name": "Silver"}, {"name": "Gold"}]}
    card = Scorecard.objects.create(slug=SLUG, title="Service maturity", target="bench", definition=definition,
                                    applies_to="kind=component")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    scores, outcomes, weeks = [], [], []
    for i in range(count):
        failing = {key for key, _ in CHECKS if rng.random() < 0.3}
        points = max(0.0, 100 - 18 * len(failing) - rng.random() * 10)
        grade = "A" if points >= 90 else "B" if points >= 75 else "C" if points >= 60 else "D" if points >= 40 else "F"
        level = "" if len(failing) > 2 else ("Bronze", "Silver", "Gold")[2 - len(failing)]
        results = [{"key": key, "title": key.title(), "category": cat, "state": "fail" if key in failing else "pass",
                    "value": 84.2 if key == "coverage" else True, "fact": f"fact.{key}", "source": "portal",
                    "observed_at": now.isoformat(), "missing": MISSING[key],
                    "fix": {"text": f"Add {key}", "url": f"https://docs.example.com/{key}"}} for key, cat in CHECKS]
        scores.append(Score(scorecard=card, entity_ref=f"component:default/svc-{i:05d}", entity_name=f"svc-{i:05d}",
                            owner_ref=f"group:default/team-{i % 40:02d}", points=points, grade=grade, level=level,
                            results=results, missing=[MISSING[k] for k, _ in CHECKS if k in failing],
                            computed_at=now))
    Score.objects.bulk_create(scores, batch_size=2000)
    for score in Score.objects.filter(scorecard=card).only("id", "entity_ref", "owner_ref", "points", "results"):
        for item in score.results:
            outcomes.append(CheckOutcome(score_id=score.pk, scorecard=card, check_key=item["key"], state=item["state"]))
        for n in range(12):
            value = max(0.0, min(100.0, score.points - (11 - n) * rng.random() * 2))
            weeks.append(ScoreWeek(scorecard=card, entity_ref=score.entity_ref, owner_ref=score.owner_ref,
                                   week=monday - datetime.timedelta(weeks=11 - n), points=value, grade="B"))
    CheckOutcome.objects.bulk_create(outcomes, batch_size=5000)
    ScoreWeek.objects.bulk_create(weeks, batch_size=5000)
    body = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": {"name": "svc-00001", "namespace": "default"},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-01"}}
    Entity.objects.create(ref="component:default/svc-00001", kind="Component", name="svc-00001",
                          owner_ref="group:default/team-01", body=body, final=json.dumps(body), etag="x",
                          content_hash="x", spec_type="service", lifecycle="production")
    return {"scores": Score.objects.count(), "outcomes": CheckOutcome.objects.count(),
            "weeks": ScoreWeek.objects.count()}


def measure(repeat: int) -> dict:
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True, "email": "bench@example.com"})
    client = Client()
    client.force_login(user)
    results = {"loadavg_before": round(os.getloadavg()[0], 2)}
    for name, url in PAGES:
        headers = {"HTTP_HX_REQUEST": "true"} if name in HTMX else {}
        started = time.perf_counter()
        first = client.get(url, secure=True, **headers)
        cold = (time.perf_counter() - started) * 1000
        if first.status_code != 200:
            raise SystemExit(f"{url} answered {first.status_code}")
        queries = []  # counted with a wrapper: the test client's request_started resets connection.queries

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url, secure=True, **headers)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, secure=True, **headers)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[name] = {"url": url, "first_ms": round(cold, 1), "p50_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1),
                         "max_ms": round(times[-1], 1), "queries": len(queries),
                         "bytes": len(response.content)}
    results["loadavg_after"] = round(os.getloadavg()[0], 2)
    return results


def _child(args: list[str], database: str) -> dict:
    done = subprocess.run([python(), str(Path(__file__).resolve()), *args], env=database_env(database), cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--database", default="scui")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        print(json.dumps(seed(args.count)))
        return
    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return
    psql(f'DROP DATABASE IF EXISTS "{args.database}"')
    psql(f'CREATE DATABASE "{args.database}"')
    subprocess.run([python(), "manage.py", "migrate", "-v0", "--skip-checks"], env=database_env(args.database),
                   cwd=ROOT, check=True)
    started = time.perf_counter()
    seeded = _child(["--seed", "--count", str(args.count)], args.database)
    seeded["seed_s"] = round(time.perf_counter() - started, 1)
    psql("VACUUM (ANALYZE)", args.database)
    result = _child(["--measure", "--repeat", str(args.repeat)], args.database)
    print(json.dumps({"count": args.count, "repeat": args.repeat, "seeded": seeded, **result}, indent=1), flush=True)


if __name__ == "__main__":
    main()
