#!/usr/bin/env python3
"""Benchmark: TechDocs builds against plain `mkdocs build`, page serving and docs search.

    .venv/bin/python bench/techdocs_bench.py [--runs 3] [--big-pages 2000] [--requests 400] [--queries 200]
                                             [--compare-big]

1. Build: for each doc set in ../shared/corpus/techdocs, side by side and alternating, `runs`
   times each: a plain `python -m mkdocs build -q -f <config> -d <tmp>` of the set, and
   techdocs.builder.build_site() (vetting, scratch copy, mkdocs + techdocs-core in a child
   process, sanitising and sectioning every page). Medians and their ratio.
2. A generated `big-pages`-page site is built through the service (build + publish + index).
3. Serving: GET /docs/<ns>/<kind>/<name>/<page> through Django's test client (full middleware,
   session auth, templates; no network), round-robin over every built page.
4. Search: techdocs.search.docs_search() and the whole GET /search/?q= (catalog + docs hits),
   with one to three words drawn from page headings.

Uses a fresh SQLite database under a temporary PAVED_VAR_DIR unless DATABASE_URL is set
(then that database is migrated and used). Prints one JSON object.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "techdocs"
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000, 2)


def plain_build(src: Path, out: Path) -> tuple[float, bool]:
    config = next(p for p in (src / "mkdocs.yml", src / "mkdocs.yaml") if p.exists())
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(out)],
                          cwd=src, capture_output=True)
    return time.perf_counter() - started, done.returncode == 0


def ours_build(src: Path, out: Path) -> tuple[float, bool, str]:
    from techdocs.builder import BuildError, build_site

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    try:
        build_site(source_dir=src, output_dir=out, site_name=src.name, page_prefix="/docs/x/", file_prefix="/s/x/")
        ok, message = True, ""
    except BuildError as exc:
        ok, message = False, str(exc)[:160]
    return time.perf_counter() - started, ok, message


def bench_builds(runs: int, work: Path) -> list[dict]:
    rows = []
    for src in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        plain, ours = [], []
        plain_ok = ours_ok = False
        message = ""
        for _ in range(runs):
            seconds, plain_ok = plain_build(src, work / "plain")
            plain.append(seconds)
            seconds, ours_ok, message = ours_build(src, work / "ours")
            ours.append(seconds)
        p, o = statistics.median(plain), statistics.median(ours)
        rows.append({"set": src.name, "plain_s": round(p, 3), "paved_s": round(o, 3), "ratio": round(o / p, 3),
                     "plain_ok": plain_ok, "paved_ok": ours_ok, "paved_message": message})
    return rows


def write_big_site(root: Path, pages: int) -> None:
    words = ["ledger", "payment", "invoice", "retry", "queue", "shard", "replica", "latency", "budget", "deploy",
             "rollback", "canary", "schema", "migration", "index", "vacuum", "cache", "eviction", "token",
             "session", "audit", "alert", "runbook"]
    rng = random.Random(7)
    docs = root / "docs"
    docs.mkdir(parents=True)
    nav = []
    for i in range(pages):
        section = f"area{i // 100:02d}"
        (docs / section).mkdir(exist_ok=True)
        title = f"{rng.choice(words).title()} {rng.choice(words)} {i}"
        body = [f"# {title}\n"]
        for h in range(3):
            body.append(f"\n## {rng.choice(words).title()} {rng.choice(words)} {i}-{h}\n")
            body.append(" ".join(rng.choice(words) for _ in range(80)) + "\n")
        (docs / section / f"page{i}.md").write_text("".join(body))
        nav.append((section, f"{section}/page{i}.md"))
    (docs / "index.md").write_text("# Big site\n\nA generated site.\n")
    sections: dict[str, list[str]] = {}
    for section, path in nav:
        sections.setdefault(section, []).append(path)
    lines = ["site_name: Big Site", "plugins:", "  - techdocs-core", "nav:", "  - Home: index.md"]
    for section, paths in sections.items():
        lines.append(f"  - {section}:")
        lines.extend(f"    - {p}" for p in paths)
    (root / "mkdocs.yml").write_text("\n".join(lines) + "\n")


def ensure_postgres_database() -> None:
    """Create the database DATABASE_URL names when it is a PostgreSQL one that does not exist yet."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(var: Path) -> None:
    ensure_postgres_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("PAVED_SECRET_KEY", "bench")
    var.mkdir(parents=True, exist_ok=True)
    os.environ["PAVED_VAR_DIR"] = str(var)
    # The entity files, the generated site and the corpus: never "/", which now overlaps internal state.
    os.environ["PAVED_FILE_ROOTS"] = os.pathsep.join(
        str(p) for p in (var.parent / "entities", var.parent / "big-site", CORPUS))
    for folder in (var.parent / "entities", var.parent / "big-site"):
        folder.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


ENTITY = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    backstage.io/techdocs-ref: dir:{ref}
spec: {{type: service, lifecycle: production, owner: team-bench}}
"""


def register(work: Path, name: str, docs_root: Path) -> None:
    from catalog.models import Location
    from catalog.services import location_refresh

    entity_dir = work / "entities" / name
    entity_dir.mkdir(parents=True, exist_ok=True)
    (entity_dir / "catalog-info.yaml").write_text(ENTITY.format(name=name, ref=os.path.relpath(docs_root, entity_dir)))
    location = Location.objects.create(type="file", target=str(entity_dir / "catalog-info.yaml"))
    location_refresh(location_id=location.pk)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-pages", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--compare-big", action="store_true",
                        help="also time a plain `mkdocs build` of the generated big site")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="paved-techdocs-bench-"))
    result: dict = {"builds": bench_builds(args.runs, work)}
    print(json.dumps(result["builds"]), file=sys.stderr, flush=True)

    setup_django(work / "var")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from techdocs import services
    from techdocs.models import DocsBuild, DocsPage, DocsSite
    from techdocs.search import docs_search

    result["database"] = connection.vendor
    for src in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        register(work, src.name.split("__")[-1][:60], src)
    big = work / "big-site"
    write_big_site(big, args.big_pages)
    register(work, "big-site", big)
    if args.compare_big:
        seconds, ok = plain_build(big, work / "plain-big")
        result["big_site_plain_mkdocs"] = {"seconds": round(seconds, 2), "ok": ok}
    build_ids = services.docs_scan(enqueue=False)
    timings = {}
    for build_id in build_ids:
        started = time.perf_counter()
        build = services.docs_build_here(build_id=build_id)
        site = DocsSite.objects.get(pk=build.site_id)
        timings[site.name] = {"status": build.status, "seconds": round(time.perf_counter() - started, 2),
                              "pages": site.page_count, "error": build.error[:160]}
    result["service_builds"] = timings
    result["big_site"] = timings.get("big-site")
    if args.compare_big and result["big_site"]:
        result["big_site"]["ratio_to_plain"] = round(
            result["big_site"]["seconds"] / result["big_site_plain_mkdocs"]["seconds"], 3)

    user = get_user_model().objects.create_user("bench", "bench@example.com", "x")
    client = Client()
    client.force_login(user)
    pages = list(DocsPage.objects.select_related("site").values_list("site__namespace", "site__kind", "site__name",
                                                                       "path", "headings"))
    result["indexed_pages"] = len(pages)
    rng = random.Random(3)
    rng.shuffle(pages)
    serve = []
    for i in range(args.requests):
        ns, kind, name, path, _ = pages[i % len(pages)]
        url = f"/docs/{ns}/{kind}/{name}/{path}"
        started = time.perf_counter()
        response = client.get(url)
        serve.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    result["serve_ms"] = {"p50": pct(serve, 0.5), "p95": pct(serve, 0.95), "max": pct(serve, 1.0), "n": len(serve)}
    big_pages = [p for p in pages if p[2] == "big-site"][:100]
    big_serve = []
    for ns, kind, name, path, _ in big_pages:
        started = time.perf_counter()
        client.get(f"/docs/{ns}/{kind}/{name}/{path}")
        big_serve.append(time.perf_counter() - started)
    if big_serve:
        result["serve_big_site_ms"] = {"p50": pct(big_serve, 0.5), "p95": pct(big_serve, 0.95), "n": len(big_serve)}

    words = [w for *_, headings in pages for w in headings.lower().split() if w.isalpha() and len(w) > 3]
    queries = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(args.queries)]
    direct, full, hits = [], [], 0
    for q in queries:
        started = time.perf_counter()
        hits += bool(docs_search(query=q))
        direct.append(time.perf_counter() - started)
        started = time.perf_counter()
        client.get("/search/", {"q": q})
        full.append(time.perf_counter() - started)
    result["search_ms"] = {"docs_search_p50": pct(direct, 0.5), "docs_search_p95": pct(direct, 0.95),
                           "global_search_page_p50": pct(full, 0.5), "global_search_page_p95": pct(full, 0.95),
                           "queries": len(queries), "queries_with_hits": hits}
    result["failed_builds"] = DocsBuild.objects.filter(status=DocsBuild.Status.FAILED).count()
    print(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
