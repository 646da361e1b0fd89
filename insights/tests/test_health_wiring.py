"""The portal hands scorecards' reads to Platform Health (the two apps may not import each other)."""

import sys
import types

import pytest

from insights.selectors import health
from portal import measurement


@pytest.fixture
def sources(monkeypatch):
    monkeypatch.setattr(health, "_SOURCES", {})
    return health._SOURCES


def test_scorecards_reads_are_registered_and_adapted(monkeypatch, sources):
    calls = []
    scores = types.ModuleType("scorecards.selectors.scores")

    def check_pass_rates(*, component_refs, tag):
        calls.append((tuple(component_refs), tag))
        return {"component:default/a": 1.0, "component:default/b": 0.5, "component:default/c": None}

    scores.check_pass_rates = check_pass_rates
    scores.grade_distribution = lambda *, component_refs: {"A": 2, "C": 1}
    monkeypatch.setitem(sys.modules, "scorecards.selectors.scores", scores)
    measurement.connect()
    assert health.source("golden_path_passing")(["component:default/a"]) == {"component:default/a"}
    assert calls == [(("component:default/a",), "golden-path")]
    assert health.source("grade_distribution")(["component:default/a"]) == [("A", 2), ("C", 1)]


def test_an_unknown_signature_counts_nothing_instead_of_failing_the_page(monkeypatch, sources):
    scores = types.ModuleType("scorecards.selectors.scores")
    scores.check_pass_rates = lambda *, other: {}
    scores.grade_distribution = lambda refs: []
    monkeypatch.setitem(sys.modules, "scorecards.selectors.scores", scores)
    measurement.connect()
    assert health.source("golden_path_passing")(["component:default/a"]) == set()
    assert health.source("grade_distribution")(["component:default/a"]) == []


def test_without_the_reads_nothing_is_registered(monkeypatch, sources):
    monkeypatch.setitem(sys.modules, "scorecards.selectors.scores", types.ModuleType("scorecards.selectors.scores"))
    measurement.connect()
    assert sources == {}
