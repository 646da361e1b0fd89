#!/usr/bin/env python3
"""Benchmark: the facts API (issue 13: >= 2,000 facts/s in bulk; a 5 MB Cobertura file parsed and
stored <= 2 s), on PostgreSQL.

    .venv/bin/python bench/facts_api.py [--entities 2000] [--per-request 100] [--facts 20] [--rounds 3]

Creates a fresh database (default screports_bench on postgres://postgres@127.0.0.1:5432), migrates
it, and ingests a catalog of `entities` components owned by one team whose member `ci-bot` holds a
token with the `facts` scope (so every entity passes the real owner permission check, not a superuser
shortcut). Then, in this process through Django's test client (the whole middleware stack: bearer
token lookup, scope check, api_view; no network or WSGI server):

* bulk:   POST /api/facts with `per-request` entities x `facts` facts per request, over every entity,
          `rounds` times: round 1 inserts, later rounds change every value (upsert + history rows);
* report: POST /api/facts/reports with a generated ~5 MB Cobertura file (raw body twice, multipart
          once), as coverage.py writes it (totals on the root) and without the totals (every <line>
          counted: the worst case).

The rescore task is not sent (its enqueue is counted instead): the scoring engine is measured by its
own benchmark. Prints one JSON object.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def catalog_yaml(count: int) -> str:
    docs = ["apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: bench-team}\n"
            "spec: {type: team, children: [], members: [ci-bot]}\n",
            "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: ci-bot}\n"
            "spec: {profile: {email: ci-bot@example.com}, memberOf: [bench-team]}\n"]
    docs += [f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: svc-{i:05d}}}\n"
             f"spec: {{type: service, lifecycle: production, owner: bench-team}}\n" for i in range(count)]
    return "---\n".join(docs)


def cobertura(target_bytes: int, *, totals: bool) -> bytes:
    """A Cobertura report like coverage.py writes, of about `target_bytes`. coverage.py puts the totals
    on the root (`totals`); without them (old Cobertura) every line is counted: the slow case.
    Each module has 200 lines: 160 hit, 20 with a branch of which half is taken."""
    body = io.BytesIO()
    module = 0
    while body.tell() < target_bytes - 300:
        body.write(f'<package name="pkg{module}" line-rate="0.8" branch-rate="0.5" complexity="0"><classes>'
                   f'<class name="m{module}.py" filename="pkg{module}/m{module}.py" complexity="0" line-rate="0.8" '
                   f'branch-rate="0.5"><methods/><lines>\n'.encode())
        for line in range(1, 201):
            hits = 0 if line % 5 == 0 else line % 7 + 1
            if line % 10 == 3:
                body.write(f'\t<line number="{line}" hits="{hits}" branch="true" condition-coverage="50% (1/2)" '
                           f'missing-branches="{line + 2}"/>\n'.encode())
            else:
                body.write(f'\t<line number="{line}" hits="{hits}"/>\n'.encode())
        body.write(b"</lines></class></classes></package>\n")
        module += 1
    lines = module * 200
    root = (f'lines-valid="{lines}" lines-covered="{lines * 4 // 5}" branches-valid="{lines // 5}" '
            f'branches-covered="{lines // 10}" ').encode() if totals else b""
    return (b'<?xml version="1.0" ?>\n<coverage version="7.4.1" timestamp="1767225600000" ' + root +
            b'line-rate="0.8" branch-rate="0.5" complexity="0">\n<sources><source>/builds/app/src</source>'
            b"</sources>\n<packages>\n" + body.getvalue() + b"</packages>\n</coverage>\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="screports_bench")
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--per-request", type=int, default=100)
    parser.add_argument("--facts", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--report-mb", type=float, default=5.0)
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("PAVED_SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("PAVED_LOG_LEVEL", "WARNING")
    os.environ.setdefault("PAVED_SSL_REDIRECT", "false")  # the test client speaks plain HTTP
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from catalog.tests.factories import location_load
    from portal.tokens import api_token_create
    from scorecards.models import Fact, FactRecord
    from scorecards.services import facts as service

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    folder = Path(f"/tmp/{args.database}")
    folder.mkdir(exist_ok=True)
    (folder / "catalog-info.yaml").write_text(catalog_yaml(args.entities))
    location_load(folder / "catalog-info.yaml")
    user = get_user_model().objects.create_user("ci-bot", "ci-bot@example.com", "x")
    token = api_token_create(user=user, name="bench", scope="facts")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    setup_s = round(time.perf_counter() - started, 1)
    enqueued = []
    service.task_enqueue_on_commit = lambda name, *a: enqueued.append(len(a[0]))
    client = Client(headers={"Authorization": f"Bearer {token}"})

    refs = [f"component:default/svc-{i:05d}" for i in range(args.entities)]
    rounds = []
    latencies: list[float] = []
    for round_no in range(args.rounds):
        total = 0
        t0 = time.perf_counter()
        for start in range(0, len(refs), args.per_request):
            items = [{"entityRef": ref, "source": "bench",
                      "facts": {f"bench.metric_{k:02d}": (i * 31 + k + round_no) % 1000 / 10
                                for k in range(args.facts)}}
                     for i, ref in enumerate(refs[start:start + args.per_request], start)]
            body = json.dumps({"items": items})
            r0 = time.perf_counter()
            response = client.post("/api/facts", body, content_type="application/json")
            latencies.append((time.perf_counter() - r0) * 1000)
            assert response.status_code == 200, (response.status_code, response.content[:500])
            total += response.json()["changed"]
        elapsed = time.perf_counter() - t0
        rounds.append({"round": round_no + 1, "facts_changed": total, "seconds": round(elapsed, 2),
                       "facts_per_s": round(total / elapsed)})
    assert Fact.objects.count() == args.entities * args.facts

    reports = {}
    for totals in (True, False):
        report = cobertura(int(args.report_mb * 1024 * 1024), totals=totals)
        runs = []
        for run in range(3):
            ref = f"svc-{run + 3 * totals:05d}"
            t0 = time.perf_counter()
            if run < 2:
                response = client.post(f"/api/facts/reports?entityRef={ref}&format=cobertura&filename=coverage.xml",
                                       report, content_type="application/xml")
            else:
                response = client.post(f"/api/facts/reports?entityRef={ref}", {"file": io.BytesIO(report)})
            runs.append(round(time.perf_counter() - t0, 3))
            assert response.status_code == 201, (response.status_code, response.content[:500])
        facts = response.json()["facts"]
        reports["coverage_py_with_totals" if totals else "without_totals_every_line_counted"] = {
            "bytes": len(report), "lines": facts["coverage.lines_total"],
            "line_percent": facts["coverage.line_percent"], "seconds_raw_body": runs[:2], "seconds_multipart": runs[2]}

    ordered = sorted(latencies)
    print(json.dumps({
        "database": "postgresql", "entities": args.entities, "setup_s": setup_s,
        "bulk": {"entities_per_request": args.per_request, "facts_per_entity": args.facts,
                 "facts_per_request": args.per_request * args.facts, "rounds": rounds,
                 "request_ms": {"p50": round(statistics.median(ordered), 1),
                                "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
                                "max": round(ordered[-1], 1)},
                 "history_rows": FactRecord.objects.filter(report__isnull=True).count(),
                 "rescore_enqueues": len(enqueued)},
        "cobertura_5mb_report": reports,
    }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
