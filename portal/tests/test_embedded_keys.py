"""After `make run`, documented commands work in another shell without exporting the keys."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = "from django.conf import settings; print(settings.SECRET_KEY, settings.PAVED_SECRETS_ENCRYPTION_KEY)"


def _manage(var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAVED_SECRET", "DJANGO_SETTINGS"))}
    env.update(PAVED_VAR_DIR=str(var_dir), PAVED_EMBEDDED="true")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_keys_make_run_generated_are_found_under_the_var_dir(tmp_path):
    (tmp_path / "secret_key").write_text("generated-secret\n")
    (tmp_path / "secrets_encryption_key").write_text("ot_TDb-2iDTea_u8cY5k-OHXzidQebjdWLGvGqZ0x20=\n")
    done = _manage(tmp_path, "shell", "-c", SHOW)
    assert done.returncode == 0, done.stderr
    last_line = done.stdout.strip().splitlines()[-1]  # the shell may first list what it imported
    assert last_line.split() == ["generated-secret", "ot_TDb-2iDTea_u8cY5k-OHXzidQebjdWLGvGqZ0x20="]


def test_without_a_key_anywhere_the_message_says_what_to_set(tmp_path):
    done = _manage(tmp_path, "check")
    assert done.returncode != 0
    assert "PAVED_SECRET_KEY (or PAVED_SECRET_KEY_FILE) must be set" in done.stderr


def test_create_api_token_works_after_make_run_prepared_the_var_dir(tmp_path):
    (tmp_path / "secret_key").write_text("generated-secret\n")
    assert _manage(tmp_path, "migrate", "--noinput").returncode == 0
    assert _manage(tmp_path, "ensure_admin").returncode == 0
    done = _manage(tmp_path, "create_api_token", "admin")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("pvd_")
