"""Plain JSON facts: `{"facts": {"key": value, ...}, "observedAt": "2026-01-31T10:00:00Z"}`.

Keys and values are checked by `validate_facts` (also used by the facts API for posted facts):
keys are dotted lower-case names `[a-z0-9_-]` segments joined by dots (the contract's
`[a-z0-9_.-]{1,200}`, minus empty segments such as `..`), at most 200 characters; values are JSON
scalars (finite numbers, strings up to 2,000 characters, booleans, null) or lists and objects of
them nested at most 4 deep and at most 8 KB as JSON.
"""

import math
import re

import orjson

from scorecards.lib.reports.base import ParsedReport, ReportError, Source, timestamp_from_iso
from scorecards.lib.reports.jsondoc import expect_object, load

KEY = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
MAX_KEY = 200
MAX_STRING = 2000
MAX_DEPTH = 4
MAX_VALUE_BYTES = 8 * 1024
MAX_FACTS = 1000


class FactError(ValueError):
    """A fact that is not acceptable; `field` is where (e.g. `facts.coverage.line_percent`)."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def _value_ok(value: object, depth: int) -> str:
    """'' when acceptable, else what is wrong."""
    if value is None or isinstance(value, bool | int):
        return ""
    if isinstance(value, float):
        return "" if math.isfinite(value) else "numbers must be finite (no NaN or Infinity)"
    if isinstance(value, str):
        return "" if len(value) <= MAX_STRING else f"strings are at most {MAX_STRING} characters"
    if isinstance(value, list | dict):
        if depth >= MAX_DEPTH:
            return f"lists and objects nest at most {MAX_DEPTH} deep"
        items = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict) and not all(isinstance(k, str) for k in value):
            return "object keys must be strings"
        for item in items:
            problem = _value_ok(item, depth + 1)
            if problem:
                return problem
        return ""
    return f"expected a JSON value, got {type(value).__name__}"


def validate_key(key: object, *, field: str = "facts") -> str:
    if not isinstance(key, str) or not KEY.match(key) or len(key) > MAX_KEY:
        shown = str(key)[:60]
        raise FactError(f"fact key {shown!r}: expected a dotted lower-case name of [a-z0-9_-] segments "
                        f"(e.g. coverage.line_percent), at most {MAX_KEY} characters", field=f"{field}.{shown}")
    return key


def validate_facts(facts: object, *, field: str = "facts") -> dict[str, object]:
    """The facts mapping, checked; FactError naming the key and what was expected."""
    if not isinstance(facts, dict):
        raise FactError("expected an object of fact keys to values", field=field)
    if not facts:
        raise FactError("expected at least one fact", field=field)
    if len(facts) > MAX_FACTS:
        raise FactError(f"{len(facts)} facts: expected at most {MAX_FACTS} per entity in one request", field=field)
    for key, value in facts.items():
        validate_key(key, field=field)
        problem = _value_ok(value, 0)
        if not problem and isinstance(value, list | dict) and len(orjson.dumps(value)) > MAX_VALUE_BYTES:
            problem = f"a value is at most {MAX_VALUE_BYTES} bytes as JSON"
        if problem:
            raise FactError(f"value of {key!r}: {problem}", field=f"{field}.{key}")
    return facts


def parse(source: Source) -> ParsedReport:
    data = expect_object(load(source, 'a JSON facts document ({"facts": {...}})'), source,
                         'a JSON facts document ({"facts": {...}})')
    if "facts" not in data:
        raise ReportError('no "facts": expected {"facts": {"key": value}}', filename=source.filename, field="facts")
    try:
        facts = validate_facts(data["facts"])
    except FactError as exc:
        raise ReportError(exc.message, filename=source.filename, field=exc.field) from None
    observed = None
    if data.get("observedAt") is not None:
        observed = timestamp_from_iso(data["observedAt"])
        if observed is None:
            raise ReportError("expected an ISO 8601 time, e.g. 2026-01-31T10:00:00Z", filename=source.filename,
                              field="observedAt")
    return ParsedReport(facts=dict(facts), observed_at=observed, summary=f"JSON: {len(facts)} facts", format="json")
