"""Grype JSON (`grype <image> -o json`).

Every entry of `matches[]` counts once by `vulnerability.severity` (Critical, High, Medium, Low,
Negligible, Unknown): Negligible counts as low (the scale has no lower step). `descriptor.timestamp`
is when the scan ran.
"""

from scorecards.lib.reports.base import ParsedReport, ReportError, Source, timestamp_from_iso
from scorecards.lib.reports.jsondoc import expect_list, expect_object, load, vulnerability_facts, vulnerability_summary

SEVERITY = {"critical": "critical", "high": "high", "medium": "medium", "low": "low", "negligible": "low",
            "unknown": "unknown"}


def parse(source: Source) -> ParsedReport:
    data = expect_object(load(source, "a Grype JSON report"), source, "a Grype JSON report")
    if "matches" not in data:
        raise ReportError("no matches: expected a Grype JSON report ({\"matches\": [...], \"descriptor\": ...})",
                          filename=source.filename, field="matches")
    counts: dict[str, int] = {}
    for m, match in enumerate(expect_list(data.get("matches"), source, "matches", "matches")):
        vuln = match.get("vulnerability") if isinstance(match, dict) else None
        severity = vuln.get("severity", "Unknown") if isinstance(vuln, dict) else None
        if not isinstance(severity, str) or severity.lower() not in SEVERITY:
            raise ReportError(f"severity {str(severity)[:20]!r}: expected Critical, High, Medium, Low, Negligible "
                              "or Unknown", filename=source.filename, field=f"matches[{m}].vulnerability.severity")
        key = SEVERITY[severity.lower()]
        counts[key] = counts.get(key, 0) + 1
    descriptor = data.get("descriptor") if isinstance(data.get("descriptor"), dict) else {}
    facts = vulnerability_facts(counts, "grype")
    return ParsedReport(facts=facts, observed_at=timestamp_from_iso(descriptor.get("timestamp")),
                        summary=vulnerability_summary("Grype", facts), format="grype")
