"""`make run` never runs half: when one of its processes dies, it says which and stops the rest."""

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[tuple[int, str]]:
    out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [(int(line.split(None, 1)[0]), line.split(None, 1)[1]) for line in out.splitlines() if line.strip()]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_a_killed_worker_stops_make_run_with_a_message(tmp_path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PAVED_", "DATABASE_URL", "CELERY_", "DJANGO_SETTINGS"))}
    env.update(PAVED_VAR_DIR=str(tmp_path / "var"), PAVED_BIND=f"127.0.0.1:{port}")
    process = subprocess.Popen(["bin/run-embedded"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        # The address line comes once the web server answers, not as soon as it is started (a timer
        # ends a start-up that hangs, so the reads below cannot block for ever).
        watchdog = threading.Timer(300, lambda: os.killpg(process.pid, signal.SIGKILL))
        watchdog.start()
        try:
            head = [process.stdout.readline(), process.stdout.readline()]
        finally:
            watchdog.cancel()
        assert head[0].startswith("Preparing Paved"), head
        running = f"Paved is running at http://127.0.0.1:{port}/ - sign in as admin with password "
        assert head[1].startswith(running), head
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            assert response.status == 200
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", process, 240)
        workers = [pid for pid, args in _children(process.pid) if "main@" in args]
        assert workers, _children(process.pid)
        os.kill(workers[0], signal.SIGKILL)
        output, _ = process.communicate(timeout=60)
        assert process.returncode != 0
        assert "the Celery worker stopped" in output
        assert "stopping the others" in output
        # Start-up says where and how to sign in, in a line, instead of every process's banner.
        assert "celery@" not in output and "Starting development server" not in output, output
        time.sleep(1)
        with pytest.raises(OSError):  # the web server went with it
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
