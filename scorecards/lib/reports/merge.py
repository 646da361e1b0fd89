"""Several reports of one format as one: CI often writes one file per module or test class
(Maven's TEST-*.xml, a coverage file per package, a scan per image).

Counts are added up (coverage lines and branches, then the percentages recomputed from the sums;
vulnerability counts; test counts); SLO lists are joined; JSON facts are merged, a later file
winning a key. The observation time is the latest one given.
"""

from scorecards.lib.reports.base import ParsedReport, percent
from scorecards.lib.reports.jsondoc import SEVERITIES, vulnerability_facts, vulnerability_summary

COVERAGE = ("cobertura", "jacoco", "lcov")
SCANS = ("sarif", "trivy", "grype")


def _coverage(reports: list[ParsedReport]) -> dict:
    lines = sum(r.facts["coverage.lines_total"] for r in reports)
    covered = sum(r.facts["coverage.lines_covered"] for r in reports)
    branches = sum(r.details.get("branches_total", 0) for r in reports)
    branches_covered = sum(r.details.get("branches_covered", 0) for r in reports)
    facts = {"coverage.lines_total": lines, "coverage.lines_covered": covered,
             "coverage.line_percent": percent(covered, lines)}
    if branches:
        facts["coverage.branch_percent"] = percent(branches_covered, branches)
    return facts


def _scans(reports: list[ParsedReport]) -> dict:
    counts = {s: sum(r.facts[f"vulnerabilities.{s}"] for r in reports) for s in SEVERITIES}
    tools = list(dict.fromkeys(t.strip() for r in reports for t in str(r.facts["scan.tool"]).split(",")))
    return vulnerability_facts(counts, ", ".join(tools))


def _tests(reports: list[ParsedReport]) -> dict:
    keys = ("tests.total", "tests.failed", "tests.errors", "tests.skipped", "tests.integration")
    facts = {k: sum(r.facts[k] for r in reports) for k in keys}
    facts["tests.integration_present"] = facts["tests.integration"] > 0
    return facts


def _slos(reports: list[ParsedReport]) -> dict:
    names = [n for r in reports for n in r.facts["slo.names"]]
    return {"slo.count": len(names), "slo.names": names,
            "slo.objectives": [o for r in reports for o in r.facts["slo.objectives"]],
            "slo.alert_policies": sum(r.facts["slo.alert_policies"] for r in reports)}


def merge_reports(reports: list[ParsedReport]) -> ParsedReport:
    """One ParsedReport for reports that all have the same format (the caller checks that)."""
    if len(reports) == 1:
        return reports[0]
    fmt = reports[0].format
    if fmt in COVERAGE:
        facts = _coverage(reports)
        summary = f"{len(reports)} {fmt} reports: {facts['coverage.line_percent']}% of " \
                  f"{facts['coverage.lines_total']} lines covered"
    elif fmt in SCANS:
        facts = _scans(reports)
        summary = vulnerability_summary(f"{len(reports)} {fmt} reports", facts)
    elif fmt == "junit":
        facts = _tests(reports)
        summary = (f"{len(reports)} JUnit reports: {facts['tests.total']} tests, {facts['tests.failed']} failed, "
                   f"{facts['tests.errors']} errors, {facts['tests.skipped']} skipped, "
                   f"{facts['tests.integration']} integration")
    elif fmt == "openslo":
        facts = _slos(reports)
        summary = f"{len(reports)} OpenSLO files: {facts['slo.count']} SLOs"
    else:
        facts = {k: v for r in reports for k, v in r.facts.items()}
        summary = f"{len(reports)} JSON files: {len(facts)} facts"
    times = [r.observed_at for r in reports if r.observed_at is not None]
    return ParsedReport(facts=facts, observed_at=max(times) if times else None, summary=summary, format=fmt)
