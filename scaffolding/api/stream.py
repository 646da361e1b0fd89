"""The task event stream (GET tasks/{id}/eventstream) as a generator of server-sent events.

The worker writes events to the database, possibly on another machine, so the stream polls
the table instead of listening to a channel. Each poll is one `selectors.run_events_after`
read (the run's status, then its events), so when the status says finished every event is in
the same read and the stream can end without losing the last lines. It also ends at the lifetime limit (the
client reconnects with Last-Event-ID) and sends a comment now and then so proxies keep it open.

The generator runs in the request's thread under WSGI, so it uses the request's database
connection; Django closes it when the server closes the response (request_finished).
"""

import time
from collections.abc import Callable, Iterator

from scaffolding import selectors
from scaffolding.api.serializers import sse_frame

POLL_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0
LIFETIME_SECONDS = 30 * 60
BATCH = 500


def task_event_stream(*, run_id, after: int | None, poll: float = POLL_SECONDS,
                      heartbeat: float = HEARTBEAT_SECONDS, lifetime: float = LIFETIME_SECONDS,
                      clock: Callable[[], float] = time.monotonic,
                      sleep: Callable[[float], None] = time.sleep) -> Iterator[bytes]:
    """Events of the run after the event id `after`, then new ones as they come, until it finishes."""
    started = last_sent = clock()
    # A comment first, so the client gets the headers now and not at the first event (WSGI
    # servers send them with the first chunk of the body).
    yield b": waiting for events\n\n"
    while True:
        batch = selectors.run_events_after(run_id=run_id, after=after, limit=BATCH, fields=("id", "status"))
        if batch.run is None:  # deleted while we watched
            return
        events = batch.events
        for event in events:
            after = event.pk
            yield sse_frame(event)
        if events:
            last_sent = clock()
        if len(events) == BATCH:
            continue  # more to replay before waiting
        if batch.finished:
            return
        now = clock()
        if now - started >= lifetime:
            yield b": the stream reached its time limit; reconnect with Last-Event-ID to go on\n\n"
            return
        if now - last_sent >= heartbeat:
            yield b": heartbeat\n\n"
            last_sent = now
        sleep(poll)
