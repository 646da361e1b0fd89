"""Readiness checks for /readyz: can this process reach its database and its Celery broker?"""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def database_check() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Readiness: the database cannot be reached.")
        return False
    return True


def broker_check() -> bool:
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith("filesystem://"):
            return _filesystem_broker_ready(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
        return _network_broker_ready(url)
    except Exception:
        logger.exception("Readiness: the Celery broker cannot be reached.")
        return False


def _filesystem_broker_ready(options: dict) -> bool:
    # kombu creates none of the data folders itself: a missing one means enqueues would fail.
    keys = ("data_folder_in", "data_folder_out", "control_folder")
    folders = {Path(options[key]) for key in keys if options.get(key)}
    missing = [str(f) for f in folders if not (f.is_dir() and os.access(f, os.W_OK | os.X_OK))]
    if missing:
        logger.error("Readiness: broker folders missing or not writable: %s", ", ".join(sorted(missing)))
    return not missing


def _network_broker_ready(url: str) -> bool:
    from kombu import Connection

    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return True
