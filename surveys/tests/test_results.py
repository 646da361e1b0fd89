import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import services
from surveys.lib.stats import OTHER
from surveys.models import CampaignTally, Participation
from surveys.results import campaign_results
from surveys.tests.conftest import add_responses, open_campaign, past_campaign, question

pytestmark = pytest.mark.django_db
A, B, C = "group:default/team-a", "group:default/team-b", "group:default/team-c"


@pytest.fixture
def two_quarters(org):
    before = past_campaign("2026-Q3", opens_on=datetime.date(2026, 7, 1))
    add_responses(before, team=A, count=5, likert=3, nps=6)
    add_responses(before, team=B, count=5, likert=2, nps=10)
    now = open_campaign("2026-Q4")
    add_responses(now, team=A, count=5, likert=4, nps=10)
    add_responses(now, team=B, count=5, likert=5, nps=9)
    add_responses(now, team="", count=5, likert=1, nps=0)  # people of teams too small to be stored
    for campaign in (before, now):
        services.results_publish(campaign=campaign)
    return before, now


def _item(result, key):
    return next(r for r in result.items if r.question.key == key)


def test_computes_mean_distribution_favourable_and_nps_with_the_change(two_quarters):
    _, now = two_quarters
    result = campaign_results(campaign=now)
    deploy = _item(result, "deploy-confidently")
    assert deploy.tally.n == 15
    assert deploy.tally.mean == pytest.approx((5 * 4 + 5 * 5 + 5 * 1) / 15)
    assert [d["count"] for d in deploy.distribution()] == [5, 0, 0, 5, 5]
    assert deploy.tally.favourable == pytest.approx(10 / 15)
    assert deploy.mean_change() == pytest.approx(deploy.tally.mean - 2.5)
    assert deploy.favourable_change() == pytest.approx(10 / 15 - 0)
    nps = _item(result, "developer-nps")
    assert nps.tally.nps == pytest.approx(round((10 / 15 - 5 / 15) * 100, 1))
    assert nps.nps_change() == pytest.approx(nps.tally.nps - 0.0)


def test_unlabelled_answers_are_pooled_and_a_team_short_of_a_batch_is_not_shown(two_quarters):
    _, now = two_quarters
    add_responses(now, team=C, count=4, likert=1, nps=0)  # one short of a batch: waits, shown nowhere
    services.results_publish(campaign=now)
    result = campaign_results(campaign=now)
    labels = [g.label for g in _item(result, "deploy-confidently").groups]
    assert labels == ["team-a", "team-b", OTHER]
    assert _item(result, "deploy-confidently").groups[2].tally.n == 5
    assert [r.label for r in result.rates] == ["team-a", "team-b", OTHER]
    assert result.responses == 15


def test_nothing_is_shown_when_the_campaign_has_fewer_than_k_answers(org):
    campaign = open_campaign()
    add_responses(campaign, team=A, count=4)
    services.results_publish(campaign=campaign)
    result = campaign_results(campaign=campaign)
    assert not result.shown and result.responses == 0
    assert result.items == [] and result.rates == []


def test_free_text_comes_only_from_published_answers(org):
    campaign = open_campaign()
    add_responses(campaign, team=A, count=5, text="from a")
    add_responses(campaign, team=C, count=1, text="from c")
    services.results_publish(campaign=campaign)
    result = campaign_results(campaign=campaign)
    item = _item(result, "biggest-friction")
    assert item.text_count == 5
    assert sorted(item.texts) == [("team-a", "from a")] * 5  # c's lone answer waits for its batch


def test_response_rates_are_published_answers_over_the_audience(campaign, owner, teammate, outsider):
    Participation.objects.filter(user=owner).update(answered=True)  # ticks by one: not what is shown
    add_responses(campaign, team="", count=5)
    services.results_publish(campaign=campaign)
    result = campaign_results(campaign=campaign)
    assert (result.rate.audience, result.rate.answered, result.responses) == (3, 5, 5)


def test_trends_line_up_across_campaigns_by_question_identity(two_quarters):
    before, now = two_quarters
    result = campaign_results(campaign=now)
    deploy = next(t for t in result.question_trends if t.title == question(now, "deploy-confidently").text)
    assert [q for q, _ in deploy.points] == ["2026-Q3", "2026-Q4"]
    assert deploy.points[0][1] == pytest.approx(2.5)
    assert result.nps_trend.points[0] == ("2026-Q3", 0.0)
    assert {t.title for t in result.section_trends} == {
        "Infrastructure & Deployment", "Observability & Debugging", "Documentation & Discovery", "Developer Tools",
        "Overall"}
    assert len(result.nps_trend.chart.points) == 2


def test_results_take_a_fixed_number_of_queries(two_quarters, django_assert_max_num_queries):
    before, now = two_quarters
    for quarter in ("2025-Q4", "2026-Q1", "2026-Q2"):
        past_campaign(quarter, opens_on=before.opens_on - datetime.timedelta(days=100 * (1 + len(quarter) % 3)))
    with django_assert_max_num_queries(20):  # the same with 2 or 20 past quarters
        campaign_results(campaign=now)


def test_results_are_read_from_stored_tallies_and_reading_writes_nothing(two_quarters):
    before, now = two_quarters
    assert CampaignTally.objects.filter(campaign=before).exists()
    assert CampaignTally.objects.filter(campaign=now).exists()
    with CaptureQueriesContext(connection) as queries:
        campaign_results(campaign=now)
        campaign_results(campaign=before)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
