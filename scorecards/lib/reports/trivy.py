"""Trivy JSON (`trivy image|fs|repo --format json`, schema version 2).

Every entry of `Results[].Vulnerabilities[]` counts once by its `Severity` (CRITICAL, HIGH, MEDIUM,
LOW, UNKNOWN), as Trivy's own table totals them (the same CVE in two packages counts twice).
Misconfigurations and secrets are not vulnerabilities and are not counted. `CreatedAt` (Trivy
0.48+) is when the scan ran.
"""

from scorecards.lib.reports.base import ParsedReport, ReportError, Source, timestamp_from_iso
from scorecards.lib.reports.jsondoc import (
    SEVERITIES,
    expect_list,
    expect_object,
    load,
    vulnerability_facts,
    vulnerability_summary,
)


def parse(source: Source) -> ParsedReport:
    data = load(source, "a Trivy JSON report")
    if isinstance(data, list):  # before schema version 2 Trivy wrote the results list alone
        data = {"Results": data}
    data = expect_object(data, source, "a Trivy JSON report")
    if "Results" not in data and "SchemaVersion" not in data:
        raise ReportError("no SchemaVersion or Results: expected a Trivy JSON report "
                          "({\"SchemaVersion\": 2, \"Results\": [...]})", filename=source.filename,
                          field="Results")
    counts: dict[str, int] = {}
    for r, result in enumerate(expect_list(data.get("Results"), source, "Results", "results")):
        if not isinstance(result, dict):
            raise ReportError("expected a result object", filename=source.filename, field=f"Results[{r}]")
        vulns = expect_list(result.get("Vulnerabilities"), source, f"Results[{r}].Vulnerabilities",
                            "vulnerabilities")
        for v, vuln in enumerate(vulns):
            severity = vuln.get("Severity", "UNKNOWN") if isinstance(vuln, dict) else None
            if not isinstance(severity, str) or severity.lower() not in SEVERITIES:
                raise ReportError(f"Severity {str(severity)[:20]!r}: expected CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN",
                                  filename=source.filename, field=f"Results[{r}].Vulnerabilities[{v}].Severity")
            counts[severity.lower()] = counts.get(severity.lower(), 0) + 1
    facts = vulnerability_facts(counts, "trivy")
    return ParsedReport(facts=facts, observed_at=timestamp_from_iso(data.get("CreatedAt")),
                        summary=vulnerability_summary("Trivy", facts), format="trivy")
