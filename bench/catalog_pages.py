#!/usr/bin/env python3
"""Benchmark: server time of the main pages at N entities, on PostgreSQL.

    .venv/bin/python bench/catalog_pages.py --count 10000 --count 50000 \
        --database-template paved_base_11k --database-template paved_base_55k [--repeat 30]

For each N: make a PostgreSQL database, either a copy of an existing one
(`--database-template`, paired with the `--count`s in order: CREATE DATABASE ... TEMPLATE,
the template is only read) or a fresh one filled with ../shared/bench/gen_entities.py and
`catalog_import`; migrate it and VACUUM (ANALYZE) it; then, in one process, sign in a superuser with the Django test
client and request every page `--repeat` times after one warm-up request. Prints one JSON
object per N: p50/p95/max in milliseconds, the first (cold) request and the response size.

The copy is dropped afterwards unless --keep. A template must have no open connection while
it is copied (PostgreSQL refuses otherwise).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_entities.py"
PAGES = [
    ("home", "/"),
    ("catalog", "/catalog/"),
    ("catalog_component", "/catalog/?kind=component"),
    ("catalog_component_page40", "/catalog/?kind=component&page=40"),
    ("catalog_q_pay", "/catalog/?q=pay"),
    ("search_service", "/search/?q=service"),
    ("docs", "/docs/"),
    ("entity", None),  # the first component, found in the database
]


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAqc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def database_env(database: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "PAVED_SECRET_KEY": os.environ.get("PAVED_SECRET_KEY", "bench-only-secret"),
        "PAVED_LOG_LEVEL": "WARNING",
        "PAVED_DEBUG": "0",
    }


def prepare(count: int, template: str | None, database: str, workdir: Path) -> None:
    psql(f'DROP DATABASE IF EXISTS "{database}"')
    if template:
        psql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    else:
        psql(f'CREATE DATABASE "{database}"')
    env = database_env(database)
    subprocess.run([python(), "manage.py", "migrate", "-v0", "--skip-checks"], env=env, cwd=ROOT, check=True)
    if template:
        vacuum(database)
        return
    out = workdir / f"gen-{count}"
    if not (out / "manifest.json").exists():
        subprocess.run([sys.executable, str(GEN), "--count", str(count), "--out", str(out)], check=True,
                       capture_output=True)
    env["PAVED_FILE_ROOTS"] = str(workdir)
    subprocess.run([python(), "manage.py", "catalog_import", "--skip-checks", str(out / "all.yaml")], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    vacuum(database)


def vacuum(database: str) -> None:
    """What autovacuum does to a live database soon after a bulk load (visibility map and
    planner statistics); without it the first minutes after a copy are measured instead."""
    psql("VACUUM (ANALYZE)", database)


def measure(repeat: int, only: list[str] | None = None) -> dict:
    """Runs inside the child process, with DATABASE_URL pointing at the prepared database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from catalog.models import Entity
    from catalog.selectors import entity_url

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True, "email": "bench@example.com"})
    client = Client()
    client.force_login(user)
    entity = Entity.objects.filter(kind__iexact="component").order_by("ref").values_list("ref", flat=True).first()
    # The machine's load while measuring: figures taken on a busy machine are not comparable.
    results = {"entities": Entity.objects.count(), "loadavg_before": round(os.getloadavg()[0], 2)}
    for name, url in PAGES:
        if only and name not in only:
            continue
        url = url or entity_url(entity or "")
        started = time.perf_counter()
        first = client.get(url, secure=True)  # as behind TLS: no redirect to https
        cold = (time.perf_counter() - started) * 1000
        if first.status_code != 200:
            raise SystemExit(f"{url} answered {first.status_code}")
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[name] = {
            "url": url, "status": first.status_code, "first_ms": round(cold, 1),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1),
            "max_ms": round(times[-1], 1),
            "bytes": len(response.content),
        }
    results["loadavg_after"] = round(os.getloadavg()[0], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, action="append", help="entities (repeatable); default 10000 and 50000")
    parser.add_argument("--database-template", action="append", default=[],
                        help="existing database to copy for the matching --count (repeatable, in order)")
    parser.add_argument("--database", default="paved_bench_pages", help="name of the database made (suffixed by N)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/paved-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the databases made")
    parser.add_argument("--only", action="append", choices=[name for name, _ in PAGES],
                        help="measure only these pages (repeatable); default all")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeat, args.only)))
        return
    counts = args.count or [10000, 50000]
    if len(args.database_template) > len(counts):
        parser.error("more --database-template than --count")
    args.workdir.mkdir(parents=True, exist_ok=True)
    for index, count in enumerate(counts):
        template = args.database_template[index] if index < len(args.database_template) else None
        database = f"{args.database}_{count}"
        prepare(count, template, database, args.workdir)
        try:
            command = [python(), str(Path(__file__).resolve()), "--measure", "--repeat", str(args.repeat)]
            command += [f"--only={name}" for name in args.only or []]
            done = subprocess.run(command,
                                  env=database_env(database), cwd=ROOT, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"measuring failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            if not args.keep:
                psql(f'DROP DATABASE IF EXISTS "{database}"')
        print(json.dumps({"count": count, "template": template, "repeat": args.repeat, **result}), flush=True)


if __name__ == "__main__":
    main()
