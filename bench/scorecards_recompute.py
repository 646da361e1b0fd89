#!/usr/bin/env python3
"""Benchmark: scorecard recompute over a generated catalog on PostgreSQL.

    .venv/bin/python bench/scorecards_recompute.py --count 10000 [--database scengine]

--count N is the number of Components: the catalog is generated with ../shared/bench/gen_entities.py
(Components are 70% of its entities, so it is asked for N / 0.7), imported with catalog_import
into a fresh database, then, in one Django process:

1. the two default scorecards are loaded; the portal facts of every entity are computed and stored;
2. CI facts (coverage, vulnerabilities, tests, SLOs) are stored for every Component;
3. full recompute, cold (every score written) and warm (nothing changed: nothing written);
4. "one fact posted -> new score visible": a coverage fact is changed (through the report
   ingest service when it is there, else a Fact row) and scorecards.tasks.entities_rescore is
   run inline (eager), then the Score row is read back; 20 rounds, p50 and max.

Prints one JSON object with the figures.
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_entities.py"


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def prepare(count: int, workdir: Path, database: str) -> dict:
    entities = math.ceil(count / 0.7)
    out = workdir / f"gen-{entities}"
    if not (out / "manifest.json").exists():
        subprocess.run([sys.executable, str(GEN), "--count", str(entities), "--out", str(out)], check=True,
                       capture_output=True)
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database}")
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
           "PAVED_FILE_ROOTS": str(workdir), "PAVED_SECRET_KEY": os.environ.get("PAVED_SECRET_KEY", "bench"),
           "PAVED_LOG_LEVEL": "WARNING"}
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "-v0", "--skip-checks"], env=env, cwd=ROOT, check=True)
    started = time.perf_counter()
    subprocess.run([python, "manage.py", "catalog_import", "--skip-checks", str(out / "all.yaml")], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    imported = round(time.perf_counter() - started, 2)
    done = subprocess.run([python, __file__, "--phase", "score"], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(done.returncode)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"components_requested": count, "catalog_import_s": imported, **figures}


def _ci_facts(refs: list[str]) -> None:
    from django.utils import timezone

    from scorecards.models import Fact

    rng = random.Random(42)
    now = timezone.now()
    rows = []
    for ref in refs:
        high, critical = rng.choice([0, 0, 0, 1, 2, 5]), rng.choice([0, 0, 0, 0, 1])
        values = {"coverage.line_percent": round(rng.uniform(30, 98), 1), "vulnerabilities.high": high,
                  "vulnerabilities.critical": critical, "vulnerabilities.total": high + critical + 3,
                  "scan.present": True, "tests.total": rng.randint(10, 900), "tests.failed": 0,
                  "tests.integration": rng.choice([0, 3, 12]), "slo.count": rng.choice([0, 1, 2])}
        rows += [Fact(entity_ref=ref, key=k, value=v, source="bench", observed_at=now, recorded_at=now)
                 for k, v in values.items()]
    Fact.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def _post_coverage(ref: str, percent: float) -> None:
    """One fact posted: through the report service when it exists (screports), else a Fact row."""
    from django.utils import timezone

    try:
        from scorecards.services.facts import report_ingest
    except ImportError:
        report_ingest = None
    if report_ingest is not None:
        actor = None  # the portal itself
        lines = 1000
        covered = int(lines * percent / 100)
        stamp = int(time.time() * 1000)  # the report's own time: the service keeps only newer facts
        xml = (f'<?xml version="1.0"?><coverage line-rate="{covered / lines}" lines-covered="{covered}" '
               f'lines-valid="{lines}" branch-rate="0" version="1" timestamp="{stamp}"><packages/></coverage>')
        report_ingest(actor=actor, entity_ref=ref, format="cobertura", data=xml.encode(), filename="c.xml")
        return
    from scorecards.models import Fact

    now = timezone.now()
    Fact.objects.update_or_create(entity_ref=ref, key="coverage.line_percent", defaults={
        "value": percent, "source": "bench", "observed_at": now, "recorded_at": now})


def score_phase() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.db import connection

    from catalog.selectors import entities_matching
    from scorecards import tasks
    from scorecards.models import Fact, Score
    from scorecards.services import definitions, portal_facts, scoring

    definitions.scorecards_load_defaults()
    components = list(entities_matching(filter_text="kind=component").values_list("ref", flat=True))
    started = time.perf_counter()
    portal_facts.portal_facts_refresh()
    portal_s = time.perf_counter() - started
    _ci_facts(components)
    facts = Fact.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE scorecards_checkoutcome, scorecards_scoreweek, scorecards_score")
        cursor.execute("VACUUM ANALYZE")
    started = time.perf_counter()
    cold = scoring.scores_recompute_all()
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = scoring.scores_recompute_all()
    warm_s = time.perf_counter() - started
    service = Score.objects.filter(scorecard__slug="service-maturity").values_list("entity_ref", flat=True)
    targets = list(service[:20])
    latencies = []
    for round_ in range(len(targets)):
        ref = targets[round_]
        before = Score.objects.get(scorecard__slug="service-maturity", entity_ref=ref).points
        # Below target (so the score moves) and different from any earlier run's value on this database.
        percent = round(10.0 + round_ + random.uniform(0.1, 0.9), 2)
        started = time.perf_counter()
        _post_coverage(ref, percent)
        tasks.entities_rescore.apply(args=[[ref]])  # inline, as an eager worker would run it
        after = Score.objects.get(scorecard__slug="service-maturity", entity_ref=ref).points
        latencies.append(time.perf_counter() - started)
        assert after != before, (ref, before, after)
    return {
        "components": len(components), "facts": facts,
        "scored": {slug: stats["entities"] for slug, stats in cold.items()},
        "portal_facts_all_s": round(portal_s, 2),
        "full_recompute_cold_s": round(cold_s, 2),
        "full_recompute_cold": {slug: stats["seconds"] for slug, stats in cold.items()},
        "full_recompute_warm_s": round(warm_s, 2),
        "warm_written": sum(stats["written"] for stats in warm.values()),
        "fact_posted_to_score_visible_ms": {"p50": round(statistics.median(latencies) * 1000, 1),
                                             "max": round(max(latencies) * 1000, 1), "rounds": len(latencies)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10000, help="Components (default 10000)")
    parser.add_argument("--workdir", default="/tmp/paved-bench-scorecards")
    parser.add_argument("--database", default="scengine")
    parser.add_argument("--phase", default="all", choices=["all", "score"],
                        help="score: only the scoring phase, on the database DATABASE_URL names (already seeded)")
    args = parser.parse_args()
    if args.phase == "score":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(score_phase()), flush=True)
        return 0
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(prepare(args.count, workdir, args.database)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
