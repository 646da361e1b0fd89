#!/usr/bin/env python3
"""Benchmark: the maturity assessment's pages at catalog scale, through Django's test client.

    .venv/bin/python bench/maturity_pages.py --count 10000 [--database maturity_bench] [--repeats 10]

Generates a catalog with ../shared/bench/gen_entities.py (N non-User entities, 70% Components),
imports it into a fresh PostgreSQL database, then, signed in as a superuser, times the assessment
page (organisation and one team), its htmx fragment, the API, the Markdown export, a snapshot and
the history page. The sources behind the scorecards and insights contracts are replaced by "no data"
readings while those apps are not merged (say so when reporting); catalog, techdocs and scaffolding
are read for real. Prints one JSON object: p50/p95 in ms and query count per request.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_entities.py"
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000, 1)


def prepare(count: int, database: str, workdir: Path) -> dict:
    out = workdir / f"gen-{count}"
    if not (out / "manifest.json").exists():
        subprocess.run([sys.executable, str(GEN), "--count", str(count), "--out", str(out)], check=True,
                       capture_output=True)
    for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
           "PAVED_FILE_ROOTS": str(workdir), "PAVED_SECRET_KEY": os.environ.get("PAVED_SECRET_KEY", "bench-only")}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([sys.executable, "manage.py", "catalog_import", "--skip-checks", str(out / "all.yaml")], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    return env


def measure(repeats: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Entity
    from maturity import sources
    from maturity.sources import Reading

    for name in ("service_creation", "self_service", "onboarding", "cost_attribution", "monitoring"):
        setattr(sources, name, lambda **kw: Reading(None, needs="not merged"))
    sources.worst_checks = lambda **kw: []
    user, _ = get_user_model().objects.get_or_create(username="bench-maturity", defaults={"is_superuser": True})
    client = Client()
    client.force_login(user)
    team = sources.teams()[0]
    cases = {
        "assessment_page": ("get", "/maturity/", {}, {}),
        "assessment_team_fragment": ("get", "/maturity/", {"team": team}, {"HX-Request": "true"}),
        "api_assessment": ("get", "/api/maturity/assessment", {}, {}),
        "report_markdown": ("get", "/maturity/report.md", {}, {}),
        "snapshot_take": ("post", "/maturity/snapshots/take/", {}, {}),
        "history_page": ("get", "/maturity/history/", {}, {}),
    }
    result = {"entities": Entity.objects.count(), "components": Entity.objects.filter(kind="Component").count(),
              "teams": len(sources.teams()), "requests": {}}
    for name, (method, url, params, headers) in cases.items():
        times, queries, status = [], 0, 0
        getattr(client, method)(url, params, headers=headers, secure=True)  # warm: templates, caches
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = getattr(client, method)(url, params, headers=headers, secure=True)
                times.append(time.perf_counter() - start)
            queries, status = len(captured), response.status_code
        result["requests"][name] = {"status": status, "p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95),
                                    "queries": queries}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--database", default="maturity_bench")
    parser.add_argument("--workdir", default="/tmp/paved-bench")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeats)))
        return 0
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    env = prepare(args.count, args.database, workdir)
    done = subprocess.run([sys.executable, __file__, "--measure", "--repeats", str(args.repeats)], env=env,
                          cwd=ROOT, check=True, capture_output=True, text=True)
    print(json.dumps({"n": args.count, **json.loads(done.stdout.strip().splitlines()[-1])}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
