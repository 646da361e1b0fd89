"""The results settings fail at start-up with a clear message, never later as odd behaviour."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = "import django; django.setup(); from django.conf import settings as s; " \
       "print(s.PAVED_SURVEYS_OPEN_RESULTS, s.PAVED_SURVEYS_RESULTS_BATCH)"


def _settings(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
               "PAVED_SECRET_KEY": "test-secret-key-not-for-production", "PAVED_VAR_DIR": str(tmp_path / "var"),
               "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    return subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120)


def test_defaults_are_batches_of_the_minimum_group_size(tmp_path):
    result = _settings(tmp_path, PAVED_SURVEYS_MIN_GROUP_SIZE="7")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["batched", "7"]


@pytest.mark.parametrize(("env", "message"), [
    ({"PAVED_SURVEYS_OPEN_RESULTS": "live"}, "PAVED_SURVEYS_OPEN_RESULTS must be batched or closed-only, not 'live'"),
    ({"PAVED_SURVEYS_RESULTS_BATCH": "3"}, "PAVED_SURVEYS_RESULTS_BATCH must be at least 5, not 3"),
])
def test_bad_values_stop_start_up_naming_the_variable(tmp_path, env, message):
    result = _settings(tmp_path, **env)
    assert result.returncode != 0 and message in result.stderr

