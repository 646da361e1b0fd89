"""The sources that read the scorecards and insights contracts, against stand-in contract modules
put in sys.modules (the real ones are merged later; test_sources' integration test runs then).
Every figure is worked out by hand."""

import sys
from dataclasses import dataclass
from types import ModuleType

import pytest

from maturity import sources
from maturity.tests.conftest import CheckRate


@dataclass
class Metric:
    key: str
    label: str
    value: float | None
    unit: str
    previous: float | None
    needs: str


def _module(monkeypatch, name: str, **functions) -> None:
    module = ModuleType(name)
    module.__dict__.update(functions)
    monkeypatch.setitem(sys.modules, name, module)


@pytest.fixture
def health(monkeypatch):
    metrics: dict = {}
    calls: list = []

    def metric(*, key, team_ref=None):
        calls.append((key, team_ref))
        return metrics.get(key)

    _module(monkeypatch, "insights.selectors.health", metric=metric)
    return metrics, calls


def test_health_metrics_in_the_dimensions_units(health):
    metrics, calls = health
    metrics["self_service_rate"] = Metric("self_service_rate", "Self-service rate", 0.62, "", 0.5, "")
    metrics["service_creation_hours"] = Metric("service_creation_hours", "Service creation", 0.2, "h", None, "")
    metrics["onboarding_days"] = Metric("onboarding_days", "Onboarding", None, "days", None,
                                        "No commits yet: connect the source host in Insights.")
    reading = sources.self_service(team_ref="group:default/a")
    assert reading.value == pytest.approx(62.0) and reading.detail == "Self-service rate: 62% (previously 50%)"
    assert ("self_service_rate", "group:default/a") in calls
    creation = sources.service_creation()
    assert creation.value == pytest.approx(0.2) and creation.detail == "Service creation: 0.2 h"
    onboarding = sources.onboarding()
    assert onboarding.value is None and onboarding.needs == "No commits yet: connect the source host in Insights."
    assert onboarding.links[0][0] == "Connect data in Insights"


def test_an_unknown_metric_is_no_data_with_a_reason(health):
    reading = sources.onboarding()
    assert reading.value is None and reading.needs == "Insights has no data for this yet."


@pytest.mark.parametrize(("share", "percent"), [(0.8, 80.0), (1.0, 100.0), (85.0, 85.0), (0.0, 0.0)])
def test_cost_attribution_as_a_percentage(monkeypatch, share, percent):
    _module(monkeypatch, "insights.selectors.cost", attributed_share=lambda month=None: share)
    assert sources.cost_attribution().value == pytest.approx(percent)


def test_no_cost_data(monkeypatch):
    _module(monkeypatch, "insights.selectors.cost", attributed_share=lambda month=None: None)
    reading = sources.cost_attribution()
    assert reading.value is None and "import a cost report" in reading.needs


def test_monitoring_is_the_weakest_monitoring_checks_pass_rate(monkeypatch):
    asked = {}

    def check_pass_rates(*, scorecard_slug=None, owner_refs=None):
        asked.update(slug=scorecard_slug, owners=owner_refs)
        return [
            CheckRate(scorecard_slug, "slo", "SLO defined", "monitoring", passed=6, failed=2, exempt=2, total=10),
            CheckRate(scorecard_slug, "alerts", "Alerting configured", "monitoring", passed=5, failed=5, exempt=0,
                      total=10),
            CheckRate(scorecard_slug, "docs", "Docs fresh", "documentation", passed=0, failed=10, exempt=0, total=10),
            CheckRate(scorecard_slug, "pager", "Pager", "monitoring", passed=0, failed=0, exempt=3, total=3),
        ]

    _module(monkeypatch, "scorecards.selectors.scores", check_pass_rates=check_pass_rates,
            worst_checks=lambda **kw: [])
    reading = sources.monitoring(owner_refs=["group:default/a"])
    # SLO: 6 of 8 non-exempt = 75%; alerting 5 of 10 = 50%; the all-exempt check says nothing.
    assert reading.value == pytest.approx(50.0)
    assert reading.detail == "SLO defined: 6/8 pass; Alerting configured: 5/10 pass"
    assert asked == {"slug": "service-maturity", "owners": ["group:default/a"]}


def test_monitoring_without_scored_checks_is_no_data(monkeypatch):
    _module(monkeypatch, "scorecards.selectors.scores", check_pass_rates=lambda **kw: [], worst_checks=lambda **kw: [])
    reading = sources.monitoring()
    assert reading.value is None and "No monitoring checks scored" in reading.needs


def test_worst_checks_ask_the_default_scorecard(monkeypatch):
    seen = {}

    def worst_checks(**kwargs):
        seen.update(kwargs)
        return (c for c in ["a", "b"])

    _module(monkeypatch, "scorecards.selectors.scores", check_pass_rates=lambda **kw: [], worst_checks=worst_checks)
    assert sources.worst_checks(owner_refs=None, limit=3) == ["a", "b"]
    assert seen == {"scorecard_slug": "service-maturity", "owner_refs": None, "limit": 3}
