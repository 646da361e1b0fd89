"""The check expression language: parsing, errors with columns, evaluation, hostile input."""

from datetime import UTC, datetime, timedelta

import pytest

from scorecards.lib import expressions as ex

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def run(source: str, facts: dict):
    def lookup(path):
        if path not in facts:
            raise ex.MissingFact(path)
        return facts[path]

    return ex.evaluate(ex.parse(source), lookup, now=NOW)


@pytest.mark.parametrize(("source", "facts", "expected"), [
    ("coverage.line_percent > 80", {"coverage.line_percent": 84.2}, True),
    ("coverage.line_percent > 80", {"coverage.line_percent": 80}, False),
    ("owner.valid and not scan.present", {"owner.valid": True, "scan.present": False}, True),
    ("has(coverage.line_percent)", {}, False),
    ("has(coverage.line_percent) or tests.total >= 1", {"tests.total": 3}, True),
    ("age(docs.last_updated) < 90d", {"docs.last_updated": (NOW - timedelta(days=89)).isoformat()}, True),
    ("age(docs.last_updated) < 90d", {"docs.last_updated": (NOW - timedelta(days=91)).isoformat()}, False),
    ("age(docs.last_updated) < 2w", {"docs.last_updated": "2026-12-01T00:00:00Z"}, True),
    ("count(cost.labels) >= 3", {"cost.labels": ["team", "service", "tier"]}, True),
    ('annotations["pagerduty.com/service-id"] == "P1"', {"annotations": {"pagerduty.com/service-id": "P1"}}, True),
    ('has(annotations["opsgenie.com/team"])', {"annotations": {}}, False),
    ("min(1, coverage.line_percent / 80)", {"coverage.line_percent": 72}, 0.9),
    ("max(1, 2, 3) - 1 * 2", {}, 1),
    ('"team" in cost.labels', {"cost.labels": ["team"]}, True),
    ('lower(entity.type) == "service"', {"entity.type": "Service"}, True),
    ("-vulnerabilities.high < 0", {"vulnerabilities.high": 2}, True),
    ("slo.count > 0 and not has(cost.cost-center)", {"slo.count": 1}, True),
    ("git.readme or docs.published", {"docs.published": True}, True),
    ("docs.published or git.readme", {"docs.published": True}, True),
    ("git.readme and docs.published", {"docs.published": False}, False),
    ("docs.published and git.readme", {"docs.published": False}, False),
])
def test_expressions_evaluate(source, facts, expected):
    assert run(source, facts) == pytest.approx(expected) if isinstance(expected, float) else \
        run(source, facts) == expected


@pytest.mark.parametrize(("source", "facts"), [
    ("coverage.line_percent > 80", {}),
    ("coverage.line_percent > 80 or docs.published", {"docs.published": False}),
    ("coverage.line_percent > 80 and docs.published", {"docs.published": True}),
])
def test_a_missing_fact_that_decides_is_reported_by_name(source, facts):
    with pytest.raises(ex.MissingFact) as caught:
        run(source, facts)
    assert caught.value.path == "coverage.line_percent"


@pytest.mark.parametrize(("source", "facts", "message"), [
    ('coverage.line_percent > "high"', {"coverage.line_percent": 3}, "not a number"),
    ("a / 0", {"a": 1}, "division by zero"),
    ("age(x) < 1d", {"x": "yesterday"}, "not a date"),
    ("count(x) > 1", {"x": True}, None),
])
def test_facts_that_do_not_fit_raise_eval_errors(source, facts, message):
    if message is None:
        assert run(source, facts) is False
        return
    with pytest.raises(ex.EvalError, match=message):
        run(source, facts)


@pytest.mark.parametrize(("source", "column", "message"), [
    ("coverage.line_percent >", 24, "expected a value"),
    ("a == 1 == 2", 8, "do not chain"),
    ("eval(x)", 1, "unknown function"),
    ("__import__('os')", 1, "unknown function"),
    ("a ; b", 3, "unexpected character"),
    ("(a and b", 9, "expected ')'"),
    ('annotations[x]', 13, "quoted key"),
    ("has(1)", 1, "fact path"),
    ("min(1)", 1, "two or more"),
    ("a.", 3, "name after"),
    ("", 1, "empty"),
    ("and", 1, "unexpected 'and'"),
])
def test_parse_errors_name_the_column(source, column, message):
    with pytest.raises(ex.ExpressionError) as caught:
        ex.parse(source)
    assert caught.value.column == column and message in caught.value.message


def test_hostile_expressions_are_bounded():
    with pytest.raises(ex.ExpressionError, match="longer than"):
        ex.parse("a or " * 300 + "a")
    with pytest.raises(ex.ExpressionError, match="nesting deeper"):
        ex.parse("(" * 40 + "a" + ")" * 40)
    with pytest.raises(ex.ExpressionError, match="more than 200 parts"):
        ex.parse(" + ".join(["1"] * 250))
    for chain in ("not " * 240 + "a", "-" * 900 + "1", "has(" * 30 + "a" + ")" * 30):
        with pytest.raises(ex.ExpressionError):
            ex.parse(chain)
    with pytest.raises(ex.EvalError, match="finite"):
        run("x * x * x * x", {"x": 1e100})


def test_paths_of_lists_every_fact_with_its_column():
    tree = ex.parse('has(a.b) and age(c) < 1d or annotations["k"] == 1')
    assert ex.paths_of(tree) == [("a.b", 5), ("c", 18), ("annotations", 29)]
