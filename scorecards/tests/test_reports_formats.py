"""Each parser against sample reports written like the real tools' output; the expected numbers were
counted by hand from the files (see the comments)."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scorecards.lib.reports import FORMATS, ReportError, detect_format, parse_report
from scorecards.lib.reports.junit import is_integration
from scorecards.lib.reports.merge import merge_reports
from scorecards.lib.reports.sarif import severity_of_score

CORPUS = Path(__file__).parent / "reports"
VULNS = ("critical", "high", "medium", "low", "unknown", "total")


def vulns(tool: str, *counts: int) -> dict:
    return {**{f"vulnerabilities.{s}": n for s, n in zip(VULNS, counts, strict=True)}, "scan.present": True,
            "scan.tool": tool}


CASES = [
    # 12 <line>s, 9 with hits > 0; root totals agree; branches 3 of 4 (root branches-*).
    ("cobertura-coveragepy.xml", "cobertura", {
        "coverage.lines_total": 12, "coverage.lines_covered": 9, "coverage.line_percent": 75.0,
        "coverage.branch_percent": 75.0}, datetime(2026, 1, 1, tzinfo=UTC)),
    # No lines-valid: the class's 3 lines are counted (not the <method> copies); 1/2 conditions.
    ("cobertura-legacy-java.xml", "cobertura", {
        "coverage.lines_total": 3, "coverage.lines_covered": 2, "coverage.line_percent": 66.67,
        "coverage.branch_percent": 50.0}, datetime(2026, 1, 1, tzinfo=UTC)),
    # Report-level LINE missed=6 covered=10, BRANCH 4/4 (the package and class counters are ignored).
    ("jacoco.xml", "jacoco", {
        "coverage.lines_total": 16, "coverage.lines_covered": 10, "coverage.line_percent": 62.5,
        "coverage.branch_percent": 50.0}, datetime(2026, 1, 1, tzinfo=UTC)),
    # cart.ts LF 5 LH 3 BRF 2 BRH 1; price.ts no totals: 3 DA all hit, 2 BRDA one taken ("-" is not).
    ("lcov.info", "lcov", {
        "coverage.lines_total": 8, "coverage.lines_covered": 6, "coverage.line_percent": 75.0,
        "coverage.branch_percent": 50.0}, None),
    # 10 results: 9.8 critical; 8.8 x2 and 7.5 (level ignored) high; no rule -> warning -> medium;
    # result's own 3.1 and a note rule -> low; suppressed, kind=pass and baselineState=absent skipped.
    ("codeql.sarif", "sarif", vulns("CodeQL", 1, 3, 1, 1 + 1, 0, 7),
     datetime(2026, 1, 5, 10, 3, 40, 123456, tzinfo=UTC)),
    # libc6 + libc-bin + gunicorn HIGH, zlib CRITICAL, apt LOW, bash UNKNOWN, requests MEDIUM; the
    # Dockerfile misconfiguration is not a vulnerability.
    ("trivy.json", "trivy", vulns("trivy", 1, 3, 1, 1, 1, 7), datetime(2026, 1, 6, 8, 15, 2, 482591, tzinfo=UTC)),
    # Critical, High, Medium, Negligible (-> low), Low, Unknown.
    ("grype.json", "grype", vulns("grype", 1, 1, 1, 2, 1, 6), datetime(2026, 1, 7, 11, 20, 33, 918273, tzinfo=UTC)),
    # 7 cases: 1 <failure>, 1 <error>, 1 <skipped>; tests.integration.test_postgres x2 are integration.
    ("junit-pytest.xml", "junit", {
        "tests.total": 7, "tests.failed": 1, "tests.errors": 1, "tests.skipped": 1, "tests.integration": 2,
        "tests.integration_present": True}, datetime(2026, 1, 5, 10, 12, 33, 118204, tzinfo=UTC)),
    # QueryIT x2 (IT suffix) and com.acme.search.it.ClusterTest (it package) are; a method splitIT is not.
    ("junit-maven.xml", "junit", {
        "tests.total": 6, "tests.failed": 0, "tests.errors": 0, "tests.skipped": 1, "tests.integration": 3,
        "tests.integration_present": True}, datetime(2026, 1, 7, 12, 0, 5, tzinfo=UTC)),
    # Two SLOs (the Service and AlertPolicy documents are not), three objectives (99 % -> 0.99);
    # one inline alert policy + one AlertPolicy document.
    ("openslo-v1.yaml", "openslo", {
        "slo.count": 2, "slo.names": ["payment-availability", "payment-latency"],
        "slo.objectives": [{"slo": "payment-availability", "name": "Monthly availability", "target": 0.999},
                           {"slo": "payment-latency", "name": "p99 under 300 ms", "target": 0.99},
                           {"slo": "payment-latency", "name": "p99 under 800 ms", "target": 0.9995}],
        "slo.alert_policies": 2}, None),
    ("openslo-v1alpha.yaml", "openslo", {
        "slo.count": 1, "slo.names": ["search-availability"],
        "slo.objectives": [{"slo": "search-availability", "name": "Good answers", "target": 0.995}],
        "slo.alert_policies": 0}, None),
    ("facts.json", "json", {
        "cost.labels_present": True, "runbook.url": "https://wiki.example.com/runbooks/payment-service",
        "oncall.rotation": "payments-primary", "deploys.last_30d": 42, "dora.lead_time_hours": 6.5,
        "owners.extra": ["alice", "bob"], "build.info": {"image": "payment-service:1.42.0", "reproducible": True}},
     datetime(2026, 1, 8, 7, 30, tzinfo=UTC)),
]


@pytest.mark.parametrize(("name", "fmt", "facts", "observed"), CASES, ids=[c[0] for c in CASES])
def test_corpus_reports_give_the_counted_facts(name, fmt, facts, observed):
    data = (CORPUS / name).read_bytes()
    declared = parse_report(format=fmt, data=data, filename=name)
    assert declared.facts == facts
    assert declared.observed_at == observed
    assert declared.format == fmt and declared.summary
    detected = parse_report(data=io.BytesIO(data), filename="")  # detected from the content alone, streamed
    assert detected.facts == facts and detected.format == fmt


def test_every_format_has_a_sample():
    assert {c[1] for c in CASES} == set(FORMATS)


@pytest.mark.parametrize(("score", "severity"), [
    (10, "critical"), (9.0, "critical"), (8.9, "high"), (7.0, "high"), (6.9, "medium"), (4.0, "medium"),
    (3.9, "low"), (0.1, "low"), (0, "unknown")])
def test_sarif_security_severity_follows_github_code_scanning(score, severity):
    assert severity_of_score(score) == severity


def test_sarif_levels_and_extension_rules():
    log = b"""{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Semgrep", "rules": []},
      "extensions": [{"name": "pack", "rules": [{"id": "x", "properties": {"security-severity": "9.1"}}]}]},
      "results": [{"ruleId": "x", "rule": {"index": 0, "toolComponent": {"index": 0}}},
                  {"ruleId": "a", "level": "error"}, {"ruleId": "b", "level": "none"},
                  {"ruleId": "c", "level": "note"}]}]}"""
    facts = parse_report(format="sarif", data=log, filename="semgrep.sarif").facts
    assert facts == vulns("Semgrep", 1, 1, 0, 1, 1, 4)


def test_sarif_with_no_results_is_a_clean_scan():
    facts = parse_report(data=b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy"}}, "results": []}]}',
                         filename="trivy.sarif").facts
    assert facts == vulns("Trivy", 0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"classname": "tests.integration.test_db"}, True),
    ({"file": "src/it/java/OrdersTest.java"}, True),
    ({"classname": "com.acme.it.OrdersTest"}, True),
    ({"classname": "com.acme.OrdersIT"}, True),
    ({"suite": "com.acme.OrdersITCase"}, True),
    ({"name": "test_IntegrationWithStripe"}, True),
    ({"suite": "integration-tests"}, True),
    ({"classname": "com.acme.OrdersTest", "name": "splitIT"}, False),  # IT suffix is for classes
    ({"classname": "tests.unit.test_audit"}, False),  # "audit" ends in "it", lower case
    ({"classname": "com.acme.SPLIT"}, False),
    ({"name": "it works"}, False),
])
def test_integration_rule(kwargs, expected):
    assert is_integration(**kwargs) is expected


def test_junit_single_testsuite_root_and_multiple_outcomes():
    xml = b"""<testsuite name="e2e" tests="2"><testcase classname="a.B" name="x"><failure/><error/></testcase>
    <testcase classname="a.B" name="y"><skipped/></testcase></testsuite>"""
    facts = parse_report(format="junit", data=xml, filename="TEST-e2e.xml").facts
    assert facts == {"tests.total": 2, "tests.failed": 1, "tests.errors": 1, "tests.skipped": 1,
                     "tests.integration": 0, "tests.integration_present": False}


def test_cobertura_without_branches_reports_no_branch_percent():
    xml = b"""<coverage line-rate="0.5" branch-rate="0" lines-valid="4" lines-covered="2" branches-valid="0"
      branches-covered="0" timestamp="1767225600"><packages/></coverage>"""
    facts = parse_report(format="cobertura", data=xml, filename="c.xml").facts
    assert facts == {"coverage.lines_total": 4, "coverage.lines_covered": 2, "coverage.line_percent": 50.0}


def test_trivy_old_list_format_and_grype_without_matches_fields():
    old = b'[{"Target": "x", "Vulnerabilities": [{"VulnerabilityID": "CVE-1", "Severity": "HIGH"}]}]'
    assert parse_report(format="trivy", data=old, filename="t.json").facts["vulnerabilities.high"] == 1
    assert parse_report(format="grype", data=b'{"matches": []}', filename="g.json").facts[
        "vulnerabilities.total"] == 0


@pytest.mark.parametrize(("head", "filename", "fmt"), [
    (b'\xef\xbb\xbf  <?xml version="1.0"?><!-- c --><coverage>', "", "cobertura"),
    (b'<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report>', "",
     "jacoco"),
    (b"<testsuites>", "", "junit"),
    (b"<ns:testsuite xmlns:ns='x'>", "", "junit"),
    (b"TN:\nSF:a.c\n", "", "lcov"),
    (b'{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": []}', "", "sarif"),
    (b'{"SchemaVersion": 2, "Results": []}', "", "trivy"),
    (b'{"matches": []}', "", "grype"),
    (b'{"facts": {}}', "", "json"),
    (b"# comment\napiVersion: openslo/v1\nkind: SLO\n", "", "openslo"),
    (b"garbage", "scan.sarif", "sarif"),
    (b"garbage", "x.bin", ""),
])
def test_format_detection(head, filename, fmt):
    assert detect_format(head, filename) == fmt


def test_undetectable_report_asks_for_the_format():
    with pytest.raises(ReportError, match="cannot tell the report's format"):
        parse_report(data=b"hello world", filename="x.txt")


def _parsed(*names: str):
    return [parse_report(data=(CORPUS / n).read_bytes(), filename=n) for n in names]


def test_merged_reports_add_up():
    junit = merge_reports(_parsed("junit-pytest.xml", "junit-maven.xml"))
    assert junit.facts == {"tests.total": 13, "tests.failed": 1, "tests.errors": 1, "tests.skipped": 2,
                           "tests.integration": 5, "tests.integration_present": True}
    assert junit.observed_at == datetime(2026, 1, 7, 12, 0, 5, tzinfo=UTC)  # the latest
    # 12 + 3 lines, 9 + 2 covered; branches 4 + 2, 3 + 1 covered: percentages from the sums
    coverage = merge_reports(_parsed("cobertura-coveragepy.xml", "cobertura-legacy-java.xml"))
    assert coverage.facts == {"coverage.lines_total": 15, "coverage.lines_covered": 11,
                              "coverage.line_percent": 73.33, "coverage.branch_percent": 66.67}
    scans = merge_reports(_parsed("trivy.json", "trivy.json"))
    assert scans.facts == vulns("trivy", 2, 6, 2, 2, 2, 14)
    slos = merge_reports(_parsed("openslo-v1.yaml", "openslo-v1alpha.yaml"))
    assert slos.facts["slo.count"] == 3 and slos.facts["slo.names"][-1] == "search-availability"
    assert len(slos.facts["slo.objectives"]) == 4 and slos.facts["slo.alert_policies"] == 2
    single = _parsed("lcov.info")
    assert merge_reports(single) is single[0]
