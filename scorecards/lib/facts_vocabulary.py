"""The facts a check may read: the shared vocabulary of the report parsers, the portal and CI.

Report parsers (scorecards.lib.reports) produce the CI keys; scorecards.services.portal_facts
computes the portal keys from the lower apps. A scorecard file may declare more keys under
`spec.facts` (anything CI posts as plain JSON, keys `[a-z0-9_.-]+`); any other name in an
expression is refused when the file is loaded, so a typo never silently fails every entity.
"""

import re

FACT_KEY = re.compile(r"^[a-z0-9_][a-z0-9_.-]{0,199}$")

# key -> (source, what it holds)
CI_FACTS = {
    "coverage.line_percent": ("report", "Line coverage, 0-100 (Cobertura, JaCoCo, lcov)."),
    "coverage.branch_percent": ("report", "Branch coverage, 0-100 (when the report measured branches)."),
    "coverage.lines_total": ("report", "Lines measured."),
    "coverage.lines_covered": ("report", "Lines covered."),
    "vulnerabilities.critical": ("report", "Critical findings of the last scan (SARIF, Trivy, Grype)."),
    "vulnerabilities.high": ("report", "High findings of the last scan."),
    "vulnerabilities.medium": ("report", "Medium findings of the last scan."),
    "vulnerabilities.low": ("report", "Low findings of the last scan."),
    "vulnerabilities.unknown": ("report", "Findings without a severity."),
    "vulnerabilities.total": ("report", "All findings of the last scan."),
    "scan.present": ("report", "A vulnerability scan was posted (true)."),
    "scan.tool": ("report", "The scanner that produced the last scan."),
    "tests.total": ("report", "Test cases in the last JUnit report."),
    "tests.failed": ("report", "Failed test cases."),
    "tests.errors": ("report", "Test cases that errored."),
    "tests.skipped": ("report", "Skipped test cases."),
    "tests.integration": ("report", "Integration test cases (suites or classes named integration)."),
    "tests.integration_present": ("report", "At least one integration test case."),
    "slo.count": ("report", "SLOs defined (OpenSLO)."),
    "slo.names": ("report", "Names of the SLOs defined."),
    "slo.objectives": ("report", "Objectives over all SLOs."),
    "slo.alert_policies": ("report", "Alert policies defined (OpenSLO)."),
}

PORTAL_FACTS = {
    "owner.ref": ("catalog", "spec.owner as a full ref."),
    "owner.valid": ("catalog", "The owner is a Group with members or an e-mail, or a User with an e-mail."),
    "annotations": ("catalog", "metadata.annotations (read with annotations[\"key\"])."),
    "labels": ("catalog", "metadata.labels (read with labels[\"key\"])."),
    "entity.kind": ("catalog", "The entity's kind, lower case."),
    "entity.type": ("catalog", "spec.type."),
    "entity.lifecycle": ("catalog", "spec.lifecycle."),
    "apis.provided": ("catalog", "How many APIs it provides (spec.providesApis)."),
    "cost.labels": ("catalog", "Which of team, service, environment, cost-center, tier are labelled."),
    "cost.labels_complete": ("catalog", "All five cost attribution labels are present."),
    "alerting.configured": ("catalog", "PagerDuty, Opsgenie or Datadog annotations, or monitors in the repository."),
    "oncall.configured": ("catalog", "A PagerDuty service or Opsgenie team on the entity or its owner."),
    "docs.published": ("techdocs", "TechDocs has a published build."),
    "docs.last_updated": ("techdocs", "Last change of the docs source."),
    "docs.has_runbook": ("techdocs", "A docs page named runbook, or a link titled Runbook."),
    "docs.runbook_updated": ("techdocs", "Last change of the runbook page."),
    "docs.has_adr": ("techdocs", "A docs page named adr or decisions."),
    "docs.has_architecture": ("techdocs", "A docs page named architecture."),
    "docs.has_api_reference": ("techdocs", "A docs page named api or reference."),
    "docs.has_onboarding": ("techdocs", "A docs page named onboarding or getting-started."),
    "scaffolder.from_template": ("scaffolder", "Made from a software template (a golden path)."),
    "scaffolder.template": ("scaffolder", "The template's ref."),
    "scaffolder.versions_behind": ("scaffolder", "0 when on the template's current version, else 1."),
    "git.readme": ("githost", "A README at the root of its repository."),
    "git.ci_workflow": ("githost", "A CI workflow in its repository."),
    "git.last_commit_at": ("githost", "When its repository's default branch last moved."),
}

KNOWN_FACTS = {**CI_FACTS, **PORTAL_FACTS}


def fact_known(path: str, extra: set[str] | frozenset = frozenset()) -> bool:
    """Whether `path` names a known fact (or a key inside a known dict-valued fact)."""
    return path in KNOWN_FACTS or path in extra
