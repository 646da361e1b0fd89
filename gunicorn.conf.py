"""gunicorn settings for the production shape (read automatically from the working directory).

Threaded workers keep HTTP connections alive between requests, which API clients (and the
benchmarks) rely on; sync workers close the connection after every response.
"""

import multiprocessing
import os

bind = os.environ.get("PAVED_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("PAVED_WEB_THREADS", "8"))
keepalive = int(os.environ.get("PAVED_WEB_KEEPALIVE", "30"))
timeout = int(os.environ.get("PAVED_WEB_TIMEOUT", "60"))
max_requests = int(os.environ.get("PAVED_WEB_MAX_REQUESTS", "0"))
accesslog = os.environ.get("PAVED_ACCESS_LOG") or None
