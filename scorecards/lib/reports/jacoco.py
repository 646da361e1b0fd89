"""JaCoCo XML (`jacoco:report`, Gradle's jacocoTestReport).

The totals are the `<counter>` elements that are direct children of `<report>`: LINE gives the
lines (missed + covered), BRANCH the branches (reported only when the code has branches).
`<sessioninfo dump="...">` (milliseconds) is when coverage was measured: the latest one is used.
JaCoCo writes a DOCTYPE naming its external DTD; it is accepted and never read (xmlstream).
"""

from scorecards.lib.reports.base import ParsedReport, Source, number, percent, timestamp_from_epoch
from scorecards.lib.reports.xmlstream import Handler, expect_root, stream


class _Jacoco(Handler):
    wanted = frozenset({"sessioninfo", "counter"})

    def __init__(self, filename: str):
        super().__init__(filename)
        self.counters: dict[str, tuple[int, int]] = {}
        self.dumped = None

    def on_start(self, name: str, attrib: dict) -> None:
        depth = len(self.stack)
        if depth == 1:
            expect_root(self, name, ("report",), "a JaCoCo XML report")
        elif depth == 2 and name == "sessioninfo":
            dumped = timestamp_from_epoch(attrib.get("dump"))
            if dumped and (self.dumped is None or dumped > self.dumped):
                self.dumped = dumped
        elif depth == 2 and name == "counter":
            kind = attrib.get("type", "")
            missed = number(attrib.get("missed"), filename=self.filename, line=self.line,
                            field=f"<counter type={kind!r}> missed", integer=True)
            covered = number(attrib.get("covered"), filename=self.filename, line=self.line,
                             field=f"<counter type={kind!r}> covered", integer=True)
            self.counters[kind] = (missed, covered)


def parse(source: Source) -> ParsedReport:
    handler = _Jacoco(source.filename)
    stream(source, handler)
    if "LINE" not in handler.counters:
        raise handler.error("no report-level <counter type=\"LINE\">: expected JaCoCo's totals as direct "
                            "children of <report>", field="<report>")
    missed, covered = handler.counters["LINE"]
    total = missed + covered
    facts: dict[str, object] = {"coverage.lines_total": total, "coverage.lines_covered": covered,
                                "coverage.line_percent": percent(covered, total)}
    b_missed, b_covered = handler.counters.get("BRANCH", (0, 0))
    if b_missed + b_covered:
        facts["coverage.branch_percent"] = percent(b_covered, b_missed + b_covered)
    summary = f"JaCoCo: {facts['coverage.line_percent']}% of {total} lines covered"
    if "coverage.branch_percent" in facts:
        summary += f", {facts['coverage.branch_percent']}% of branches"
    return ParsedReport(facts=facts, observed_at=handler.dumped, summary=summary, format="jacoco",
                        details={"branches_total": b_missed + b_covered, "branches_covered": b_covered})
