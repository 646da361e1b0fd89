"""gunicorn settings for the production shape (read automatically from the working directory).

The values are Django settings (portal/settings.py declares and validates them), so every
variable is read and checked in one place. Threaded workers keep HTTP connections alive between
requests, which API clients (and the benchmarks) rely on; sync workers close the connection after
every response.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # gunicorn reads this file before it imports the app
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from django.conf import settings  # noqa: E402  (the settings module needs the path above)

bind = settings.PAVED_WEB_BIND
workers = settings.PAVED_WEB_WORKERS
worker_class = "gthread"
threads = settings.PAVED_WEB_THREADS
keepalive = settings.PAVED_WEB_KEEPALIVE
timeout = settings.PAVED_WEB_TIMEOUT
max_requests = settings.PAVED_WEB_MAX_REQUESTS
accesslog = settings.PAVED_ACCESS_LOG
