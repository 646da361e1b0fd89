#!/usr/bin/env python3
"""Benchmark: `catalog_import` of a generated catalog into a fresh PostgreSQL database.

    .venv/bin/python bench/catalog_ingest.py --count 1000 --count 10000 [--count 50000]

For each N: generate the catalog with ../shared/bench/gen_entities.py (N non-User entities
plus 10% Users, about 1.1 N), create an empty database, migrate, then time the command
from process start to exit. catalog_import returns only after everything, relations
included, is stored and served, so its wall time is the "all entities served" figure.
Prints one JSON object per N.
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


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, capture_output=True, **kwargs)


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def psql_value(database: str, sql: str) -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def bench_one(count: int, workdir: Path, database: str) -> dict:
    out = workdir / f"gen-{count}"
    if not (out / "manifest.json").exists():
        subprocess.run([sys.executable, str(GEN), "--count", str(count), "--out", str(out)], check=True,
                       capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text())
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database}")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "PAVED_FILE_ROOTS": str(workdir),
        "PAVED_SECRET_KEY": os.environ.get("PAVED_SECRET_KEY", "bench-only-secret"),
        "PAVED_LOG_LEVEL": "WARNING",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    run([python, "manage.py", "migrate", "-v0", "--skip-checks"], env)
    started = time.perf_counter()
    done = run([python, "manage.py", "catalog_import", "--skip-checks", str(out / "all.yaml")], env)
    elapsed = time.perf_counter() - started
    entities = int(psql_value(database, "SELECT count(*) FROM catalog_entity WHERE kind <> 'Location'"))
    relations = int(psql_value(database, "SELECT count(*) FROM catalog_relation"))
    return {
        "n": count,
        "expected_entities": manifest["total_entities"],
        "stored_entities": entities,
        "relations": relations,
        "catalog_import_s": round(elapsed, 2),
        "entities_per_s": round(entities / elapsed),
        "command_output": done.stdout.strip().splitlines()[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, action="append", help="N (repeatable); default 1000 and 10000")
    parser.add_argument("--workdir", default="/tmp/paved-bench")
    parser.add_argument("--database", default="paved_bench")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for count in args.count or [1000, 10000]:
        print(json.dumps(bench_one(count, workdir, args.database)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
