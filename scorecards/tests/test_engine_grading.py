"""The grading rule in isolation (no database): credit, rounding, grades, caps, levels, Missing."""

from datetime import UTC, datetime

from scorecards.lib import grading
from scorecards.lib.definitions import parse_definition

NOW = datetime(2026, 12, 6, tzinfo=UTC)

CARD = """\
apiVersion: paved.dev/v1
kind: Scorecard
metadata: {name: t}
spec:
  grades: {A: 90, B: 75}
  requiredCap: B
  categories:
    - key: gate
      required: true
      checks: [{key: owner, expr: owner.valid, missing: owner unclear}]
    - key: half
      weight: 50
      checks:
        - {key: x, expr: "coverage.line_percent > 80", partial: "coverage.line_percent / 80", missing: tests}
        - {key: y, expr: "slo.count > 0", missing: monitoring}
    - key: rest
      weight: 50
      checks: [{key: z, expr: docs.published, missing: docs}]
  levels:
    - {key: one, title: One, checks: [owner]}
    - {key: two, title: Two, checks: [z], minScore: 80}
    - {key: three, title: Three, checks: [x]}
"""


def score(**facts):
    compiled = grading.Compiled(parse_definition(CARD, filename="t.yaml"))
    return grading.score(compiled, {k.replace("__", "."): (v, "t", "") for k, v in facts.items()}, now=NOW)


def test_rounding_is_half_up_and_the_grade_reads_the_shown_number():
    assert [grading.round_half_up(v) for v in (77.5, 78.49, 89.5, 0.5, 1.5)] == [78, 78, 90, 1, 2]
    assert grading.grade_of(89.5, [["A", 90], ["B", 75]]) == "A"
    assert grading.grade_of(74.49, [["A", 90], ["B", 75]]) == "F"


def test_partial_credit_and_missing():
    result = score(owner__valid=True, coverage__line_percent=60, slo__count=0, docs__published=True)
    assert result["points"] == 68.75  # 50 * (0.75 + 0) / 2 + 50
    assert result["missing"] == ["monitoring"]  # coverage earned partial credit: below target, not missing
    assert result["grade"] == "F" and result["level"] == "One"


def test_a_failing_required_check_caps_and_goes_last():
    result = score(owner__valid=False, coverage__line_percent=90, slo__count=1, docs__published=False)
    assert result["points"] == 50 and result["grade"] == "F" and result["capped"]
    assert result["missing"] == ["docs", "owner unclear"] and result["level"] == ""
    top = score(owner__valid=False, coverage__line_percent=90, slo__count=1, docs__published=True)
    assert top["points"] == 100 and top["grade"] == "B"


def test_levels_stop_at_the_first_missed_rung():
    result = score(owner__valid=True, coverage__line_percent=90, slo__count=0, docs__published=True)
    assert result["points"] == 75 and result["level"] == "One"  # Two needs 80; Three is not reached past it
    assert score(owner__valid=True, coverage__line_percent=90, slo__count=2, docs__published=True)["level"] == "Three"


def test_exempt_checks_pass_and_unknown_facts_are_missing():
    result = grading.score(grading.Compiled(parse_definition(CARD, filename="t.yaml")),
                           {"owner.valid": (True, "t", "")}, exempt={"y"}, now=NOW)
    states = {r["key"]: r["state"] for r in result["results"]}
    assert states == {"owner": "pass", "x": "unknown", "y": "exempt", "z": "unknown"}
    assert result["points"] == 25 and result["missing"] == ["tests", "docs"]
    assert grading.fix_links(result) == [{"text": "tests", "fix": {"text": "", "url": ""}},
                                         {"text": "docs", "fix": {"text": "", "url": ""}}]
