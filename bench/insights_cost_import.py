#!/usr/bin/env python3
"""Benchmark: a 1,000,000-row FOCUS CSV through the real cost importer, on PostgreSQL.

    .venv/bin/python bench/insights_cost_import.py [--rows 1000000] [--database incost] [--seed 7]

Writes a seeded FOCUS 1.x export (the columns AWS, Azure, Google Cloud and OCI share, tags as a JSON
object in the seed's spellings and others, 3 months, 40 teams, 400 services, some rows unlabelled)
to a temporary file, makes a fresh database, migrates it, and then, in a child process (so its peak
RSS is the importer's alone): stores the file as an upload would be stored (cost_import_create) and
runs the import task's service (cost_import_run: stream, aggregate, replace in one transaction).
Prints one JSON object: rows, file size, seconds to store and to import, rows/s, the child's peak
RSS (resource.getrusage), lines written. Targets (issue 14): ≤ 60 s, < 300 MB RSS. `--rows 5600000`
makes a 2 GB file (the issue's "2 GB CSV"): the RSS stays where it is for a million rows. `--opencost N`
imports an OpenCost allocation answer of N pods instead (streamed one allocation at a time).
"""

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["BilledCost", "EffectiveCost", "ListCost", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
          "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ServiceName", "ServiceCategory", "ResourceId",
          "ResourceName", "RegionId", "SubAccountId", "SubAccountName", "Tags", "x_UsageType"]
MONTHS = ["2025-01", "2025-02", "2025-03"]
TEAM_KEYS = ["team", "user:team", "Team"]
CC_KEYS = ["cost-center", "cost_center", "costcenter", "user:CostCenter"]


def _tag_pool(rng: random.Random, size: int = 3000) -> list[str]:
    pool = []
    for _ in range(size):
        team = rng.randrange(40)
        service = team * 10 + rng.randrange(10)
        tags = {rng.choice(TEAM_KEYS): f"team-{team:02d}", "service": f"svc-{service:03d}",
                rng.choice(["environment", "env"]): rng.choice(["production", "staging", "dev"]),
                rng.choice(CC_KEYS): f"cc-{team % 7}", "tier": rng.choice(["critical", "standard"]),
                "owner-email": f"t{team}@example.com"}
        roll = rng.random()
        if roll < 0.05:
            tags = {}  # unlabelled: unallocated
        elif roll < 0.10:
            tags = {"service": tags["service"]}  # no team: the catalog's owner, if any
        pool.append(json.dumps(tags))
    return pool


def generate(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    pool = _tag_pool(rng)
    services = ["Amazon EC2", "Amazon S3", "Amazon RDS", "AWS Lambda", "Amazon EKS"]
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            month = MONTHS[i * len(MONTHS) // rows]
            day = 1 + i % 28
            cost = f"{rng.random() * 3:.6f}"
            writer.writerow([cost, cost, cost, "USD", f"{month}-01T00:00:00Z", f"{month}-28T00:00:00Z",
                             f"{month}-{day:02d}T00:00:00Z", f"{month}-{day:02d}T01:00:00Z", "Usage",
                             services[i % 5], "Compute", f"i-{i:08x}", f"node-{i % 997}", "eu-west-1",
                             "123456789012", "prod-account", pool[rng.randrange(len(pool))], "BoxUsage"])


def generate_opencost(path: Path, count: int, seed: int) -> None:
    """An OpenCost /allocation/compute answer with `count` pod allocations in one window (accumulate=true)."""
    rng = random.Random(seed)
    window = {"start": "2025-02-01T00:00:00Z", "end": "2025-03-01T00:00:00Z"}
    with open(path, "w") as out:
        out.write('{"code":200,"data":[{')
        for i in range(count):
            team = i % 40
            name = f"ns-{team}/deploy-{i % 400}/pod-{i}"
            labels = {"team": f"team-{team:02d}", "app": f"svc-{i % 400:03d}", "env": "production"}
            if i % 20 == 0:
                labels = {}
            alloc = {"name": name, "properties": {"cluster": "prod", "namespace": f"ns-{team}", "pod": f"pod-{i}",
                                                  "controller": f"deploy-{i % 400}", "labels": labels},
                     "window": window, "start": window["start"], "end": window["end"], "cpuCoreHours": rng.random(),
                     "cpuCost": rng.random(), "ramCost": rng.random(), "pvCost": 0, "totalCost": rng.random() * 5}
            out.write(("," if i else "") + json.dumps(name) + ":" + json.dumps(alloc))
        out.write("}]}")


def child(path: str, fmt: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from insights.services.cost import cost_import_create, cost_import_run

    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True,
                                                                                        "is_staff": True})
    started = time.perf_counter()
    with open(path, "rb") as handle:
        job = cost_import_create(actor=admin, fmt=fmt, upload=File(handle, name=Path(path).name))
    stored = time.perf_counter()
    job = cost_import_run(import_id=job.pk)
    done = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": job.status, "message": job.message, "rows": job.rows_read,
                      "lines_written": job.lines_written, "months": job.months,
                      "store_seconds": round(stored - started, 2), "import_seconds": round(done - stored, 2),
                      "rows_per_second": round(job.rows_read / (done - stored)),
                      "peak_rss_mb": round(peak_kb / 1024, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="incost")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--opencost", type=int, default=0, metavar="N",
                        help="import an OpenCost JSON answer of N allocations instead of the FOCUS CSV")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-format", default="focus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("PAVED_SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("PAVED_LOG_LEVEL", "WARNING")
    if args.child:
        child(args.child, args.child_format)
        return
    work = Path(tempfile.mkdtemp(prefix="paved-cost-bench-"))
    os.environ["PAVED_VAR_DIR"] = str(work / "var")
    fmt = "opencost" if args.opencost else "focus"
    csv_path = work / ("opencost.json" if args.opencost else "focus.csv")
    started = time.perf_counter()
    if args.opencost:
        generate_opencost(csv_path, args.opencost, args.seed)
    else:
        generate(csv_path, args.rows, args.seed)
    generated = time.perf_counter() - started
    for sql in (f"DROP DATABASE IF EXISTS {args.database}", f"CREATE DATABASE {args.database}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    try:
        result = subprocess.run([sys.executable, __file__, "--database", args.database, "--child", str(csv_path),
                                 "--child-format", fmt],
                                cwd=ROOT, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(f"the import failed:\n{exc.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures.update({"file_mb": round(csv_path.stat().st_size / 1e6, 1), "generate_seconds": round(generated, 1),
                    "targets": {"import_seconds": 60, "peak_rss_mb": 300}})
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
