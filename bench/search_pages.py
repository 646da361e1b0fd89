#!/usr/bin/env python3
"""Benchmark: the global search page, GET /search/, through Django's test client (one process).

    .venv/bin/python bench/search_pages.py [--database paved_search_11k --database paved_search_55k] [--repeats 30]

Each database (a PostgreSQL copy of a loaded catalog, e.g. `CREATE DATABASE paved_search_55k
TEMPLATE paved_base_55k`) is migrated, then, signed in as an ordinary person, four requests are
timed `repeats` times each after two warm-up requests:

- `service`: a word a third of the generated catalog carries;
- `typo`: the name of a Component with one letter dropped (full text finds nothing: the
  trigram fallback must find it; `found` says whether it came back);
- `kind`: `service` filtered to kind Component (with the kind facet's counts);
- `after_change`: `service` again, each time right after an entity was changed and the catalog
  revision bumped, so nothing computed for the previous revision can answer it.

Prints one JSON object per database with p50 / p95 in milliseconds. Each database is measured in
a child process because Django settings bind one database per process.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000, 1)


def timed(client, params: dict, repeats: int, before=None) -> dict:
    for _ in range(2):
        client.get("/search/", params, secure=True)
    times, response = [], None
    for _ in range(repeats):
        if before:
            before()
        started = time.perf_counter()
        response = client.get("/search/", params, secure=True)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return {"p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95), "max_ms": pct(times, 1.0)}, response


def measure(repeats: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    from catalog.models import Entity
    from catalog.revision import revision_bump

    user, _ = get_user_model().objects.get_or_create(username="search-bench", defaults={"email": "sb@example.com"})
    client = Client()
    client.force_login(user)
    probe = Entity.objects.filter(kind="Component").order_by("ref").only("id", "ref", "name").first()
    name = probe.name
    typo = name[: len(name) // 2] + name[len(name) // 2 + 1 :]
    changed = Entity.objects.filter(kind="Component").order_by("-ref").only("id", "description").first()

    def change():
        with transaction.atomic():
            description = f"Changed at {time.time_ns()}"
            Entity.objects.filter(pk=changed.pk).update(description=description)
            revision_bump(identities=False)

    result = {"database": os.environ["DATABASE_URL"].rsplit("/", 1)[-1], "entities": Entity.objects.count(),
              "repeats": repeats}
    result["service"], _ = timed(client, {"q": "service"}, repeats)
    result["typo"], response = timed(client, {"q": typo}, repeats)
    result["typo"].update(query=typo, found=probe.ref in response.content.decode())
    result["kind"], _ = timed(client, {"q": "service", "kind": "component"}, repeats)
    result["after_change"], _ = timed(client, {"q": "service"}, repeats, before=change)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", action="append", help="repeatable; default paved_search_11k and _55k")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.repeats)), flush=True)
        return 0
    for database in args.database or ["paved_search_11k", "paved_search_55k"]:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "PAVED_SECRET_KEY": os.environ.get("PAVED_SECRET_KEY", "bench-only-secret"),
            "PAVED_LOG_LEVEL": "WARNING",
            "PAVED_DEBUG": "false",
        }
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"], env=env, cwd=ROOT,
                       check=True)
        done = subprocess.run([sys.executable, __file__, "--child", "--repeats", str(args.repeats)], env=env,
                              cwd=ROOT, check=True, capture_output=True, text=True)
        print(done.stdout.strip(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
