"""A real Celery worker process dies mid-run: the sweep fails the run, a retry on a new worker finishes it.

The worker is a subprocess (`celery -A portal worker`, prefork, one child) reading the same test
database and broker as this process; the settings fixture does not reach it, so everything it
must share is passed through its environment. It is killed with SIGKILL (the whole process
group), so nothing in it gets to clean up: the run is left `processing` with a heartbeat that
stops moving, exactly as after an OOM kill or a lost node.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from githost.models import GitRepository
from portal.celery import app, ensure_broker_folders
from scaffolding import services
from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldStep
from scaffolding.tests.helpers import template_load

WAIT_SECONDS = 6  # long enough to kill the first worker inside it, short enough for the retry to finish it
STALE_SECONDS = 4  # heartbeats every second; the margin keeps the 'still fresh' check steady
WORKER_START_TIMEOUT = 25  # Django + Celery start-up, then the steps before the wait
WAIT_STEP = "Wait for the slow thing"
PUBLISH_STEP = "Publish the repository"
WRITE_STEP = "Write the catalog file"

TEMPLATE = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: recovery
  title: Recovery
spec:
  owner: group:default/platform
  type: service
  steps:
    - id: write
      name: {write}
      action: catalog:write
      input:
        entity:
          apiVersion: backstage.io/v1alpha1
          kind: Component
          metadata:
            name: recovery
          spec:
            type: service
            lifecycle: experimental
            owner: group:default/platform
    - id: publish
      name: {publish}
      action: publish:git
      input:
        repoUrl: '{host}?owner=acme&repo=recovery'
    - id: hello
      name: Say hello
      action: debug:log
      input:
        message: hello from the worker
    - id: wait
      name: {wait}
      action: debug:wait
      input:
        seconds: {seconds}
    - id: done
      name: Say done
      action: debug:log
      input:
        message: done
"""


def _database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert name != ":memory:" and not name.startswith("file:"), (
            f"a worker process cannot share the in-memory SQLite database {name!r}; the test database must be a file")
        return f"sqlite:///{Path(name).resolve()}"
    assert "postgresql" in db["ENGINE"], f"no worker URL for the database engine {db['ENGINE']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """`celery -A portal worker` in its own process group, its output in a log file."""

    def __init__(self, name: str, env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in kill())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "celery", "--pool", "prefork",
             "--concurrency", "1", "--loglevel=warning", "-n", f"{name}@%h",
             # Nothing to agree with other workers here; skipping it only makes start-up faster.
             "--without-mingle", "--without-gossip"],
            cwd=settings.BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the main process and its pool child (one process group) and reap the main; idempotent."""
        # Always the group, even if the main process is gone: the pool child may still be in it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        try:
            self.process.wait(timeout=10)
        finally:
            self._log.close()

    def wait_gone(self, timeout: float = 5) -> None:
        """Wait until no live process is left in the group (the pool child is not ours to reap)."""
        deadline = time.monotonic() + timeout
        while _group_alive(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def describe(self) -> str:
        state = "running" if self.process.poll() is None else f"exited with {self.process.returncode}"
        tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        return f"worker {self.name} ({state}); its log ends with:\n{tail or '(empty)'}"


def _group_alive(pgid: int) -> bool:
    """Whether a process other than a zombie is left in process group `pgid` (Linux /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...; comm may hold spaces, so split after its ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _wait_for(predicate, *, timeout: float, what, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy; fail with `what()` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what()}")
        time.sleep(interval)


def _state(run: ScaffoldRun) -> str:
    run.refresh_from_db()
    steps = ", ".join(f"{s.step_id}={s.status}" for s in run.steps.order_by("index"))
    return f"run {run.status} (error {run.error!r}, heartbeat {run.heartbeat_at}); steps {steps}"


def _messages(run: ScaffoldRun) -> list[str]:
    return [e.body.get("message", "") for e in ScaffoldEvent.objects.filter(run=run).order_by("id")]


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def recovery_env(settings, tmp_path) -> dict:
    """The settings this test changes, and the environment that gives the worker the same ones."""
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "workspaces"
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_SCAFFOLDER_STALE_SECONDS = STALE_SECONDS
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # The filesystem broker's folders are derived from PAVED_VAR_DIR: the same folders as ours.
        "PAVED_VAR_DIR": str(settings.VAR_DIR),
        "PAVED_SCAFFOLDER_HEARTBEAT_SECONDS": "1",
        "PAVED_SCAFFOLDER_WORKSPACE_DIR": str(settings.PAVED_SCAFFOLDER_WORKSPACE_DIR),
        "PAVED_GIT_ROOT": str(settings.PAVED_GIT_ROOT),
        "PAVED_GIT_HOST": settings.PAVED_GIT_HOST,
        "PAVED_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_run_is_failed_by_the_sweep_and_a_retry_finishes_it_once(recovery_env, tmp_path, owner):
    ensure_broker_folders()
    # Messages other tests left behind would reach the worker first (or belong to runs long gone).
    app.control.purge()
    template = template_load(tmp_path, TEMPLATE.format(
        write=WRITE_STEP, publish=PUBLISH_STEP, wait=WAIT_STEP, seconds=WAIT_SECONDS,
        host=settings.PAVED_GIT_HOST), name="recovery")
    assert template is not None, "the recovery template was not ingested"
    workers: list[Worker] = []
    try:
        # --- 1. a worker takes the run; it is killed inside the wait step -----------------------
        first = Worker("recovery-first", recovery_env, tmp_path / "worker-first.log")
        workers.append(first)
        run = services.run_create(template=template, values={}, actor=owner)  # enqueued on commit
        wait_row = ScaffoldStep.objects.get(run=run, step_id="wait")

        def in_wait_with_a_fresh_beat():
            run.refresh_from_db()
            wait_row.refresh_from_db()
            # Wait for one heartbeat inside the step too: the watchdog beats while the action runs.
            return (run.status == "processing" and wait_row.status == "processing"
                    and run.heartbeat_at is not None and wait_row.started_at is not None
                    and run.heartbeat_at > wait_row.started_at)

        _wait_for(in_wait_with_a_fresh_beat, timeout=WORKER_START_TIMEOUT,
                  what=lambda: f"the first worker to beat inside the wait step: {_state(run)}\n{first.describe()}")
        killed_at = timezone.now()
        first.kill()
        assert first.process.returncode == -signal.SIGKILL, first.describe()

        run.refresh_from_db()
        assert run.status == "processing", f"the killed worker left the run {_state(run)}"
        last_beat = run.heartbeat_at
        assert (killed_at - last_beat).total_seconds() < STALE_SECONDS - 1, (
            f"the last heartbeat {last_beat} is already {killed_at - last_beat} old at the kill: {_state(run)}")
        assert services.runs_sweep() == {"failed": 0, "requeued": 0}, "a live heartbeat must not be failed"
        run.refresh_from_db()
        assert run.status == "processing", _state(run)
        first.wait_gone()

        # --- 2. once the heartbeat is stale, the sweep fails the run and names the step ---------
        time.sleep(max(0.0, (last_beat - timezone.now()).total_seconds() + STALE_SECONDS + 0.5))
        assert services.runs_sweep() == {"failed": 1, "requeued": 0}, _state(run)
        run.refresh_from_db()
        assert run.heartbeat_at == last_beat, "nothing may beat for a killed worker"
        assert run.status == "failed", _state(run)
        assert f"stopped responding during step {WAIT_STEP!r}" in run.error, run.error
        wait_row.refresh_from_db()
        assert wait_row.status == "failed", _state(run)
        assert dict(run.steps.values_list("step_id", "status")) == {
            "write": "completed", "publish": "completed", "hello": "completed", "wait": "failed", "done": "open"}
        assert run.resume_from == 3, f"the run must resume at the wait step, not at {run.resume_from}"
        lost = ScaffoldEvent.objects.filter(run=run, type="completion").get()
        assert lost.body["status"] == "failed" and lost.body["error"]["name"] == "WorkerLost", lost.body
        assert services.runs_sweep() == {"failed": 0, "requeued": 0}, "a failed run is swept once"

        # --- 3. retry on a new worker: it resumes at the wait step and completes -----------------
        services.run_retry(run=run, actor=owner)  # enqueued on commit
        second = Worker("recovery-second", recovery_env, tmp_path / "worker-second.log")
        workers.append(second)
        _wait_for(lambda: run.refresh_from_db() or run.status in ScaffoldRun.FINISHED,
                  timeout=WORKER_START_TIMEOUT + WAIT_SECONDS,
                  what=lambda: f"the retried run to finish: {_state(run)}\n{second.describe()}")
        assert run.status == "completed", f"{_state(run)}\n{second.describe()}"
        assert run.attempts == 1 and run.error == "", _state(run)
        assert set(run.steps.values_list("status", flat=True)) == {"completed"}, _state(run)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait_gone()

    # Done once: the steps before the wait ran in the first attempt only (catalog:write again, files only).
    messages = _messages(run)
    assert messages.count(f"Beginning step {PUBLISH_STEP}") == 1, messages
    assert messages.count("Beginning step Say hello") == 1, messages
    assert messages.count(f"Beginning step {WAIT_STEP}") == 2, messages
    assert messages.count(f"Rebuilding the workspace: running {WRITE_STEP!r} again (files only)") == 1, messages
    assert messages.count("hello from the worker") == 1, messages
    assert [e.body["status"] for e in ScaffoldEvent.objects.filter(run=run, type="completion").order_by("id")] \
        == ["failed", "completed"]

    assert list(GitRepository.objects.values_list("owner", "name")) == [("acme", "recovery")]
    assert [c["kind"] for c in run.created_resources] == ["repository"], run.created_resources
    bare = Path(settings.PAVED_GIT_ROOT) / "acme" / "recovery.git"
    commits = _git("--git-dir", str(bare), "log", "--format=%s", "main").splitlines()
    assert commits == ["initial commit"], f"expected one commit on main, found {commits}"
    assert "catalog-info.yaml" in _git("--git-dir", str(bare), "ls-tree", "--name-only", "main").split()
    assert not (Path(settings.PAVED_SCAFFOLDER_WORKSPACE_DIR) / str(run.pk)).exists(), "workspace left behind"
