"""PAVED_PUBLIC_URL: checked at start-up naming the setting, derived from PAVED_BIND when unset, and a
system check (paved.W001) in the production shape when it is not set."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.settings import _bind_url, _public_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw,expected", [
    ("https://paved.example.com", ("https://paved.example.com", "paved.example.com")),
    ("HTTPS://Paved.Example.COM/", ("https://paved.example.com", "paved.example.com")),
    ("https://paved.example.com:443", ("https://paved.example.com", "paved.example.com")),  # the default port
    ("http://paved.example.com:80/", ("http://paved.example.com", "paved.example.com")),
    ("https://paved.example.com:8443", ("https://paved.example.com:8443", "paved.example.com:8443")),
    ("http://10.1.2.3:9000", ("http://10.1.2.3:9000", "10.1.2.3:9000")),
    ("https://example.com/tools/paved/", ("https://example.com/tools/paved", "example.com")),
    ("http://[::1]:8000", ("http://[::1]:8000", "[::1]:8000")),
])
def test_a_public_url_is_normalised(raw, expected):
    assert _public_url(raw) == expected


@pytest.mark.parametrize("raw", [
    "paved.example.com",                          # no scheme
    "ftp://paved.example.com", "javascript:alert(1)", "file:///etc/passwd",
    "https://", "https:///git", "https://:8000",  # no host
    "https://admin:secret@paved.example.com",     # credentials
    "https://paved@evil.example.com",             # userinfo trick: the host would be evil.example.com
    "https://paved.example.com:99999", "https://paved.example.com:port",
    "https://paved.example.com/?next=/x", "https://paved.example.com/#top",
    "https://paved.example.com/../etc", "https://paved.example.com/a/./b", "https://paved.example.com/%2e%2e/",
    "https://paved example.com", "https://paved.example.com/a b", "https://pävéd.example.com",
    "https://-bad-.example.com", "https://exa_mple.com", "https://paved.example.com\\@evil.com",
    "https://" + "a" * 600 + ".com",
])
def test_a_hostile_or_malformed_public_url_is_refused_naming_the_setting(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^PAVED_PUBLIC_URL .*https://paved\.example\.com"):
        _public_url(raw)


@pytest.mark.parametrize("bind,expected", [
    ("127.0.0.1:8000", "http://127.0.0.1:8000"), ("0.0.0.0:8000", "http://127.0.0.1:8000"),
    ("10.0.0.5:9000", "http://10.0.0.5:9000"), ("[::]:8000", "http://127.0.0.1:8000"), ("localhost", "http://localhost"),
])
def test_the_default_follows_paved_bind(bind, expected):
    assert _bind_url(bind) == expected


def _django(tmp_path, code: str, **env) -> subprocess.CompletedProcess:
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
               "PAVED_SECRET_KEY": secrets.token_urlsafe(50), "PAVED_VAR_DIR": str(tmp_path / "var"),
               "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120)


SHOW = ("import django; django.setup(); from django.conf import settings as s; from django.core import checks; "
        "print(s.PAVED_PUBLIC_URL, s.PAVED_GIT_HOST, sorted(m.id for m in checks.run_checks()))")


def test_settings_use_the_public_url_and_warn_only_in_the_production_shape_without_it(tmp_path):
    production = _django(tmp_path, SHOW, PAVED_BIND="0.0.0.0:8000")
    assert production.returncode == 0, production.stderr
    assert production.stdout.split(None, 2) == ["http://127.0.0.1:8000", "127.0.0.1:8000", "['paved.W001']\n"]

    embedded = _django(tmp_path, SHOW, PAVED_EMBEDDED="true", PAVED_BIND="127.0.0.1:8123")
    assert embedded.stdout.split(None, 2) == ["http://127.0.0.1:8123", "127.0.0.1:8123", "[]\n"], embedded.stderr

    deployed = _django(tmp_path, SHOW, PAVED_PUBLIC_URL="https://Paved.Example.com/")
    assert deployed.stdout.split(None, 2) == ["https://paved.example.com", "paved.example.com", "[]\n"], deployed.stderr


def test_a_bad_public_url_stops_start_up_with_the_settings_name(tmp_path):
    done = _django(tmp_path, SHOW, PAVED_PUBLIC_URL="https://paved@evil.example.com")
    assert done.returncode != 0
    assert "ImproperlyConfigured: PAVED_PUBLIC_URL 'https://paved@evil.example.com'" in done.stderr
    # Unset, with a PAVED_BIND that is no address (a unix socket): the message says to set it.
    done = _django(tmp_path, SHOW, PAVED_BIND="unix:/run/paved.sock")
    assert done.returncode != 0
    assert "PAVED_PUBLIC_URL is not set and PAVED_BIND 'unix:/run/paved.sock' gives no address" in done.stderr
