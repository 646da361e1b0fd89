"""JUnit XML (Maven Surefire/Failsafe, Gradle, pytest --junitxml, Jest/Vitest junit reporters, go-junit-report).

Counted from the `<testcase>` elements (the suites' own attributes disagree between tools):
total = test cases; failed = those with `<failure>`; errors = those with `<error>`; skipped =
those with `<skipped>` (a case with several counts in each kind it has).

Integration tests (`tests.integration`): a test case is one when any of its suite's name, its
classname, its name or its file (the case's `file`, else the suite's) matches the rule:
- contains "integration" in any case (`integration/test_api.py`, `OrdersIntegrationTest`,
  `tests.integration.test_db`), or
- has a path or package segment `it` or `integration-test(s)` (`src/it/...`, `com.acme.it.OrdersTest`), or
- has a suite or class name that ends in `IT` or `ITCase` (Maven Failsafe's convention: `OrdersIT`),
  case-sensitive (not applied to test names: a method `splitIT` is not an integration test).
`tests.integration_present` is true when at least one is.
The first suite's `timestamp` is when the tests ran (a time without zone is taken as UTC).
"""

import re

from scorecards.lib.reports.base import ParsedReport, Source, timestamp_from_iso
from scorecards.lib.reports.xmlstream import Handler, expect_root, stream

WORD = re.compile(r"integration", re.IGNORECASE)
SEGMENT = re.compile(r"(?:^|[/\\.])(?:it|integration-tests?)(?:[/\\.]|$)", re.IGNORECASE)
CLASS_SUFFIX = re.compile(r"(?:^|[.$/\\])[A-Za-z0-9_]*[a-z0-9_](?:IT|ITCase)(?:$|[.$])")


def is_integration(*, suite: str = "", classname: str = "", name: str = "", file: str = "") -> bool:
    """The rule above; the IT suffix is a class naming convention, so it is not applied to test names."""
    if any(WORD.search(t) or SEGMENT.search(t) for t in (suite, classname, name, file) if t):
        return True
    return any(CLASS_SUFFIX.search(t) for t in (suite, classname) if t)


class _Junit(Handler):
    wanted = frozenset({"testsuite", "testcase", "failure", "error", "skipped"})

    def __init__(self, filename: str):
        super().__init__(filename)
        self.suites: list[dict] = []
        self.case: dict | None = None
        self.total = self.failed = self.errors = self.skipped = self.integration = 0
        self.timestamp = None

    def on_start(self, name: str, attrib: dict) -> None:
        if len(self.stack) == 1:
            expect_root(self, name, ("testsuites", "testsuite"), "a JUnit XML report")
        if name == "testsuite":
            self.suites.append(attrib)
            if self.timestamp is None:
                self.timestamp = timestamp_from_iso(attrib.get("timestamp"))
        elif name == "testcase":
            suite = self.suites[-1] if self.suites else {}
            self.case = {"kinds": set(), "integration": is_integration(
                suite=suite.get("name", ""), classname=attrib.get("classname", ""), name=attrib.get("name", ""),
                file=attrib.get("file", "") or suite.get("file", ""))}
        elif self.case is not None and name in ("failure", "error", "skipped") and self.stack[-2] == "testcase":
            self.case["kinds"].add(name)

    def on_end(self, name: str) -> None:
        if name == "testsuite" and self.suites:
            self.suites.pop()
        elif name == "testcase" and self.case is not None:
            kinds = self.case["kinds"]
            self.total += 1
            self.failed += "failure" in kinds
            self.errors += "error" in kinds
            self.skipped += "skipped" in kinds
            self.integration += self.case["integration"]
            self.case = None


def parse(source: Source) -> ParsedReport:
    handler = _Junit(source.filename)
    stream(source, handler)
    facts = {"tests.total": handler.total, "tests.failed": handler.failed, "tests.errors": handler.errors,
             "tests.skipped": handler.skipped, "tests.integration": handler.integration,
             "tests.integration_present": handler.integration > 0}
    summary = (f"JUnit: {handler.total} tests, {handler.failed} failed, {handler.errors} errors, "
               f"{handler.skipped} skipped, {handler.integration} integration")
    return ParsedReport(facts=facts, observed_at=handler.timestamp, summary=summary, format="junit")
