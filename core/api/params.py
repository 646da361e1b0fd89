"""Query-string parsing shared by the API views. Every problem is an InputError."""

from django.http import QueryDict

from core.api.errors import InputError

# by-query pages are capped (a client follows nextCursor); /entities keeps Backstage's "no cap"
# but streams its rows, so memory stays flat.
MAX_PAGE = 1000
MAX_INT = 2**31 - 1


def int_param(query: QueryDict, name: str, *, default: int | None = None) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"Invalid {name} {raw!r}: expected a non-negative integer.") from None
    if value < 0 or value > MAX_INT:
        raise InputError(f"Invalid {name} {raw!r}: expected an integer from 0 to {MAX_INT}.")
    return value


def list_param(query: QueryDict, name: str) -> list[str]:
    """Values of a parameter that may repeat and may be comma-separated (`fields=a,b&fields=c`)."""
    return [part.strip() for raw in query.getlist(name) for part in raw.split(",") if part.strip()]


def fields_list(value: object) -> list[str]:
    """`fields` from a JSON body: a list of dotted paths."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError("fields must be a list of strings.")
    return [part.strip() for v in value for part in v.split(",") if part.strip()]
