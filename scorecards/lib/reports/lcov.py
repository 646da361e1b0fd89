"""lcov tracefiles (`lcov --capture`, `genhtml` input, Istanbul/nyc/c8/Jest's `lcov.info`).

Read line by line (streamed). Per source file (`SF:` ... `end_of_record`) the `LF:`/`LH:` totals are
used when present, otherwise the `DA:<line>,<hits>` records are counted; branches likewise from
`BRF:`/`BRH:` or the `BRDA:` records (`-` means never taken). Unknown record types are ignored, as
lcov's own tools do. An lcov file carries no time.
"""

from scorecards.lib.reports.base import ParsedReport, ReportError, Source, number, percent

MAX_LINE = 64 * 1024


class _File:
    __slots__ = ("lf", "lh", "brf", "brh", "da", "da_hit", "brda", "brda_hit")

    def __init__(self):
        self.lf = self.lh = self.brf = self.brh = None
        self.da = self.da_hit = self.brda = self.brda_hit = 0


def _lines(source: Source):
    """(line number, text) of each line, decoded, streamed chunk by chunk."""
    pending = b""
    lineno = 0
    for chunk in source.chunks():
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            lineno += 1
            yield lineno, _decode(raw, source, lineno)
        if len(pending) > MAX_LINE:
            raise ReportError(f"a line longer than {MAX_LINE:,} bytes: expected an lcov tracefile",
                              filename=source.filename, line=lineno + 1)
    if pending:
        yield lineno + 1, _decode(pending, source, lineno + 1)


def _decode(raw: bytes, source: Source, lineno: int) -> str:
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ReportError("not UTF-8 text: expected an lcov tracefile", filename=source.filename,
                          line=lineno) from None


def parse(source: Source) -> ParsedReport:
    name = source.filename
    files = 0
    current: _File | None = None
    totals = {"lines": 0, "covered": 0, "branches": 0, "branches_covered": 0}
    seen_record = False

    def whole(raw: str, lineno: int, field: str) -> int:
        return number(raw, filename=name, line=lineno, field=field, integer=True)

    def close(file: _File, lineno: int) -> None:
        lines = file.lf if file.lf is not None else file.da
        covered = file.lh if file.lh is not None else file.da_hit
        branches = file.brf if file.brf is not None else file.brda
        branches_hit = file.brh if file.brh is not None else file.brda_hit
        if covered > lines:
            raise ReportError(f"LH ({covered}) is more than LF ({lines}): expected lines hit <= lines found",
                              filename=name, line=lineno, field="LH")
        if branches_hit > branches:
            raise ReportError(f"BRH ({branches_hit}) is more than BRF ({branches})", filename=name,
                              line=lineno, field="BRH")
        totals["lines"] += lines
        totals["covered"] += covered
        totals["branches"] += branches
        totals["branches_covered"] += branches_hit

    for lineno, text in _lines(source):
        if not text:
            continue
        tag, sep, value = text.partition(":")
        if text == "end_of_record":
            if current is None:
                raise ReportError("end_of_record without SF: expected SF:<path> first", filename=name,
                                  line=lineno)
            close(current, lineno)
            current = None
            continue
        if not sep:
            raise ReportError(f"unexpected line {text[:60]!r}: expected RECORD:value lines of an lcov tracefile",
                              filename=name, line=lineno)
        seen_record = True
        if tag == "SF":
            if current is not None:
                raise ReportError("SF: before the previous file's end_of_record", filename=name, line=lineno)
            current = _File()
            files += 1
            continue
        if current is None:
            if tag in ("DA", "LF", "LH", "BRDA", "BRF", "BRH"):
                raise ReportError(f"{tag}: outside a file record: expected SF:<path> first", filename=name,
                                  line=lineno)
            continue  # TN: and records lcov tools ignore
        if tag == "DA":
            parts = value.split(",")
            if len(parts) < 2:
                raise ReportError("expected DA:<line>,<hits>", filename=name, line=lineno, field="DA")
            whole(parts[0], lineno, "DA line")
            hits = whole(parts[1], lineno, "DA hits")
            current.da += 1
            current.da_hit += 1 if hits > 0 else 0
        elif tag == "BRDA":
            parts = value.split(",")
            if len(parts) != 4:
                raise ReportError("expected BRDA:<line>,<block>,<branch>,<taken>", filename=name, line=lineno,
                                  field="BRDA")
            current.brda += 1
            if parts[3].strip() != "-" and whole(parts[3], lineno, "BRDA taken") > 0:
                current.brda_hit += 1
        elif tag in ("LF", "LH", "BRF", "BRH"):
            setattr(current, tag.lower(), whole(value, lineno, tag))
    if current is not None:
        raise ReportError("the last file has no end_of_record: expected a complete lcov tracefile (truncated?)",
                          filename=name, field="end_of_record")
    if not seen_record or not files:
        raise ReportError("no SF: records: expected an lcov tracefile (SF:, DA:, LF:, LH:, end_of_record)",
                          filename=name)
    facts: dict[str, object] = {"coverage.lines_total": totals["lines"], "coverage.lines_covered": totals["covered"],
                                "coverage.line_percent": percent(totals["covered"], totals["lines"])}
    if totals["branches"]:
        facts["coverage.branch_percent"] = percent(totals["branches_covered"], totals["branches"])
    summary = f"lcov: {facts['coverage.line_percent']}% of {totals['lines']} lines covered in {files} files"
    return ParsedReport(facts=facts, observed_at=None, summary=summary, format="lcov",
                        details={"branches_total": totals["branches"], "branches_covered": totals["branches_covered"]})
