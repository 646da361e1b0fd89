"""The only settings module. Environments differ by environment variables alone.

`.env.example` lists every variable with a one-line comment. The defaults are the embedded
mode used by `make run`: SQLite and a filesystem Celery broker under PAVED_VAR_DIR.
"""

import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_json_objects, env_list, env_paths, env_secret, env_str
from portal.file_roots import check_file_roots

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PAVED_VAR_DIR", str(BASE_DIR / "var"))).resolve()
# Created here because everything embedded lives in it (SQLite, broker, repositories, docs) and a
# missing folder would otherwise surface as an unrelated "unable to open database file".
try:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
except OSError as exc:
    raise ImproperlyConfigured(f"PAVED_VAR_DIR {VAR_DIR} cannot be created: {exc.strerror or exc}") from None



def _key(name: str, generated: str) -> str | None:
    """NAME, NAME_FILE, or else the key `make run` generated as PAVED_VAR_DIR/<generated>: so a
    documented command (`manage.py create_api_token admin`) works in a second shell after `make run`
    without exporting anything. var/ is readable by its owner only and is never a file root."""
    value = env_secret(name)
    if value:
        return value
    path = VAR_DIR / generated
    try:
        return path.read_text().strip() or None if path.is_file() else None
    except OSError as exc:
        raise ImproperlyConfigured(f"{path} (the key `make run` generated for {name}) cannot be read: {exc}.") from None


SECRET_KEY = _key("PAVED_SECRET_KEY", "secret_key")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "PAVED_SECRET_KEY (or PAVED_SECRET_KEY_FILE) must be set; `make run` generates one under var/."
    )
DEBUG = env_bool("PAVED_DEBUG", False)
ALLOWED_HOSTS = env_list("PAVED_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("PAVED_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "core",
    "portal",
    "catalog",
    "githost",
    "scaffolding",
    "techdocs",
    "surveys",
    "scorecards",
    "insights",
    "maturity",
]

MIDDLEWARE = [
    "core.context.RequestContextMiddleware",
    "core.regex.RegexBudgetMiddleware",  # at most ~1 s of regex work per request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.auth.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.auth.LoginRequiredMiddleware",
    "portal.errors.ErrorPageMiddleware",  # styled pages for the empty 405s of require_GET & co.
]
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'paved.sqlite3'}"),
        conn_max_age=env_int("PAVED_DB_CONN_MAX_AGE", 60, minimum=0),
        # On: a connection the database dropped (restart, failover, pg_terminate_backend) is
        # replaced before the request uses it instead of failing that request with a 500. It costs
        # one round trip per request that reuses a connection (about 0.1 ms on a local network).
        conn_health_checks=env_bool("PAVED_DB_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the web process reads; the busy timeout rides out
    # the short write locks that two processes on one file take in turn.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
_test_name = env_str("PAVED_TEST_DATABASE_NAME") or None
if _test_name is None and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, as in `make run`, not Django's shared-cache in-memory database: there a reader in the
    # web thread makes a worker thread's write fail at once with "database table is locked",
    # where a file in WAL mode lets them run side by side (browser and worker tests need that).
    _test_name = str(VAR_DIR / "test-paved.sqlite3")
DATABASES["default"]["TEST"] = {"NAME": _test_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# --- Single sign-on (OpenID Connect; portal/sso/) ------------------------------------------
# Password sign-in stays; with this on, the login page also offers the provider's button.
PAVED_OIDC_ENABLED = env_bool("PAVED_OIDC_ENABLED", False)
PAVED_OIDC_ISSUER = env_str("PAVED_OIDC_ISSUER", "").strip()
PAVED_OIDC_DISCOVERY_URL = env_str("PAVED_OIDC_DISCOVERY_URL", "").strip()  # empty: ISSUER/.well-known/...
PAVED_OIDC_AUTHORIZATION_ENDPOINT = env_str("PAVED_OIDC_AUTHORIZATION_ENDPOINT", "").strip()
PAVED_OIDC_TOKEN_ENDPOINT = env_str("PAVED_OIDC_TOKEN_ENDPOINT", "").strip()
PAVED_OIDC_USERINFO_ENDPOINT = env_str("PAVED_OIDC_USERINFO_ENDPOINT", "").strip()
PAVED_OIDC_JWKS_URI = env_str("PAVED_OIDC_JWKS_URI", "").strip()
PAVED_OIDC_CLIENT_ID = env_str("PAVED_OIDC_CLIENT_ID", "").strip()
PAVED_OIDC_CLIENT_SECRET = env_secret("PAVED_OIDC_CLIENT_SECRET")
PAVED_OIDC_SCOPES = env_list("PAVED_OIDC_SCOPES", ["openid", "email", "profile"], separator=" ")
PAVED_OIDC_SIGN_ALGO = env_str("PAVED_OIDC_SIGN_ALGO", "RS256").strip()
PAVED_OIDC_DISPLAY_NAME = env_str("PAVED_OIDC_DISPLAY_NAME", "Single sign-on").strip() or "Single sign-on"
PAVED_OIDC_RESOLVERS = env_list("PAVED_OIDC_RESOLVERS", ["emailMatchingUserEntityProfileEmail"])
PAVED_OIDC_USERNAME_CLAIM = env_str("PAVED_OIDC_USERNAME_CLAIM", "preferred_username").strip()
PAVED_OIDC_EMAIL_DOMAINS = env_list("PAVED_OIDC_EMAIL_DOMAINS", [])
PAVED_OIDC_ALLOW_UNKNOWN_USERS = env_bool("PAVED_OIDC_ALLOW_UNKNOWN_USERS", False)
PAVED_OIDC_SUPPORT_CONTACT = env_str("PAVED_OIDC_SUPPORT_CONTACT", "").strip()
PAVED_OIDC_TIMEOUT_SECONDS = env_int("PAVED_OIDC_TIMEOUT_SECONDS", 10, minimum=1)
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "portal.sso.backend.PavedOIDCBackend"]
if PAVED_OIDC_ENABLED:
    from portal.sso.checks import check_sso_settings

    check_sso_settings(globals())

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("PAVED_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The image collects static files outside the data volume, so an upgrade never serves stale ones.
STATIC_ROOT = Path(env_str("PAVED_STATIC_ROOT", str(VAR_DIR / "staticfiles"))).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- HTTPS and browser protections ---------------------------------------------------------
# `make run` (bin/run-embedded sets PAVED_EMBEDDED) serves plain HTTP on the loopback address;
# everywhere else Paved is assumed to sit behind HTTPS, so cookies are Secure, plain HTTP is
# redirected and browsers are told to remember that (HSTS). Each default has its own switch.
PAVED_EMBEDDED = env_bool("PAVED_EMBEDDED", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("PAVED_SECURE_COOKIES", not PAVED_EMBEDDED)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("PAVED_SSL_REDIRECT", not PAVED_EMBEDDED)
# Probes are called over plain HTTP from inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("PAVED_HSTS_SECONDS", 0 if PAVED_EMBEDDED else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PAVED_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("PAVED_HSTS_PRELOAD", True)
# The header a TLS-terminating proxy sets, e.g. X-Forwarded-Proto (only set it behind such a proxy:
# a client could otherwise claim HTTPS).
_proxy_header = env_str("PAVED_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from Paved itself and with the page's nonce,
# nothing inline, no eval (htmx runs with allowEval off). Style attributes (progress bars) are
# allowed; style elements are not. Images: Paved's own, data: URIs, and external ones only when
# TechDocs is told to show them (PAVED_TECHDOCS_EXTERNAL_IMAGES=allow).
_external_images = env_str("PAVED_TECHDOCS_EXTERNAL_IMAGES", "block").strip().lower() == "allow"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"] + (["https:"] if _external_images else []),
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"] + env_list("PAVED_CSP_FORM_ACTION", []),
        "frame-ancestors": ["'none'"],
    },
}

EMAIL_BACKEND = env_str("PAVED_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("PAVED_FROM_EMAIL", "paved@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PAVED_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Celery ------------------------------------------------------------------------------
# The embedded default is kombu's filesystem transport: a real queue between two processes
# with no server to install (see README "Why a filesystem broker"). Production sets redis://.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 30, 1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Access and audit -----------------------------------------------------------------------
# How long a process trusts what it looked up about a person's groups and roles; changes made in
# the same process apply at once.
PAVED_ACCESS_CACHE_SECONDS = env_int("PAVED_ACCESS_CACHE_SECONDS", 5, minimum=0)
# Audit entries older than this many days are deleted daily (0 keeps them forever).
PAVED_AUDIT_RETENTION_DAYS = env_int("PAVED_AUDIT_RETENTION_DAYS", 400, minimum=0)
# Behind a reverse proxy, take the client address from the last X-Forwarded-For entry.
PAVED_TRUST_X_FORWARDED_FOR = env_bool("PAVED_TRUST_X_FORWARDED_FOR", False)
# Notifications (the header's bell) are also e-mailed to their recipients when this is on.
PAVED_NOTIFICATIONS_EMAIL = env_bool("PAVED_NOTIFICATIONS_EMAIL", False)
# Read notifications older than this many days are deleted daily (0 keeps them forever).
PAVED_NOTIFICATIONS_RETENTION_DAYS = env_int("PAVED_NOTIFICATIONS_RETENTION_DAYS", 90, minimum=0)

# --- Catalog -----------------------------------------------------------------------------
# Directories that `file` locations, templates and `dir:` docs may read from (os.pathsep or comma
# separated). The default is the demo and an empty var/catalog/ for your own files: never var/ itself,
# which holds the secret key, the database and task workspaces (checked at the end of this module).
PAVED_CATALOG_FILES_DIR = VAR_DIR / "catalog"
PAVED_CATALOG_FILES_DIR.mkdir(exist_ok=True)
PAVED_FILE_ROOTS = env_paths("PAVED_FILE_ROOTS", [BASE_DIR / "demo", PAVED_CATALOG_FILES_DIR])
# Hosts (host or host:port) that `url` locations may read from.
PAVED_READ_ALLOW = env_list("PAVED_READ_ALLOW", [])
PAVED_MAX_FILE_BYTES = env_int("PAVED_MAX_FILE_BYTES", 5 * 1024 * 1024, minimum=1024)
PAVED_URL_TIMEOUT_SECONDS = env_int("PAVED_URL_TIMEOUT_SECONDS", 10, minimum=1)
PAVED_CATALOG_REFRESH_SECONDS = env_int("PAVED_CATALOG_REFRESH_SECONDS", 120, minimum=5)
PAVED_CATALOG_PAGE_SIZE = env_int("PAVED_CATALOG_PAGE_SIZE", 25, minimum=5)
PAVED_ADMIN_PASSWORD = env_secret("PAVED_ADMIN_PASSWORD")
# How long a process trusts a looked-up API token before asking the database again.
PAVED_TOKEN_CACHE_SECONDS = env_int("PAVED_TOKEN_CACHE_SECONDS", 10, minimum=0)

CELERY_BEAT_SCHEDULE = {
    "audit-prune": {"task": "core.tasks.audit_prune_old", "schedule": 86400.0},
    "notifications-email": {"task": "core.tasks.notifications_email_send", "schedule": 300.0},
    "notifications-prune": {"task": "core.tasks.notifications_prune_old", "schedule": 86400.0},
    "catalog-refresh-due-locations": {
        "task": "catalog.tasks.catalog_refresh_due",
        "schedule": float(PAVED_CATALOG_REFRESH_SECONDS),
    },
}

# --- Surveys -------------------------------------------------------------------------------
# A team's breakdown and free text appear only with at least this many answers (k).
PAVED_SURVEYS_MIN_GROUP_SIZE = env_int("PAVED_SURVEYS_MIN_GROUP_SIZE", 5, minimum=2)
PAVED_SURVEYS_MAX_REMINDERS = env_int("PAVED_SURVEYS_MAX_REMINDERS", 3, minimum=0)
PAVED_SURVEYS_REMINDER_DAYS = env_int("PAVED_SURVEYS_REMINDER_DAYS", 7, minimum=1)
# Open campaigns' results: "batched" publishes each team's answers in whole batches of
# PAVED_SURVEYS_RESULTS_BATCH (so two views never differ by one person's answer); "closed-only"
# shows nothing until the campaign closes, then every answer.
PAVED_SURVEYS_OPEN_RESULTS = env_str("PAVED_SURVEYS_OPEN_RESULTS", "batched").strip().lower() or "batched"
if PAVED_SURVEYS_OPEN_RESULTS not in ("batched", "closed-only"):
    raise ImproperlyConfigured(
        f"PAVED_SURVEYS_OPEN_RESULTS must be batched or closed-only, not {PAVED_SURVEYS_OPEN_RESULTS!r}."
    )
PAVED_SURVEYS_RESULTS_BATCH = env_int("PAVED_SURVEYS_RESULTS_BATCH", PAVED_SURVEYS_MIN_GROUP_SIZE,
                                      minimum=PAVED_SURVEYS_MIN_GROUP_SIZE)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("surveys.context_processors.survey_banner")
CELERY_BEAT_SCHEDULE["surveys-send-reminders"] = {"task": "surveys.tasks.reminders_send", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["surveys-shuffle-responses"] = {"task": "surveys.tasks.responses_shuffle", "schedule": 86400.0}
CELERY_BEAT_SCHEDULE["surveys-publish-results"] = {"task": "surveys.tasks.results_publish_due", "schedule": 600.0}

# --- TechDocs ----------------------------------------------------------------------------
# Built sites are stored as local files here, unless PAVED_TECHDOCS_S3_BUCKET names an S3-compatible
# bucket (AWS S3, MinIO, Ceph...), in which case they go there under PAVED_TECHDOCS_S3_PREFIX.
PAVED_TECHDOCS_DIR = Path(env_str("PAVED_TECHDOCS_DIR", str(VAR_DIR / "techdocs"))).resolve()
PAVED_TECHDOCS_S3_BUCKET = env_str("PAVED_TECHDOCS_S3_BUCKET", "").strip()
PAVED_TECHDOCS_S3_ENDPOINT_URL = env_str("PAVED_TECHDOCS_S3_ENDPOINT_URL", "").strip()  # empty: AWS
PAVED_TECHDOCS_S3_REGION = env_str("PAVED_TECHDOCS_S3_REGION", "").strip()
PAVED_TECHDOCS_S3_PREFIX = env_str("PAVED_TECHDOCS_S3_PREFIX", "").strip().strip("/")
# Unset: boto3's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles).
PAVED_TECHDOCS_S3_ACCESS_KEY_ID = env_secret("PAVED_TECHDOCS_S3_ACCESS_KEY_ID")
PAVED_TECHDOCS_S3_SECRET_ACCESS_KEY = env_secret("PAVED_TECHDOCS_S3_SECRET_ACCESS_KEY")
PAVED_TECHDOCS_BUILD_TIMEOUT = env_int("PAVED_TECHDOCS_BUILD_TIMEOUT", 600, minimum=5)
PAVED_TECHDOCS_MAX_FILE_BYTES = env_int("PAVED_TECHDOCS_MAX_FILE_BYTES", 20 * 1024 * 1024, minimum=1024)
PAVED_TECHDOCS_MAX_PAGES = env_int("PAVED_TECHDOCS_MAX_PAGES", 5000, minimum=1)
PAVED_TECHDOCS_SCAN_SECONDS = env_int("PAVED_TECHDOCS_SCAN_SECONDS", 300, minimum=10)
PAVED_TECHDOCS_STALE_DAYS = env_int("PAVED_TECHDOCS_STALE_DAYS", 90, minimum=1)
# External images in docs pages: "block" (default) shows a link in their place, so reading a page
# never makes the browser call a third-party host (tracking pixels); "allow" shows them.
PAVED_TECHDOCS_EXTERNAL_IMAGES = env_str("PAVED_TECHDOCS_EXTERNAL_IMAGES", "block").strip().lower() or "block"
if PAVED_TECHDOCS_EXTERNAL_IMAGES not in ("block", "allow"):
    raise ImproperlyConfigured(
        f"PAVED_TECHDOCS_EXTERNAL_IMAGES must be block or allow, not {PAVED_TECHDOCS_EXTERNAL_IMAGES!r}."
    )
# Builds go to their own queue (consumed by their own worker: `make run` and docker-compose start
# one), so a burst of builds never delays the scaffolder and catalog tasks people wait for.
PAVED_TECHDOCS_QUEUE = env_str("PAVED_TECHDOCS_QUEUE", "docs").strip() or "celery"
CELERY_TASK_ROUTES = {"techdocs.tasks.docs_build_execute": {"queue": PAVED_TECHDOCS_QUEUE}}
CELERY_BEAT_SCHEDULE["techdocs-scan"] = {
    "task": "techdocs.tasks.docs_scan", "schedule": float(PAVED_TECHDOCS_SCAN_SECONDS),
}
# A running build beats every HEARTBEAT seconds; one silent for STALE seconds lost its worker and
# is failed by the sweep; a build queued for RESEND seconds is sent to the broker again.
PAVED_TECHDOCS_HEARTBEAT_SECONDS = env_int("PAVED_TECHDOCS_HEARTBEAT_SECONDS", 10, minimum=1)
PAVED_TECHDOCS_STALE_SECONDS = env_int("PAVED_TECHDOCS_STALE_SECONDS", 90, minimum=5)
PAVED_TECHDOCS_RESEND_SECONDS = env_int("PAVED_TECHDOCS_RESEND_SECONDS", 600, minimum=30)
PAVED_TECHDOCS_SWEEP_SECONDS = env_int("PAVED_TECHDOCS_SWEEP_SECONDS", 60, minimum=5)
CELERY_BEAT_SCHEDULE["techdocs-sweep"] = {
    "task": "techdocs.tasks.docs_builds_sweep", "schedule": float(PAVED_TECHDOCS_SWEEP_SECONDS),
}

# --- Git host and scaffolder ---------------------------------------------------------------
# Bare repositories live under PAVED_GIT_ROOT and are served over git's smart HTTP at /git/.
# --- Web server: gunicorn.conf.py reads these, so a bad value fails with the variable's name.
PAVED_WEB_BIND = env_str("PAVED_BIND", "0.0.0.0:8000").strip() or "0.0.0.0:8000"
PAVED_WEB_WORKERS = env_int("WEB_CONCURRENCY", os.cpu_count() or 1, minimum=1)
PAVED_WEB_THREADS = env_int("PAVED_WEB_THREADS", 8, minimum=1)
PAVED_WEB_KEEPALIVE = env_int("PAVED_WEB_KEEPALIVE", 30, minimum=0)
PAVED_WEB_TIMEOUT = env_int("PAVED_WEB_TIMEOUT", 60, minimum=1)
PAVED_WEB_MAX_REQUESTS = env_int("PAVED_WEB_MAX_REQUESTS", 0, minimum=0)
PAVED_ACCESS_LOG = env_str("PAVED_ACCESS_LOG").strip() or None


def _public_url(raw: str) -> tuple[str, str]:
    """PAVED_PUBLIC_URL checked and normalised: (scheme://host[:port][/prefix] with no trailing slash, host[:port])."""
    from urllib.parse import urlsplit

    def refuse(why: str):
        return ImproperlyConfigured(
            f"PAVED_PUBLIC_URL {raw!r} {why}; expected the address people open Paved at, "
            f"http(s)://host[:port][/path], e.g. https://paved.example.com")

    text = raw.strip()
    if len(text) > 500 or any(ch.isspace() or ord(ch) < 32 or ord(ch) > 126 for ch in text):
        raise refuse("is too long or holds spaces, control or non-ASCII characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise refuse("is not a URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse("must start with http:// or https://")
    host = (parts.hostname or "").lower()
    if "@" in parts.netloc or not host:
        raise refuse("must name a host (and no user name or password)")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\]", host if ":" not in host
                        else f"[{host}]"):
        raise refuse(f"has an invalid host {host!r}")
    if parts.query or parts.fragment or "%" in parts.path or re.search(r"(^|/)\.\.?(/|$)", parts.path):
        raise refuse("must not have a query, a fragment, escapes or '.'/'..' in its path")
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)*/?", parts.path):
        raise refuse("has a path that is not a plain /prefix")
    shown = f"[{host}]" if ":" in host else host
    default_port = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = f"{shown}:{port}" if port and port != default_port else shown
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}", netloc


def _bind_url(bind: str) -> str:
    """http://<PAVED_BIND>, with an any-address (0.0.0.0, ::) shown as the loopback address."""
    host, _, port = bind.rpartition(":") if ":" in bind else (bind, "", "")
    if "/" in bind or (port and not port.isdigit()):  # a unix socket, fd://3: not an address
        raise ImproperlyConfigured(f"PAVED_BIND {bind!r} is not host:port")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "[::]", "::") else host
    return f"http://{host}:{port}" if port else f"http://{host}"


# PAVED_PUBLIC_URL is where people (and git clients) reach this Paved: every URL it prints (clone
# URLs, repository and task links, catalog source locations, docs edit links, API answers) starts
# with it. Unset, it is http://<PAVED_BIND> (the loopback address for 0.0.0.0), right for `make run`;
# a deployment behind a proxy sets it (a system check warns when it does not).
PAVED_PUBLIC_URL_SET = bool(env_str("PAVED_PUBLIC_URL").strip())
if PAVED_PUBLIC_URL_SET:
    PAVED_PUBLIC_URL, _public_netloc = _public_url(env_str("PAVED_PUBLIC_URL"))
else:
    try:
        PAVED_PUBLIC_URL, _public_netloc = _public_url(_bind_url(PAVED_WEB_BIND))
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            f"PAVED_PUBLIC_URL is not set and PAVED_BIND {PAVED_WEB_BIND!r} gives no address to build it from; "
            f"set PAVED_PUBLIC_URL to the address people open Paved at, e.g. https://paved.example.com") from None
# Templates name the built-in git host `paved` (`repoUrl: paved?owner=o&repo=r`), whatever the address
# (githost.services.STABLE_HOST). PAVED_GIT_HOST is one more host name they may use for it: by default
# the public URL's host[:port]; an older deployment may keep the name its templates were written with.
# It is never used in a URL Paved prints.
PAVED_GIT_ROOT = Path(env_str("PAVED_GIT_ROOT", str(VAR_DIR / "git"))).resolve()
PAVED_GIT_HOST = env_str("PAVED_GIT_HOST", "").strip().lower() or _public_netloc
if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?|\[[0-9a-f:.]+\](:[0-9]{1,5})?",
                    PAVED_GIT_HOST):
    raise ImproperlyConfigured(f"PAVED_GIT_HOST must be a host name with an optional :port, not {PAVED_GIT_HOST!r}.")
PAVED_GIT_MAX_PUSH_BYTES = env_int("PAVED_GIT_MAX_PUSH_BYTES", 200 * 1024 * 1024, minimum=1024)
PAVED_GIT_TIMEOUT_SECONDS = env_int("PAVED_GIT_TIMEOUT_SECONDS", 300, minimum=1)  # one git command, at most
# The platform's GitOps repository on the git host (owner/name) that Kubernetes, Argo CD and
# monitoring actions commit to.
PAVED_GITOPS_REPO = env_str("PAVED_GITOPS_REPO", "platform/gitops").strip()
# Each task gets a scratch directory here; it is removed when the task ends.
PAVED_SCAFFOLDER_WORKSPACE_DIR = Path(env_str("PAVED_SCAFFOLDER_WORKSPACE_DIR",
                                              str(VAR_DIR / "scaffolder"))).resolve()
PAVED_SCAFFOLDER_TASK_TIME_LIMIT = env_int("PAVED_SCAFFOLDER_TASK_TIME_LIMIT", 900, minimum=5)
PAVED_SCAFFOLDER_HEARTBEAT_SECONDS = env_int("PAVED_SCAFFOLDER_HEARTBEAT_SECONDS", 5, minimum=1)
# A processing task whose heartbeat is older than this is taken as lost (its worker died).
PAVED_SCAFFOLDER_STALE_SECONDS = env_int("PAVED_SCAFFOLDER_STALE_SECONDS", 60, minimum=5)
PAVED_SCAFFOLDER_SWEEP_SECONDS = env_int("PAVED_SCAFFOLDER_SWEEP_SECONDS", 30, minimum=5)
# Encrypts the secrets a task holds while it runs (a Fernet key, or several separated by spaces to
# rotate: the first encrypts, all decrypt). Kept apart from PAVED_SECRET_KEY; needed only once a task
# is started with secrets (scaffolding/lib/sealed.py says so then, not at start-up).
PAVED_SECRETS_ENCRYPTION_KEY = _key("PAVED_SECRETS_ENCRYPTION_KEY", "secrets_encryption_key") or ""
CELERY_BEAT_SCHEDULE["scaffolder-sweep"] = {
    "task": "scaffolding.tasks.runs_sweep", "schedule": float(PAVED_SCAFFOLDER_SWEEP_SECONDS),
}
# Publishing to GitHub / GitLab (GitHub Enterprise and self-managed GitLab: set the URLs).
PAVED_GITHUB_TOKEN = env_secret("PAVED_GITHUB_TOKEN")
PAVED_GITHUB_HOST = env_str("PAVED_GITHUB_HOST", "github.com").strip().lower()
PAVED_GITHUB_API_URL = env_str("PAVED_GITHUB_API_URL", "https://api.github.com").strip().rstrip("/")
PAVED_GITLAB_TOKEN = env_secret("PAVED_GITLAB_TOKEN")
PAVED_GITLAB_HOST = env_str("PAVED_GITLAB_HOST", "gitlab.com").strip().lower()
PAVED_GITLAB_URL = env_str("PAVED_GITLAB_URL", "https://gitlab.com").strip().rstrip("/")
# Golden-signal monitors are committed to the GitOps repository; Datadog is called only when set.
PAVED_DATADOG_API_KEY = env_secret("PAVED_DATADOG_API_KEY")
PAVED_DATADOG_APP_KEY = env_secret("PAVED_DATADOG_APP_KEY")
# argocd:create-resources and kube:apply call these when the template names a configured one, and
# otherwise commit to the GitOps repository. JSON: {"<name>": {"url": "https://...", "token": "..."}}
# (kube clusters may add "caData", base64 PEM). Use the _FILE form to keep the tokens in a file.
PAVED_ARGOCD_INSTANCES = env_json_objects("PAVED_ARGOCD_INSTANCES")
PAVED_KUBERNETES_CLUSTERS = env_json_objects("PAVED_KUBERNETES_CLUSTERS")
PAVED_DATADOG_API_URL = env_str("PAVED_DATADOG_API_URL", "https://api.datadoghq.com").strip().rstrip("/")
# On-call and chat for new services (pagerduty:service:create, slack:channel:create): without a token
# those steps fail naming the setting (templates can skip them with an `if:` on a parameter).
PAVED_PAGERDUTY_TOKEN = env_secret("PAVED_PAGERDUTY_TOKEN")
PAVED_PAGERDUTY_API_URL = env_str("PAVED_PAGERDUTY_API_URL", "https://api.pagerduty.com").strip().rstrip("/")
PAVED_SLACK_TOKEN = env_secret("PAVED_SLACK_TOKEN")
PAVED_SLACK_API_URL = env_str("PAVED_SLACK_API_URL", "https://slack.com/api").strip().rstrip("/")

# --- Readable roots hold no internal state ---------------------------------------------------
# Last, once every folder below is known: start-up fails when a PAVED_FILE_ROOTS entry is, holds
# or sits inside one of them (portal/file_roots.py says why this is checked here and not per read).
_internal_paths = {
    "PAVED_VAR_DIR": VAR_DIR,
    "PAVED_SCAFFOLDER_WORKSPACE_DIR": PAVED_SCAFFOLDER_WORKSPACE_DIR,
    "PAVED_TECHDOCS_DIR": PAVED_TECHDOCS_DIR,
    "PAVED_GIT_ROOT": PAVED_GIT_ROOT,
    "the project's .env file": BASE_DIR / ".env",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _internal_paths["the SQLite database"] = Path(DATABASES["default"]["NAME"]).resolve()
for _name in ("PAVED_SECRET_KEY_FILE", "PAVED_SECRETS_ENCRYPTION_KEY_FILE"):
    if env_str(_name):
        _internal_paths[_name] = Path(env_str(_name)).resolve()
check_file_roots(PAVED_FILE_ROOTS, internal=_internal_paths, data_dir=VAR_DIR, catalog_dir=PAVED_CATALOG_FILES_DIR)

# --- scorecards: exemptions and campaigns (scui) ---------------------------------------------
# An exemption lasts at most this many days; the sweep asks for a rescore of entities whose
# exemption just expired (campaign reminders reuse PAVED_SURVEYS_MAX_REMINDERS / _REMINDER_DAYS).
PAVED_SCORECARDS_EXEMPTION_MAX_DAYS = env_int("PAVED_SCORECARDS_EXEMPTION_MAX_DAYS", 180, minimum=1)
PAVED_SCORECARDS_EXEMPTION_SWEEP_SECONDS = env_int("PAVED_SCORECARDS_EXEMPTION_SWEEP_SECONDS", 3600, minimum=60)
CELERY_BEAT_SCHEDULE["scorecards-exemptions-expire"] = {
    "task": "scorecards.tasks.exemptions_expire", "schedule": float(PAVED_SCORECARDS_EXEMPTION_SWEEP_SECONDS)}
CELERY_BEAT_SCHEDULE["scorecards-campaign-reminders"] = {
    "task": "scorecards.tasks.campaign_reminders_send", "schedule": 3600.0}

# --- scorecards: facts input ---------------------------------------------------------------
# Largest report (coverage, scan, test report, SLO file) POST /api/facts/reports accepts; larger ones
# answer 413 after at most this many bytes are read.
PAVED_FACTS_MAX_REPORT_BYTES = env_int("PAVED_FACTS_MAX_REPORT_BYTES", 64 * 1024 * 1024, minimum=1024)
# --- maturity: quarterly snapshot ---------------------------------------------------------------
# Daily check; the task takes the quarter's assessment snapshot only when the quarter has none yet.
CELERY_BEAT_SCHEDULE["maturity-snapshot-quarterly"] = {"task": "maturity.tasks.snapshot_quarterly",
                                                       "schedule": 86400.0}
# --- insights: Platform Health ---------------------------------------------------------------
# The availability objective of the platform, in percent (Platform Uptime is compared with it).
_platform_slo = env_str("PAVED_PLATFORM_SLO", "99.9").strip()
try:
    PAVED_PLATFORM_SLO = float(_platform_slo)
except ValueError:
    PAVED_PLATFORM_SLO = -1.0
if not 0 < PAVED_PLATFORM_SLO <= 100:
    raise ImproperlyConfigured(f"PAVED_PLATFORM_SLO must be a percentage between 0 and 100, got {_platform_slo!r}.")
# Paved records its own availability: one check a minute (database reachable, and the worker and
# broker evidently alive, since the check runs as a task); a missing minute counts as down.
CELERY_BEAT_SCHEDULE["insights-platform-probe"] = {"task": "insights.tasks.platform_probe", "schedule": 60.0}
# The Platform Health pages may reuse figures this many seconds old (0: compute on every request).
PAVED_INSIGHTS_HEALTH_CACHE_SECONDS = env_int("PAVED_INSIGHTS_HEALTH_CACHE_SECONDS", 60, minimum=0)
# The scorecard whose checks define "on the golden path" (Platform Health's Adoption row).
PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD = env_str("PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD", "golden-path").strip()

# --- insights: delivery events ---------------------------------------------------------------
# Webhook deliveries (GitHub, GitLab, Argo CD, PagerDuty) larger than this are refused (413).
PAVED_INSIGHTS_WEBHOOK_MAX_BYTES = env_int("PAVED_INSIGHTS_WEBHOOK_MAX_BYTES", 1024 * 1024, minimum=1024)
# POST /api/events: the largest request and the most events in one.
PAVED_INSIGHTS_EVENTS_MAX_BYTES = env_int("PAVED_INSIGHTS_EVENTS_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
PAVED_INSIGHTS_EVENTS_MAX_ITEMS = env_int("PAVED_INSIGHTS_EVENTS_MAX_ITEMS", 5000, minimum=1)
# Deployments to these environments (compared lower case) count in the four keys.
PAVED_INSIGHTS_PRODUCTION_ENVIRONMENTS = frozenset(
    e.strip().lower() for e in env_list("PAVED_INSIGHTS_PRODUCTION_ENVIRONMENTS", ["production", "prod", "live"]))
CELERY_BEAT_SCHEDULE["insights-deliveries-resend"] = {
    "task": "insights.tasks.deliveries_resend", "schedule": 120.0,
}

# --- insights: cost ---
# Cost lines are kept in one base currency; an export in another (or a file mixing currencies)
# needs a rate: PAVED_COST_RATES='{"EUR": 1.08}' means one EUR is 1.08 of the base.
PAVED_COST_CURRENCY = env_str("PAVED_COST_CURRENCY", "USD").strip().upper()
if not re.fullmatch(r"[A-Z]{3}", PAVED_COST_CURRENCY):
    raise ImproperlyConfigured(f"PAVED_COST_CURRENCY must be a three-letter code, not {PAVED_COST_CURRENCY!r}.")


def _cost_rates(raw: str) -> dict[str, str]:
    import json

    try:
        value = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise ImproperlyConfigured(f"PAVED_COST_RATES must be a JSON object ({exc}).") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured('PAVED_COST_RATES must be a JSON object like {"EUR": 1.08}.')
    rates = {}
    for code, rate in value.items():
        if not re.fullmatch(r"[A-Z]{3}", str(code)) or isinstance(rate, bool) or not isinstance(rate, int | float) \
                or not 0 < rate < 1e9:
            raise ImproperlyConfigured(f"PAVED_COST_RATES: {code!r}: expected a currency code and a positive number.")
        rates[str(code)] = repr(rate)  # kept as text: read as Decimal, exactly as written
    return rates


PAVED_COST_RATES = _cost_rates(env_str("PAVED_COST_RATES"))
try:
    PAVED_COST_GROWTH_THRESHOLD = float(env_str("PAVED_COST_GROWTH_THRESHOLD", "0.2"))
except ValueError:
    raise ImproperlyConfigured("PAVED_COST_GROWTH_THRESHOLD must be a number such as 0.2 (20 %).") from None
if not 0 <= PAVED_COST_GROWTH_THRESHOLD < 1000:
    raise ImproperlyConfigured("PAVED_COST_GROWTH_THRESHOLD must be between 0 and 1000.")
# OpenCost's API (e.g. http://opencost.opencost:9003): fetched by beat when set.
PAVED_OPENCOST_URL = env_str("PAVED_OPENCOST_URL").strip().rstrip("/")
PAVED_OPENCOST_TIMEOUT = env_int("PAVED_OPENCOST_TIMEOUT", 30, minimum=1)
PAVED_COST_IMPORT_DIR = VAR_DIR / "insights" / "cost-imports"
PAVED_COST_JSON_MAX_BYTES = env_int("PAVED_COST_JSON_MAX_BYTES", 2 * 1024**3, minimum=1024)  # a fetched answer
CELERY_BEAT_SCHEDULE["insights-cost-opencost-fetch"] = {"task": "insights.tasks.cost_opencost_fetch",
                                                        "schedule": 6 * 3600.0}
CELERY_BEAT_SCHEDULE["insights-cost-reports"] = {"task": "insights.tasks.cost_reports_send", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["insights-cost-imports-sweep"] = {"task": "insights.tasks.cost_imports_sweep",
                                                       "schedule": 600.0}

# --- scorecards: engine (scorecards/README.md) ---
# Re-read registered scorecard files, recompute every score (ages move, exemptions expire), and
# re-read the portal facts of every entity (signals keep them current in between).
CELERY_BEAT_SCHEDULE["scorecards-refresh-files"] = {"task": "scorecards.tasks.scorecards_refresh_all",
                                                    "schedule": 900.0}
CELERY_BEAT_SCHEDULE["scorecards-recompute"] = {"task": "scorecards.tasks.scores_recompute_all", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["scorecards-portal-facts"] = {"task": "scorecards.tasks.portal_facts_refresh",
                                                   "schedule": 21600.0}
