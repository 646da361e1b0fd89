"""Fault injection: the failures production meets, done for real, and what Paved must show after them:
no job stuck, no 500, nothing lost, nothing done twice.

- a docs worker killed with SIGKILL in the middle of a build (scaffolding/tests/test_worker_recovery.py
  does the same to a scaffolder run);
- the broker unreachable while a person creates a task (CELERY_BROKER_URL pointed at a closed port);
- every database connection terminated by the server (pg_terminate_backend, as a failover or a
  restart does).

The workers are real `celery -A portal worker` processes reading the test database and broker; they
do not see the settings fixture, so what they must share goes through their environment. The broker
and database faults are specific to Redis and PostgreSQL and skip elsewhere; CI runs this file on both.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.utils import timezone

from catalog.tests.factories import location_load
from portal.celery import app, ensure_broker_folders
from scaffolding.tests.test_worker_recovery import _database_url, _group_alive, _wait_for
from techdocs import services as docs
from techdocs.models import DocsBuild, DocsPage
from techdocs.tests.conftest import ENTITY, MKDOCS, write_site

WORKER_START_TIMEOUT = 25
DOCS_STALE_SECONDS = 5  # the smallest the setting allows; the heartbeat beats every second
PAGES = 6  # a small site: the kill lands while mkdocs starts or renders, well before it is done


def _redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _purge(*queues: str) -> None:
    """Drop messages other tests left in these queues: they would reach the workers first."""
    ensure_broker_folders()
    with app.connection_for_write() as conn:
        for queue in queues:
            with contextlib.suppress(Exception):  # a queue nobody declared yet is empty anyway
                conn.default_channel.queue_purge(queue)


class Worker:
    """`celery -A portal worker -Q <queue>` in its own process group, its output in a log file."""

    def __init__(self, name: str, queue: str, env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in kill())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--pool", "prefork",
             "--concurrency", "1", "--loglevel=warning", "-n", f"{name}@%h", "--without-mingle", "--without-gossip"],
            cwd=settings.BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL the whole group (main process, pool child, and the mkdocs child it started)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        try:
            self.process.wait(timeout=10)
        finally:
            self._log.close()
        deadline = time.monotonic() + 5
        while _group_alive(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def describe(self) -> str:
        state = "running" if self.process.poll() is None else f"exited with {self.process.returncode}"
        tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        return f"worker {self.name} ({state}); its log ends with:\n{tail or '(empty)'}"


@contextlib.contextmanager
def workers():
    started: list[Worker] = []
    try:
        yield started
    finally:
        for worker in started:
            worker.kill()


# --- a docs worker killed in the middle of a build ------------------------------------------------------

@pytest.fixture
def docs_env(settings, tmp_path) -> dict:
    settings.PAVED_TECHDOCS_DIR = tmp_path / "docs-storage"
    settings.PAVED_TECHDOCS_STALE_SECONDS = DOCS_STALE_SECONDS
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path / "sources")]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PAVED_VAR_DIR": str(settings.VAR_DIR),
        "PAVED_TECHDOCS_DIR": str(settings.PAVED_TECHDOCS_DIR),
        "PAVED_TECHDOCS_HEARTBEAT_SECONDS": "1",
        "PAVED_FILE_ROOTS": ",".join(str(p) for p in settings.PAVED_FILE_ROOTS),
        "PAVED_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def _documented(tmp_path: Path) -> None:
    pages = {f"page-{i:03}.md": f"# Page {i}\n\n" + "Some text about the ledger. " * 40 for i in range(PAGES)}
    pages["index.md"] = "# Ledger\n\nThe ledger books every payment.\n"
    root = write_site(tmp_path / "sources" / "ledger", mkdocs=MKDOCS.replace(
        "nav:\n  - Overview: index.md\n  - Runbook: runbook.md\n", ""), pages=pages)
    (root / "catalog-info.yaml").write_text(ENTITY.format(name="ledger", ref="dir:."))
    location_load(root / "catalog-info.yaml")


def _build_state(build: DocsBuild) -> str:
    build.refresh_from_db()
    return (f"build {build.pk} {build.status} at step {build.step!r} "
            f"(heartbeat {build.heartbeat_at}, error {build.error!r})")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_docs_worker_killed_mid_build_leaves_no_stuck_build_and_the_rebuild_publishes_once(docs_env, tmp_path,
                                                                                          owner):
    _purge("celery", settings.PAVED_TECHDOCS_QUEUE)
    # (the catalog's signal also sends docs_entities_registered to the default queue; no worker reads it here)
    with workers() as started:
        started.append(Worker("docs-first", settings.PAVED_TECHDOCS_QUEUE, docs_env, tmp_path / "first.log"))
        _documented(tmp_path)
        [build_id] = docs.docs_scan()  # what beat's scan does for a documented entity never built
        first = DocsBuild.objects.get(pk=build_id)
        site = first.site

        def building():
            first.refresh_from_db()
            return first.status == "running" and first.step.startswith("Building")

        _wait_for(building, timeout=WORKER_START_TIMEOUT, interval=0.02,
                  what=lambda: f"the first worker to be inside mkdocs: {_build_state(first)}\n{started[0].describe()}")
        started[0].kill()
        assert started[0].process.returncode == -signal.SIGKILL, started[0].describe()
        # The next worker starts while the dead one's heartbeat goes stale.
        started.append(Worker("docs-second", settings.PAVED_TECHDOCS_QUEUE, docs_env, tmp_path / "second.log"))

        first.refresh_from_db()
        assert first.status == "running", _build_state(first)
        assert docs.docs_builds_sweep()["lost"] == 0, "a fresh heartbeat must not be failed"
        last_beat = first.heartbeat_at
        time.sleep(max(0.0, (last_beat.timestamp() + DOCS_STALE_SECONDS + 0.3) - time.time()))
        assert docs.docs_builds_sweep() == {"lost": 1, "resent": 0}, _build_state(first)
        first.refresh_from_db()
        assert first.status == "failed" and "docs worker stopped" in first.error, _build_state(first)
        assert first.heartbeat_at == last_beat, "nothing may beat for a killed worker"

        second = docs.docs_build_request(site=site, actor=owner)  # what the Rebuild button does
        assert second.pk != first.pk and second.status == "queued"
        _wait_for(lambda: second.refresh_from_db() or second.status in ("succeeded", "failed"),
                  timeout=WORKER_START_TIMEOUT + 10,
                  what=lambda: f"the rebuild to finish: {_build_state(second)}\n{started[1].describe()}")
        assert second.status == "succeeded", f"{_build_state(second)}\n{started[1].describe()}"

        # A late copy of either message (a redelivery) is refused by the claim: nothing runs twice.
        execute = app.tasks["techdocs.tasks.docs_build_execute"]
        execute.delay(first.pk)
        execute.delay(second.pk)
        time.sleep(0.5)  # prefork with one child takes them in order, right after the rebuild
        assert started[1].process.poll() is None, started[1].describe()

    builds = dict(DocsBuild.objects.filter(site=site).values_list("pk", "status"))
    assert builds == {first.pk: "failed", second.pk: "succeeded"}, builds
    site.refresh_from_db()
    assert site.published_build_id == second.pk
    assert DocsPage.objects.filter(site=site).count() == PAGES + 1 == site.page_count
    builds_stored = {p.parent.name for p in Path(settings.PAVED_TECHDOCS_DIR).glob("sites/*/*/*/*/index.html")}
    assert builds_stored == {Path(site.storage_path).name}, builds_stored  # one copy; the killed one left none


# --- the broker unreachable while a person creates a task --------------------------------------------

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the socket is: nothing listens there


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery app at `url`, as if Redis had moved away or gone down, then back."""

    def reset():
        # The pools are kombu's, one per broker URL: forgetting ours makes the next send build (or
        # find again) the pool of the URL set now. Closing them would close the good URL's for good.
        app._pool = None
        app.amqp._producer_pool = None

    # Senders connect to broker_write_url when it is set; broker_url itself yields to the
    # CELERY_BROKER_URL environment variable (Celery reads it first), which CI sets.
    saved = app.conf.broker_write_url
    reset()
    app.conf.broker_write_url = url
    assert app.connection_for_write().port == int(url.rsplit(":", 1)[1].split("/")[0])
    try:
        yield
    finally:
        reset()
        app.conf.broker_write_url = saved




@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_created_while_the_broker_is_down_is_accepted_and_runs_once_when_it_is_back(settings, tmp_path,
                                                                                         owner, api_token):
    if not _redis():
        pytest.skip("the broker outage is Redis going away; the filesystem broker has no server to lose")
    from celery.contrib.testing.worker import start_worker

    from scaffolding import services as scaffolder
    from scaffolding.models import ScaffoldEvent, ScaffoldRun
    from scaffolding.tests.helpers import HELLO_TEMPLATE, template_load

    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "workspaces"
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    assert template_load(tmp_path, HELLO_TEMPLATE, name="hello") is not None
    _purge("celery")
    client = Client(headers={"Authorization": f"Bearer {api_token}"})
    body = json.dumps({"templateRef": "template:default/hello", "values": {"name": "outage"}})

    with broker_at(f"redis://127.0.0.1:{_closed_port()}/8"):
        started = time.monotonic()
        response = client.post("/api/scaffolder/v2/tasks", body, content_type="application/json")
        took = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert took < 5, f"the create waited {took:.1f} s on the dead broker"
    run = ScaffoldRun.objects.get(pk=response.json()["id"])
    assert run.status == "open" and run.enqueued_at is not None
    assert ScaffoldRun.objects.count() == 1
    assert client.get(f"/api/scaffolder/v2/tasks/{run.pk}").json()["status"] == "open"  # visible, not lost

    # Redis is back. Nothing was sent, so nothing runs until the sweep notices the run waited too long.
    stale = timezone.now() - timedelta(seconds=settings.PAVED_SCAFFOLDER_STALE_SECONDS + 1)
    ScaffoldRun.objects.filter(pk=run.pk).update(enqueued_at=stale)
    assert scaffolder.runs_sweep() == {"failed": 0, "requeued": 1}
    ScaffoldRun.objects.filter(pk=run.pk).update(enqueued_at=stale)
    assert scaffolder.runs_sweep() == {"failed": 0, "requeued": 1}  # two sweeps before a worker: two messages
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        _wait_for(lambda: run.refresh_from_db() or run.status not in ("open", "processing"), timeout=15,
                  what=lambda: f"the swept run to finish (status {run.status}, error {run.error!r})")
        time.sleep(0.5)  # the second message reaches the worker too
    assert run.status == "completed", run.error
    assert scaffolder.runs_sweep() == {"failed": 0, "requeued": 0}
    messages = [e.body.get("message", "") for e in ScaffoldEvent.objects.filter(run=run).order_by("id")]
    assert messages.count("Hello outage") == 1, messages  # ran once, although sent twice
    assert [e.body["status"] for e in ScaffoldEvent.objects.filter(run=run, type="completion")] == ["completed"]
    assert ScaffoldRun.objects.count() == 1


# --- every database connection terminated by the server -------------------------------------------

class Server:
    """Django's WSGI handler called the way gunicorn's sync worker calls it: one thread whose database
    connection outlives requests (CONN_MAX_AGE), request_started/finished signals included. The test
    client leaves those signals out, so it would never meet a connection the server had dropped."""

    def __init__(self, cookie: str):
        self.handler, self.cookie = WSGIHandler(), cookie

    def get(self, path: str) -> tuple[int, str, dict]:
        path, _, query = path.partition("?")
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "HTTP_COOKIE": self.cookie,
                   "HTTP_ACCEPT": "text/html", "SERVER_NAME": "testserver", "HTTP_HOST": "testserver"}
        setup_testing_defaults(environ)
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer.update(status=int(status.split()[0]), headers=dict(headers))

        response = self.handler(environ, start_response)
        try:
            body = b"".join(response).decode(errors="replace")
        finally:
            response.close()  # sends request_finished, as a WSGI server does
        return answer["status"], body, answer["headers"]


def _terminate_other_connections() -> int:
    """pg_terminate_backend on every other session of the test database, from a connection of our own."""
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(dbname=db["NAME"], user=db["USER"] or None, password=db["PASSWORD"] or None,
                         host=db["HOST"] or "127.0.0.1", port=db["PORT"] or None, autocommit=True) as own:
        rows = own.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
    return sum(1 for (done,) in rows if done)


PAGES_AFTER_A_FAILOVER = ["/catalog/", "/docs/", "/create/", "/surveys/", "/git/", "/api/catalog/entities?limit=5"]


@pytest.mark.django_db(transaction=True)
def test_terminated_database_connections_cost_no_request_a_500(owner, settings):
    if not _postgres():
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no server connection to lose")
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0  # connections are kept, so they can go stale
    client = Client()
    client.force_login(owner)
    server = Server(f"sessionid={client.cookies['sessionid'].value}")
    assert server.get("/catalog/")[0] == 200
    kept = connection.connection
    assert kept is not None and not kept.closed, "the request's connection should be kept for the next one"

    assert _terminate_other_connections() >= 1
    for path in PAGES_AFTER_A_FAILOVER:
        status, body, _ = server.get(path)
        assert status == 200, f"{path} answered {status} after the connections were terminated: {body[:500]}"
    assert connection.connection is not kept, "the dead connection was replaced"

    # Without the health check the dead connection is used once more: that request is a 503 asking
    # to retry (never a 500), and the one after it has a fresh connection.
    connection.settings_dict["CONN_HEALTH_CHECKS"] = connection.health_check_enabled = False  # read at connect
    try:
        assert _terminate_other_connections() >= 1
        status, body, headers = server.get("/catalog/")
        assert status == 503 and headers.get("Retry-After") == "10", (status, body[:500])
        assert "cannot reach its database" in body and "Traceback" not in body
        assert server.get("/catalog/")[0] == 200
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = connection.health_check_enabled = True
