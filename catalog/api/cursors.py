"""Opaque cursors: URL-safe base64 of a small JSON object. Anything malformed is an InputError.

A by-query cursor carries the whole query (filters, order, full-text), the sort key of the
row it continues from, the direction and the total, so later pages repeat neither the query
parameters nor the COUNT.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field

from core.api.errors import InputError

MAX_CURSOR = 20_000


@dataclass
class QuerySpec:
    filters: list[str] = field(default_factory=list)  # raw `filter` strings, parsed on every page
    order: tuple[str, str] | None = None  # (field, "asc" | "desc")
    term: str = ""
    text_fields: list[str] = field(default_factory=list)

    def cache_key(self) -> tuple:
        """What decides the set of matching entities (not their order)."""
        return (tuple(self.filters), self.term, tuple(self.text_fields))


@dataclass
class Cursor:
    query: QuerySpec
    key: list  # sort key of the row to continue after (or before, when going back)
    backwards: bool
    total: int


def _encode(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str, what: str) -> dict:
    if not text or len(text) > MAX_CURSOR:
        raise InputError(f"Malformed {what}.")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InputError(f"Malformed {what}: it could not be decoded.") from None
    if not isinstance(data, dict):
        raise InputError(f"Malformed {what}.")
    return data


def cursor_encode(cursor: Cursor) -> str:
    q = cursor.query
    return _encode({
        "f": q.filters, "o": list(q.order) if q.order else None, "t": q.term, "tf": q.text_fields,
        "k": cursor.key, "b": cursor.backwards, "n": cursor.total,
    })


def _strings(value, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"Malformed cursor: {what}.")
    return value


def cursor_decode(text: str) -> Cursor:
    data = _decode(text, "cursor")
    order = data.get("o")
    if order is not None and (
        not isinstance(order, list) or len(order) != 2 or not isinstance(order[0], str)
        or order[1] not in ("asc", "desc")
    ):
        raise InputError("Malformed cursor: order.")
    key, total, term = data.get("k"), data.get("n"), data.get("t", "")
    if not isinstance(key, list) or not key or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in key
    ):
        raise InputError("Malformed cursor: position.")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise InputError("Malformed cursor: totalItems.")
    if not isinstance(term, str) or not isinstance(data.get("b"), bool):
        raise InputError("Malformed cursor.")
    query = QuerySpec(
        filters=_strings(data.get("f", []), "filter"),
        order=(order[0], order[1]) if order else None,
        term=term,
        text_fields=_strings(data.get("tf", []), "fullTextFilterFields"),
    )
    return Cursor(query=query, key=key, backwards=data["b"], total=total)


def after_encode(*, limit: int, offset: int) -> str:
    """The legacy `after` cursor of GET /entities, as Backstage writes it."""
    return base64.b64encode(json.dumps({"limit": limit, "offset": offset}).encode()).decode()


def after_decode(text: str) -> tuple[int | None, int | None]:
    data = _decode(text.replace("+", "-").replace("/", "_").rstrip("="), "after cursor")
    limit, offset = data.get("limit"), data.get("offset")
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise InputError(f"Malformed after cursor, {name} was not a non-negative integer.")
    return limit, offset
