"""Scorecard files: the defaults load; bad files get errors naming file, line and field."""

from pathlib import Path

import pytest

from scorecards.lib.definitions import DefinitionError, parse_definition

DEFAULTS = Path(__file__).resolve().parents[1] / "defaults"

GOOD = """\
apiVersion: paved.dev/v1
kind: Scorecard
metadata:
  name: tiny
spec:
  appliesTo: kind=component
  categories:
    - key: docs
      weight: 60
      checks:
        - key: published
          expr: docs.published
    - key: tests
      weight: 40
      checks:
        - key: coverage
          expr: coverage.line_percent > 80
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text.encode(), filename="card.yaml")
    return caught.value.lines()


def test_the_seed_scorecards_load_with_the_seed_weights():
    card = parse_definition((DEFAULTS / "service-maturity.yaml").read_bytes(), filename="service-maturity.yaml")
    weights = {c["key"]: c["weight"] for c in card["categories"]}
    assert weights == {"ownership": 0, "documentation": 15, "monitoring": 20, "security": 20, "reliability": 15,
                       "testing": 15, "cost": 15}
    assert card["categories"][0]["required"] and card["categories"][0]["checks"][0]["required"]
    assert card["grades"] == [["A", 90], ["B", 75], ["C", 60], ["D", 40]]
    assert [level["title"] for level in card["levels"]] == ["Bronze", "Silver", "Gold"]
    docs = parse_definition((DEFAULTS / "documentation-standards.yaml").read_bytes(), filename="d.yaml")
    assert [c["key"] for c in docs["categories"]] == ["readme", "adr", "runbook", "api-docs", "onboarding"]


def test_a_good_file_normalises():
    card = parse_definition(GOOD, filename="card.yaml")
    assert card["name"] == "tiny" and card["title"] == "tiny" and card["required_cap"] == "C"
    assert card["categories"][1]["checks"][0] == {
        "key": "coverage", "title": "coverage", "description": "", "expr": "coverage.line_percent > 80",
        "partial": "", "weight": 1, "required": False, "missing": "coverage", "fix": {"text": "", "url": ""}}


def test_weights_that_do_not_sum_to_100_name_the_line():
    assert errors_of(GOOD.replace("weight: 40", "weight: 30")) == [
        "card.yaml:7: spec.categories: the category weights must sum to 100, found 90 (docs 60 + tests 30)"]


def test_unknown_facts_and_bad_expressions_name_line_field_and_column():
    text = GOOD.replace("expr: docs.published", "expr: docs.publisehd").replace(
        "coverage.line_percent > 80", "coverage.line_percent >> 80")
    assert errors_of(text) == [
        "card.yaml:12: spec.categories[0].checks[0].expr: column 1: unknown fact 'docs.publisehd' "
        "(declare facts CI posts under spec.facts)",
        "card.yaml:17: spec.categories[1].checks[0].expr: the expression does not parse at column 24: "
        "expected a value, found '>'",
    ]


def test_declared_ci_facts_are_accepted():
    text = GOOD.replace("spec:\n", "spec:\n  facts: [perf.p95_ms]\n").replace(
        "expr: docs.published", "expr: perf.p95_ms < 200")
    assert parse_definition(text, filename="card.yaml")["facts"] == ["perf.p95_ms"]


@pytest.mark.parametrize(("change", "expected"), [
    (("kind: Scorecard", "kind: Component"), "card.yaml:2: kind: expected Scorecard, found 'Component'"),
    (("name: tiny", "name: Not A Name"), "card.yaml:4: metadata.name: 'Not A Name' must be lower case"),
    (("key: published", "key: coverage"), "card.yaml:16: spec.categories[1].checks[0].key: duplicate check key"),
    (("weight: 60", "weight: sixty"), "card.yaml:9: spec.categories[0].weight: expected a number"),
    (("          expr: docs.published\n", "          expr: docs.published\n          eval: x\n"),
     "card.yaml:13: spec.categories[0].checks[0].eval: unknown field"),
    (("spec:\n", "spec:\n  grades: {A: 190}\n"), "card.yaml:6: spec.grades.A: expected a minimum score"),
    (("spec:\n", "spec:\n  levels: [{key: gold, checks: [nope]}]\n"),
     "card.yaml:6: spec.levels[0].checks[0]: unknown check 'nope'"),
])
def test_field_errors(change, expected):
    found = errors_of(GOOD.replace(*change))
    assert any(line.startswith(expected) for line in found), found


@pytest.mark.parametrize(("text", "expected"), [
    ("a: [1, 2", "card.yaml:2: YAML syntax error"),
    ("!!python/object/apply:os.system ['id']", "unsupported tag"),
    ("a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + "".join(
        f"c{i}: &c{i} [{', '.join(['*b'] * 10)}]\n" for i in range(1)) + "d: [" + ", ".join(["*c0"] * 100) + "]\n",
     "aliases"),
    ("just a string", "expected a mapping"),
    (b"\xff\xfe", "not valid UTF-8"),
    ("---\na: 1\n---\nb: 2\n", "expected one YAML document, found 2"),
])
def test_hostile_yaml_is_refused_with_a_message(text, expected):
    raw = text if isinstance(text, bytes) else text.encode()
    with pytest.raises(DefinitionError) as caught:
        parse_definition(raw, filename="card.yaml")
    assert expected in str(caught.value)
