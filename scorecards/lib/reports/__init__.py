"""Parsers for the reports CI tools already produce, turned into scorecard facts.

    parse_report(format="cobertura", data=b"...", filename="coverage.xml") -> ParsedReport

`format` is one of FORMATS; when it is omitted the format is detected from the content (the XML
root element, the JSON keys, lcov's records, OpenSLO's apiVersion) and then the file name. A report
declared as one format that is another is refused, naming what it looks like.

The fact keys are the contract the scoring engine's checks read:
- coverage (cobertura, jacoco, lcov): coverage.line_percent, coverage.branch_percent (when the
  report measured branches), coverage.lines_total, coverage.lines_covered;
- vulnerability scans (sarif, trivy, grype): vulnerabilities.critical|high|medium|low|unknown|total,
  scan.present (true), scan.tool;
- test reports (junit): tests.total|failed|errors|skipped, tests.integration,
  tests.integration_present;
- SLO definitions (openslo): slo.count, slo.names, slo.objectives, slo.alert_policies;
- plain JSON (json): {"facts": {...}} as given.
Pure: no database. Size is bounded by `max_bytes` (PAVED_FACTS_MAX_REPORT_BYTES by default).
"""

import re

from django.conf import settings

from scorecards.lib.reports import cobertura, grype, jacoco, jsonfacts, junit, lcov, openslo, sarif, trivy
from scorecards.lib.reports.base import ParsedReport, ReportError, ReportTooLarge, Source

FORMATS = {
    "cobertura": cobertura.parse,
    "jacoco": jacoco.parse,
    "lcov": lcov.parse,
    "sarif": sarif.parse,
    "trivy": trivy.parse,
    "grype": grype.parse,
    "junit": junit.parse,
    "openslo": openslo.parse,
    "json": jsonfacts.parse,
}
HEAD_BYTES = 8192
XML_ROOTS = {"coverage": "cobertura", "report": "jacoco", "testsuites": "junit", "testsuite": "junit"}
_PROLOG = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_EXTENSIONS = {".sarif": "sarif", ".info": "lcov", ".lcov": "lcov", ".yaml": "openslo", ".yml": "openslo"}

__all__ = ["FORMATS", "ParsedReport", "ReportError", "ReportTooLarge", "detect_format", "parse_report"]


def _json_format(head: bytes) -> str:
    lowered = head.lower()
    if b'"runs"' in head and (b"sarif" in lowered or b'"version"' in head):
        return "sarif"
    if b'"SchemaVersion"' in head or b'"ArtifactName"' in head:
        return "trivy"
    if b'"matches"' in head:
        return "grype"
    if b'"facts"' in head:
        return "json"
    return ""


def _sniff(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        match = _ROOT.search(_PROLOG.sub(b"", text))
        return XML_ROOTS.get(match.group(1).decode("ascii", "replace"), "") if match else ""
    if text[:1] in (b"{", b"["):
        return _json_format(text)
    if re.match(rb"(?:TN|SF):", text):
        return "lcov"
    if re.search(rb"^apiVersion:\s*['\"]?openslo/", text, re.MULTILINE):
        return "openslo"
    return ""


def detect_format(head: bytes, filename: str = "") -> str:
    """The format of a report from its first bytes (and its file name as a last resort); '' if unknown."""
    found = _sniff(head)
    if found:
        return found
    lowered = filename.lower()
    for extension, fmt in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return fmt
    return ""


def parse_report(*, format: str | None = None, data, filename: str = "", max_bytes: int | None = None) -> ParsedReport:
    """Parse one report; ReportError (ReportTooLarge for size) says what is wrong, where."""
    limit = settings.PAVED_FACTS_MAX_REPORT_BYTES if max_bytes is None else max_bytes
    name = (filename or "").strip()[:255] or "the report"
    source = Source(data, filename=name, max_bytes=limit)
    head = source.head(HEAD_BYTES)
    declared = (format or "").strip().lower()
    if not head.strip() and len(head) < HEAD_BYTES:  # (a longer run of blanks goes on to the parser)
        raise ReportError("empty report: expected the report's content", filename=name)
    if declared:
        if declared not in FORMATS:
            raise ReportError(f"unknown format {declared[:40]!r}: expected one of {', '.join(FORMATS)}",
                              filename=name, field="format")
        looks = _sniff(head)
        if looks and looks != declared and not (declared == "json" and looks in ("sarif", "trivy", "grype")):
            raise ReportError(f"declared as {declared} but it looks like a {looks} report: expected a {declared} "
                              "report (check the format parameter, or leave it out to detect it)",
                              filename=name, field="format")
        fmt = declared
    else:
        fmt = detect_format(head, name)
        if not fmt:
            raise ReportError(f"cannot tell the report's format: pass format= one of {', '.join(FORMATS)}",
                              filename=name, field="format")
    parsed = FORMATS[fmt](source)
    parsed.format = fmt
    return parsed
