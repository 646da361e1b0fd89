"""The threshold tables and level mapping, against values worked out by hand from the defaults."""

import pytest

from maturity.lib.levels import (
    BY_KEY,
    DIMENSIONS,
    ThresholdError,
    answer_parse,
    level_for,
    overall_level,
    threshold_rows,
    thresholds_parse,
)

# (dimension, value, expected level) with the seed's default tables (maturity/lib/levels.py).
CASES = [
    ("service_creation", 24 * 10, 0),   # 10 days: the seed's "1–2 weeks" (Level 0)
    ("service_creation", 168, 1),       # exactly a week: Level 1's boundary is inclusive
    ("service_creation", 48, 1),
    ("service_creation", 0.5, 2),       # 30 minutes: "minutes, not weeks"
    ("service_creation", 0.1, 3),       # 6 minutes
    ("cicd", 10, 0), ("cicd", 25, 1), ("cicd", 49.9, 1), ("cicd", 50, 2), ("cicd", 80, 3),
    ("monitoring", 49, 0), ("monitoring", 74, 1), ("monitoring", 75, 2), ("monitoring", 100, 3),
    ("documentation", 29, 0), ("documentation", 30, 1), ("documentation", 84, 2), ("documentation", 85, 3),
    ("self_service", 0, 0), ("self_service", 59, 1), ("self_service", 60, 2), ("self_service", 92, 3),
    ("onboarding", 21, 0), ("onboarding", 14, 1), ("onboarding", 3, 1), ("onboarding", 2, 2), ("onboarding", 1, 3),
    ("cost_attribution", 10, 0), ("cost_attribution", 74, 1), ("cost_attribution", 75, 2),
    ("cost_attribution", 95, 3),
    ("ownership", 49, 0), ("ownership", 50, 1), ("ownership", 80, 2), ("ownership", 94.9, 2), ("ownership", 95, 3),
]


@pytest.mark.parametrize(("key", "value", "level"), CASES)
def test_default_tables_map_values_to_levels(key, value, level):
    dimension = BY_KEY[key]
    assert level_for(value, dimension.defaults, dimension.direction) == level


def test_no_value_has_no_level():
    assert level_for(None, (1, 2, 3), "higher") is None


def test_every_default_table_is_valid_and_monotonic():
    assert len(DIMENSIONS) == 8
    for dimension in DIMENSIONS:
        assert thresholds_parse(dimension, [str(v) for v in dimension.defaults]) == dimension.defaults


def test_overall_level_is_the_lowest_scored_dimension():
    assert overall_level([3, 2, 1, 2]) == 1
    assert overall_level([3, 3, 3, 2, 3, 3, 3, 3]) == 2
    assert overall_level([3, 3, 3]) is None  # three of eight known: not enough to call a level
    assert overall_level([]) is None


@pytest.mark.parametrize(("key", "values", "message"), [
    ("cicd", ["ten", "50", "80"], "'ten' is not a number"),
    ("cicd", ["60", "50", "80"], "must be higher than Level 1"),
    ("cicd", ["25", "25", "80"], "must be higher than Level 1"),
    ("onboarding", ["2", "14", "1"], "must be lower than Level 1"),
    ("cicd", ["25", "50", "180"], "outside 0–100 percent"),
    ("cicd", ["-5", "50", "80"], "outside 0–100 percent"),
    ("cicd", ["nan", "50", "80"], "outside"),
    ("cicd", ["inf", "50", "80"], "outside"),
    ("cicd", ["1" * 5000, "50", "80"], "a number is expected"),
    ("cicd", ["25", "50"], "three boundaries"),
    ("ownership", ["<script>", "1", "2"], "is not a number"),
])
def test_hostile_tables_are_refused_with_a_message(key, values, message):
    with pytest.raises(ThresholdError, match=message):
        thresholds_parse(BY_KEY[key], values)


def test_answers_are_numbers_in_the_unit():
    assert answer_parse(BY_KEY["onboarding"], " 3,5 ") == 3.5
    for bad in ("", "soon", "-1", "1e9"):
        with pytest.raises(ThresholdError):
            answer_parse(BY_KEY["onboarding"], bad)


def test_rows_name_each_levels_range():
    rows = threshold_rows(BY_KEY["cicd"], (25, 50, 80))
    assert [r["range"] for r in rows] == ["< 25%", "25–50%", "50–80%", "≥ 80%"]
    rows = threshold_rows(BY_KEY["onboarding"], (14, 2, 1))
    assert [r["range"] for r in rows] == ["> 14 days", "2–14 days", "1–2 days", "≤ 1 days"]
