"""The production shape passes `check --deploy`; the embedded mode keeps plain HTTP working; CSP is on."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _production_env(tmp_path, **extra) -> dict:
    """The environment docker-compose gives the web container: no PAVED_EMBEDDED, a strong key."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PAVED_SECRET_KEY": secrets.token_urlsafe(50),
        "PAVED_ALLOWED_HOSTS": "paved.example.com",
        "PAVED_PUBLIC_URL": "https://paved.example.com",
        "DATABASE_URL": "postgres://paved:paved@postgres:5432/paved",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "PAVED_VAR_DIR": str(tmp_path / "var"),
    }
    env.update(extra)
    return env


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_in_the_production_shape(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def _setting(tmp_path, name: str, **extra) -> str:
    code = f"import django, os; django.setup(); from django.conf import settings; print(settings.{name})"
    env = _production_env(tmp_path, DJANGO_SETTINGS_MODULE="portal.settings", **extra)
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("name", "production", "embedded"),
    [
        ("SESSION_COOKIE_SECURE", "True", "False"),
        ("CSRF_COOKIE_SECURE", "True", "False"),
        ("SECURE_SSL_REDIRECT", "True", "False"),
        ("SECURE_HSTS_SECONDS", "31536000", "0"),
    ],
)
def test_https_defaults_follow_the_mode(tmp_path, name, production, embedded):
    assert _setting(tmp_path, name) == production
    assert _setting(tmp_path, name, PAVED_EMBEDDED="true") == embedded


def test_connection_health_checks_are_on_by_default(tmp_path):
    assert _setting(tmp_path, 'DATABASES["default"]["CONN_HEALTH_CHECKS"]') == "True"


def test_proxy_ssl_header_is_only_trusted_when_named(tmp_path):
    assert _setting(tmp_path, "SECURE_PROXY_SSL_HEADER") == "None"
    value = _setting(tmp_path, "SECURE_PROXY_SSL_HEADER", PAVED_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert value == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.django_db
def test_pages_carry_a_nonce_based_content_security_policy(client_owner):
    response = client_owner.get("/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy and "unsafe-eval" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert f'nonce="{nonce}"' in html
    # No inline script without the nonce, and no inline event handlers anywhere in the shell.
    assert len(re.findall(r"<script(?![^>]*nonce=)", html)) == 0
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.django_db
def test_each_response_gets_its_own_nonce(client_owner):
    first = client_owner.get("/")["Content-Security-Policy"]
    second = client_owner.get("/")["Content-Security-Policy"]
    assert first != second


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301
