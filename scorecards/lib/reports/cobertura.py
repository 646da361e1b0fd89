"""Cobertura XML (coverage.py's `coverage xml`, gcovr, Istanbul's cobertura reporter, Cobertura itself).

The root `<coverage>` carries the totals (`lines-valid`, `lines-covered`, `branches-valid`,
`branches-covered`, `line-rate`, `branch-rate`, `timestamp` in milliseconds). When the totals are
there they are used (the rest of the file is only checked to be well-formed XML); otherwise the
`<line>` elements of each class are counted (a class's `<methods>` repeat some of its lines, so
lines under `<method>` are not counted twice).
Branch coverage is reported only when the report measured branches (branches-valid > 0, or
`condition-coverage` on some line).
"""

import re

from scorecards.lib.reports.base import ParsedReport, Source, number, percent, timestamp_from_epoch
from scorecards.lib.reports.xmlstream import Handler, expect_root, stream

CONDITION = re.compile(r"\((\d+)\s*/\s*(\d+)\)")


class _Cobertura(Handler):
    def __init__(self, filename: str):
        super().__init__(filename)
        self.root: dict = {}
        self.root_line: int | None = None
        self.lines = self.covered = self.branches = self.branches_covered = 0

    def on_start(self, name: str, attrib: dict) -> None:
        if len(self.stack) == 1:
            expect_root(self, name, ("coverage",), "a Cobertura XML report")
            self.root, self.root_line = dict(attrib), self.line
            totals = ("lines-valid", "lines-covered", "branches-valid", "branches-covered")
            # With the totals on the root (coverage.py, Istanbul, gcovr), the lines need no counting.
            if all(t in attrib for t in totals):
                self.detach()
            self.wanted = frozenset({"line"})
            return
        if name != "line" or "method" in self.stack:
            return
        raw = attrib.get("hits", "0")
        # the common case is plain digits; anything else gets the full check and its message
        hits = int(raw) if raw.isdigit() else number(raw, filename=self.filename, line=self.line,
                                                     field="<line> hits", integer=True)
        self.lines += 1
        if hits:
            self.covered += 1
        if attrib.get("branch") == "true":
            match = CONDITION.search(attrib.get("condition-coverage", ""))
            if match:
                covered, total = int(match.group(1)), int(match.group(2))
                if covered > total:
                    raise self.error(f"condition-coverage {covered}/{total}: expected covered <= total",
                                     field="<line> condition-coverage")
                self.branches += total
                self.branches_covered += covered


def _root_int(handler: _Cobertura, name: str) -> int | None:
    raw = handler.root.get(name)
    if raw is None:
        return None
    return number(raw, filename=handler.filename, line=handler.root_line, field=f"<coverage> {name}", integer=True)


def _root_rate(handler: _Cobertura, name: str) -> float | None:
    raw = handler.root.get(name)
    if raw is None:
        return None
    return number(raw, filename=handler.filename, line=handler.root_line, field=f"<coverage> {name}",
                  minimum=0, maximum=1)


def parse(source: Source) -> ParsedReport:
    handler = _Cobertura(source.filename)
    stream(source, handler)
    valid, covered = _root_int(handler, "lines-valid"), _root_int(handler, "lines-covered")
    line_rate, branch_rate = _root_rate(handler, "line-rate"), _root_rate(handler, "branch-rate")
    if valid is None or covered is None:
        valid, covered = handler.lines, handler.covered
    if covered > valid:
        raise handler.error(f"lines-covered ({covered}) is more than lines-valid ({valid}): expected at most "
                            "lines-valid", field="<coverage> lines-covered")
    facts: dict[str, object] = {"coverage.lines_total": valid, "coverage.lines_covered": covered}
    if valid:
        facts["coverage.line_percent"] = percent(covered, valid)
    elif line_rate is not None:
        facts["coverage.line_percent"] = round(line_rate * 100, 2)
    else:
        facts["coverage.line_percent"] = 0.0
    b_valid, b_covered = _root_int(handler, "branches-valid"), _root_int(handler, "branches-covered")
    if b_valid is None or b_covered is None:
        b_valid, b_covered = handler.branches, handler.branches_covered
    if b_covered > b_valid:
        raise handler.error(f"branches-covered ({b_covered}) is more than branches-valid ({b_valid})",
                            field="<coverage> branches-covered")
    if b_valid:
        facts["coverage.branch_percent"] = percent(b_covered, b_valid)
    elif branch_rate and "branches-valid" not in handler.root:
        facts["coverage.branch_percent"] = round(branch_rate * 100, 2)
    summary = f"Cobertura: {facts['coverage.line_percent']}% of {valid} lines covered"
    if "coverage.branch_percent" in facts:
        summary += f", {facts['coverage.branch_percent']}% of branches"
    return ParsedReport(facts=facts, observed_at=timestamp_from_epoch(handler.root.get("timestamp")),
                        summary=summary, format="cobertura",
                        details={"branches_total": b_valid, "branches_covered": b_covered})
