#!/usr/bin/env python3
"""Benchmark: the Docs list (/docs/) at catalog scale, through Django's test client in one process.

    .venv/bin/python bench/docs_pages.py DATABASE_URL [DATABASE_URL ...] [--repeats 30]

Each database (a copy of a bench catalog, e.g. `CREATE DATABASE paved_docs_55k TEMPLATE
paved_base_55k`) is migrated and measured in its own child process, signed in as a superuser
(created if absent): the first page, the second page (its `after` cursor), a text filter that
matches many entities, one that matches none (the whole documented set is scanned), an owner
filter and the owner box's suggestions. Prints one JSON object: per database, entity and
documented counts, then p50/p95 in ms, response size and query count per request.
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
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000, 2)


def measure_one(repeats: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Entity
    from techdocs import selectors

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-docs-admin", defaults={"is_superuser": True,
                                                                                           "is_staff": True})
    client = Client()
    client.force_login(user)
    first = selectors.docs_list()
    owner = first.rows[0].entity.owner_ref if first.rows else ""
    cases = {
        "first_page": {},
        "page_2": {"after": first.after},
        "text_common": {"q": "inventory"},
        "text_no_match": {"q": "zzqxy"},
        "owner": {"owner": owner},
        "owner_and_text": {"owner": owner, "q": "service"},
    }
    out = {"entities": Entity.objects.count(), "documented": selectors.documented_entities().count(), "pages": {}}
    for name, params in [*cases.items(), ("owner_suggestions", None)]:
        url, query = ("/docs/-/owners/", {"owner": "team-in"}) if params is None else ("/docs/", params)
        client.get(url, query, secure=True)  # warm: templates, caches
        times, size = [], 0
        for _ in range(repeats):
            reset_queries()
            started = time.perf_counter()
            response = client.get(url, query, secure=True)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
            size = len(response.content)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, query, secure=True)
        out["pages"][name] = {"params": query, "p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95),
                              "bytes": size, "queries": len(ctx.captured_queries)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="*", help="DATABASE_URLs to measure, one child process each")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--one", action="store_true", help="measure DATABASE_URL in this process")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.repeats)))
        return
    results = {}
    for url in args.databases:
        env = {**os.environ, "DATABASE_URL": url, "PAVED_SECRET_KEY": os.environ.get("PAVED_SECRET_KEY", "bench")}
        done = subprocess.run([sys.executable, __file__, "--one", "--repeats", str(args.repeats)], env=env,
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            results[url.rsplit("/", 1)[-1]] = {"error": done.stderr[-2000:]}
            continue
        results[url.rsplit("/", 1)[-1]] = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
