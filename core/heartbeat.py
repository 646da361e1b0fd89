"""A heartbeat for long jobs: a thread that stamps the job's row while the job runs.

The row is the source of truth for every asynchronous job (scaffolder runs, docs builds): a
worker that dies mid-job (kill -9, OOM, a lost machine) leaves it "running", and only a beat that
stopped tells the sweep so. The thread uses its own database connection and closes it when done.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

logger = logging.getLogger(__name__)


@contextmanager
def heartbeat(beat: Callable[[], object], *, every: float, name: str = "paved-heartbeat") -> Iterator[None]:
    """Call `beat` every `every` seconds until the block ends (a failing beat is logged, not fatal)."""
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(every):
                try:
                    beat()
                except Exception:
                    logger.exception("heartbeat %s failed", name)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 30)
