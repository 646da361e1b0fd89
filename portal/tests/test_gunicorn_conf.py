"""gunicorn.conf.py takes its values from the Django settings, which validate the environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = ("import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(c['workers'], c['threads'], c['timeout'], c['bind'])")


def _read(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PAVED_VAR_DIR": str(tmp_path), "PAVED_SECRET_KEY": "x", **env}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=60)


def test_values_come_from_the_environment_through_settings(tmp_path):
    done = _read(tmp_path, WEB_CONCURRENCY="3", PAVED_WEB_THREADS="4", PAVED_WEB_TIMEOUT="90",
                 PAVED_BIND="127.0.0.1:9000")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "4", "90", "127.0.0.1:9000"]


def test_a_malformed_value_names_the_variable(tmp_path):
    done = _read(tmp_path, WEB_CONCURRENCY="lots")
    assert done.returncode != 0
    assert "WEB_CONCURRENCY must be a whole number, not 'lots'" in done.stderr


def test_zero_workers_is_refused(tmp_path):
    done = _read(tmp_path, WEB_CONCURRENCY="0")
    assert "WEB_CONCURRENCY must be at least 1" in done.stderr
