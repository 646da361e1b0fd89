"""Reading JSON reports: once, bounded, with the line of a syntax error; and the shared shape of
vulnerability facts (SARIF, Trivy and Grype all end in the same counts).

orjson refuses what the JSON standard refuses (NaN, Infinity, trailing commas) and nesting deeper
than 1024; the bytes are read once (bounded by the size limit) and parsed once.
"""

import re

import orjson

from scorecards.lib.reports.base import ReportError, Source

NON_SPACE = re.compile(rb"\S")
SEVERITIES = ("critical", "high", "medium", "low", "unknown")


def load(source: Source, what: str) -> object:
    raw = source.read_all()
    if not NON_SPACE.search(raw):  # a regex, not raw.strip(): no copy of a large report
        raise ReportError(f"empty report: expected {what}", filename=source.filename)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        message = exc.msg if hasattr(exc, "msg") else str(exc)
        line = getattr(exc, "lineno", None)
        raise ReportError(f"malformed JSON ({message}): expected {what}", filename=source.filename,
                          line=line) from None


def expect_object(data: object, source: Source, what: str) -> dict:
    if not isinstance(data, dict):
        raise ReportError(f"expected {what} (a JSON object), got a JSON {type(data).__name__}",
                          filename=source.filename)
    return data


def expect_list(value: object, source: Source, field: str, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReportError(f"expected a list of {what}, got {type(value).__name__}", filename=source.filename,
                          field=field)
    return value


def vulnerability_facts(counts: dict[str, int], tool: str) -> dict[str, object]:
    facts: dict[str, object] = {f"vulnerabilities.{s}": counts.get(s, 0) for s in SEVERITIES}
    facts["vulnerabilities.total"] = sum(counts.get(s, 0) for s in SEVERITIES)
    facts["scan.present"] = True
    facts["scan.tool"] = tool
    return facts


def vulnerability_summary(label: str, facts: dict) -> str:
    parts = ", ".join(f"{facts[f'vulnerabilities.{s}']} {s}" for s in SEVERITIES if facts[f"vulnerabilities.{s}"])
    return f"{label}: {facts['vulnerabilities.total']} vulnerabilities" + (f" ({parts})" if parts else "")
