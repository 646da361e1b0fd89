"""Benchmark: the scaffolder in the production shape (gunicorn + PostgreSQL + Celery on Redis).

    .venv/bin/python bench/scaffolder_bench.py [--samples 10] [--burst 50] [--workers 2]

Starts gunicorn and a Celery worker with `--workers` processes on a fresh database
(paved_scaffolder_bench), registers the demo organisation and Paved's golden paths, then
through the Backstage-compatible API (/api/scaffolder/v2/):

1. submit -> first log line: POST tasks, then (a) what the browser does after Create: load the
   task page and long-poll its status fragment until a log line is in it, and (b) poll the API's
   GET tasks/{id}/events until the first event; `--samples` times each, one at a time;
2. the seed's Go template end to end: POST -> completion event (repository, GitOps commits,
   monitors, catalog registration), same samples;
3. a burst: `--burst` tasks POSTed at once; wall time until all finished, tasks per minute,
   and checks that none was lost or run twice (one "Starting up task" per run, one repository
   per run, every run completed).
Prints one JSON document.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
DB = "paved_scaffolder_bench"
WORK = Path("/tmp/paved-scaffold-bench")


def env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/13",
        "PAVED_SECRET_KEY": "bench-only-secret",
        "PAVED_VAR_DIR": str(WORK / "var"),
        "PAVED_LOG_LEVEL": "WARNING",
        "PAVED_DEBUG": "false",
    }


def manage(*args: str) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env(), capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def fresh_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run(["rm", "-rf", str(WORK)], check=True)
    (WORK / "var").mkdir(parents=True)
    subprocess.run(["redis-cli", "-n", "13", "FLUSHDB"], capture_output=True)


class Api:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")


def go_values(name: str) -> dict:
    return {"name": name, "description": "Benchmark service", "owner": "group:default/team-payments",
            "tier": "standard", "database": "none", "cloudProvider": "aws"}


def submit(api: Api, name: str) -> str:
    return api.call("POST", "/api/scaffolder/v2/tasks",
                    {"templateRef": "template:default/go-microservice", "values": go_values(name)})["id"]


def wait_events(api: Api, task_id: str, *, until: str, timeout: float = 120.0, interval: float = 0.005):
    """Poll events until the first one (until="first") or the completion (until="end"); returns the time."""
    deadline = time.perf_counter() + timeout
    after = None
    while time.perf_counter() < deadline:
        query = f"?after={after}" if after is not None else ""
        events = api.call("GET", f"/api/scaffolder/v2/tasks/{task_id}/events{query}")
        if events:
            after = events[-1]["id"]
            if until == "first":
                return time.perf_counter(), events
            for event in events:
                if event["type"] in ("completion", "cancelled"):
                    return time.perf_counter(), event
        time.sleep(interval)
    raise TimeoutError(f"task {task_id} did not reach {until} within {timeout} s")


class Page(Api):
    def get(self, path: str, *, htmx: bool = False) -> str:
        headers = {"Authorization": f"Bearer {self.token}"}
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(self.base + path, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode()


def ui_first_log(page: Page, task_id: str, started: float) -> float:
    """What the browser does after Create: load the task page, then long-poll its status fragment."""
    html = page.get(f"/create/tasks/{task_id}/")
    while 'class="log-line' not in html:
        html = page.get(f"/create/tasks/{task_id}/status/?after=0", htmx=True)
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure_single(api: Api, samples: int) -> dict:
    first, total, ui = [], [], []
    page = Page(api.base, api.token)
    for _ in range(samples):
        started = time.perf_counter()
        task_id = submit(api, f"bench-{uuid.uuid4().hex[:8]}")
        ui.append(ui_first_log(page, task_id, started))
        wait_events(api, task_id, until="end", interval=0.02)
        name = f"bench-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        task_id = submit(api, name)
        seen, _ = wait_events(api, task_id, until="first")
        done, event = wait_events(api, task_id, until="end", interval=0.02)
        if event["body"].get("status") != "completed":
            raise SystemExit(f"task {task_id} ended {event['body']}")
        first.append((seen - started) * 1000)
        total.append(done - started)
    return {
        "ui_submit_to_first_log_line_ms": {"p50": round(statistics.median(ui), 1), "p95": round(percentile(ui, 95), 1),
                                           "max": round(max(ui), 1)},
        "submit_to_first_log_ms": {"p50": round(statistics.median(first), 1), "p95": round(percentile(first, 95), 1),
                                   "max": round(max(first), 1)},
        "go_template_end_to_end_s": {"p50": round(statistics.median(total), 2),
                                     "p95": round(percentile(total, 95), 2), "max": round(max(total), 2)},
        "samples": samples,
    }


def measure_burst(api: Api, count: int) -> dict:
    names = [f"burst-{i:03d}-{uuid.uuid4().hex[:6]}" for i in range(count)]
    ids: list[str] = [""] * count
    started = time.perf_counter()

    def post(i):
        ids[i] = submit(api, names[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submitted = time.perf_counter() - started
    statuses = {}
    for task_id in ids:
        _, event = wait_events(api, task_id, until="end", timeout=600, interval=0.2)
        statuses[task_id] = event["body"].get("status")
    elapsed = time.perf_counter() - started
    return {"tasks": count, "submitted_in_s": round(submitted, 2), "all_finished_in_s": round(elapsed, 2),
            "tasks_per_minute": round(count / elapsed * 60, 1),
            "statuses": {s: list(statuses.values()).count(s) for s in set(statuses.values())}, "ids": ids}


def check_burst(ids: list[str]) -> dict:
    script = f"""
import json
from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldedRepository
from githost.models import GitRepository
ids = {ids!r}
starts = [ScaffoldEvent.objects.filter(run_id=i, body__message__startswith='Starting up task').count() for i in ids]
runs = ScaffoldRun.objects.filter(pk__in=ids)
names = [r.values['name'] for r in runs]
print(json.dumps({{
  "runs_found": runs.count(),
  "runs_started_more_than_once": sum(1 for s in starts if s != 1),
  "repositories_created": GitRepository.objects.filter(name__in=names).count(),
  "lineage_rows": ScaffoldedRepository.objects.filter(name__in=names).count(),
  "completed": runs.filter(status='completed').count(),
}}))
"""
    return json.loads(manage("shell", "-c", script).strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    fresh_database()
    manage("migrate", "-v0")
    manage("load_demo")
    manage("shell", "-c", "from django.contrib.auth import get_user_model; "
                          "get_user_model().objects.get_or_create(username='bench', email='bench@example.com')")
    token = manage("create_api_token", "bench").strip().splitlines()[-1]
    procs = [
        subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{args.port}",
                          "--log-level", "warning"], cwd=ROOT, env=env()),
        subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "-Q", "celery", "-n", "main@%h",
                          "--loglevel=warning", "--concurrency", str(args.workers)], cwd=ROOT, env=env()),
        # As in production: the docs builds the Go template asks for go to their own worker.
        subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "-Q", "docs", "-n", "docs@%h",
                          "--loglevel=warning", "--concurrency", "1"], cwd=ROOT, env=env()),
    ]
    try:
        api = Api(f"http://127.0.0.1:{args.port}", token)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(3)  # let the worker finish booting its processes
        submit(api, f"warmup-{uuid.uuid4().hex[:6]}")  # first imports in each process
        time.sleep(5)
        result = {"workers": args.workers, "single": measure_single(api, args.samples)}
        burst = measure_burst(api, args.burst)
        burst["checks"] = check_burst(burst.pop("ids"))
        result["burst"] = burst
        print(json.dumps(result, indent=2))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
