"""Server-sent event frames (https://html.spec.whatwg.org/multipage/server-sent-events.html)."""

import json


def sse_frame(*, event_id: int | str, event_type: str, data: object) -> bytes:
    """One event: `id:` for reconnects (Last-Event-ID), `event:` and one compact JSON `data:` line."""
    payload = json.dumps(data, separators=(",", ":"))
    return f"id: {event_id}\nevent: {event_type}\ndata: {payload}\n\n".encode()


def sse_comment(text: str) -> bytes:
    """A comment line: keeps proxies from closing an idle stream; clients ignore it."""
    return f": {text}\n\n".encode()
