"""The portal hands scorecards' reads to Platform Health (the two apps may not import each other)."""

import sys
import types
from dataclasses import dataclass

import pytest

from insights.selectors import health
from portal import measurement


@dataclass
class Rate:
    passed: int
    failed: int
    exempt: int = 0


@dataclass
class Card:
    slug: str
    title: str


@pytest.fixture
def sources(monkeypatch):
    monkeypatch.setattr(health, "_SOURCES", {})
    return health._SOURCES


def test_the_golden_path_share_is_a_lower_bound_from_per_check_counts():
    assert measurement.golden_path_share([Rate(8, 2)]) == pytest.approx(0.8)  # one check: exact
    assert measurement.golden_path_share([Rate(9, 1), Rate(8, 2)]) == pytest.approx(0.7)
    assert measurement.golden_path_share([Rate(1, 9), Rate(1, 9)]) == 0.0
    assert measurement.golden_path_share([Rate(0, 0, exempt=3)]) is None


def test_scorecards_reads_are_registered_and_adapted(monkeypatch, sources, settings):
    settings.PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD = "paved-road"
    calls = []
    scores = types.ModuleType("scorecards.selectors.scores")

    def check_pass_rates(*, scorecard_slug=None, owner_refs=None):
        calls.append((scorecard_slug, owner_refs))
        return [Rate(3, 1)]

    scores.check_pass_rates = check_pass_rates
    scores.scorecard_list = lambda: [Card("prod", "Production readiness"), Card("empty", "Empty")]
    scores.grade_distribution = lambda *, scorecard_slug, owner_refs=None: (
        {"A": 2, "B": 0, "C": 1} if scorecard_slug == "prod" else {"A": 0})
    monkeypatch.setitem(sys.modules, "scorecards.selectors.scores", scores)
    measurement.connect()
    assert health.source("golden_path_share")(["group:default/team-a"]) == pytest.approx(0.75)
    assert calls == [("paved-road", ["group:default/team-a"])]
    assert health.source("grade_distribution")(["group:default/team-a"]) == [
        ("Production readiness", [("A", 2), ("B", 0), ("C", 1)])]


def test_an_unknown_signature_counts_nothing_instead_of_failing_the_page(monkeypatch, sources):
    scores = types.ModuleType("scorecards.selectors.scores")
    scores.check_pass_rates = lambda *, other: []
    scores.scorecard_list = lambda: [Card("prod", "Production readiness")]
    scores.grade_distribution = lambda refs: {}
    monkeypatch.setitem(sys.modules, "scorecards.selectors.scores", scores)
    measurement.connect()
    assert health.source("golden_path_share")(None) is None
    assert health.source("grade_distribution")(["group:default/team-a"]) == []


def test_without_the_reads_nothing_is_registered(monkeypatch, sources):
    monkeypatch.setitem(sys.modules, "scorecards.selectors.scores", types.ModuleType("scorecards.selectors.scores"))
    measurement.connect()
    assert sources == {}
