"""surveys.selectors.latest_results_summary: the latest closed campaign for the apps above, under the k rule."""

import datetime

import pytest

from surveys import selectors, services
from surveys.tests.conftest import add_responses, past_campaign

pytestmark = pytest.mark.django_db


def _closed(quarter: str, days_ago: int):
    return past_campaign(quarter, opens_on=selectors.today() - datetime.timedelta(days=days_ago))


def test_no_closed_campaign_gives_none():
    assert selectors.latest_results_summary() is None


def test_latest_closed_campaign_with_change_nps_and_texts(settings):
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = settings.PAVED_SURVEYS_RESULTS_BATCH = 3
    older = _closed("2026-Q2", 200)
    add_responses(older, team="group:default/a", count=3, likert=2, nps=5)
    services.results_publish(campaign=older)
    latest = _closed("2026-Q3", 100)
    add_responses(latest, team="group:default/a", count=3, likert=4, nps=10, text="CI is <b>slow</b>")
    services.results_publish(campaign=latest)
    summary = selectors.latest_results_summary()
    assert summary.campaign == latest and summary.previous == older and summary.shown
    assert summary.responses == 3 and len(summary.questions) == 10
    first = summary.questions[0]
    assert (first.mean, first.previous_mean, first.change) == (4.0, 2.0, 2.0)
    assert (summary.nps, summary.previous_nps) == (100.0, -100.0)
    assert summary.texts == ["CI is <b>slow</b>"] * 6  # two free-text questions, three answers each


def test_under_the_minimum_group_size_nothing_is_given(settings):
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = settings.PAVED_SURVEYS_RESULTS_BATCH = 5
    latest = _closed("2026-Q3", 100)
    add_responses(latest, team="group:default/a", count=3, text="secret")
    services.results_publish(campaign=latest)
    summary = selectors.latest_results_summary()
    assert not summary.shown and summary.questions == [] and summary.texts == []
