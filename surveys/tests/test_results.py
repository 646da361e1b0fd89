import datetime

import pytest

from surveys import services
from surveys.lib.stats import OTHER
from surveys.models import CampaignTally, Participation
from surveys.results import campaign_results
from surveys.tests.conftest import add_responses, full_answers, open_campaign, past_campaign, question

pytestmark = pytest.mark.django_db
A, B, C = "group:default/team-a", "group:default/team-b", "group:default/team-c"


@pytest.fixture
def two_quarters(org):
    before = past_campaign("2026-Q3", opens_on=datetime.date(2026, 7, 1))
    add_responses(before, team=A, count=5, likert=3, nps=6)
    add_responses(before, team=B, count=5, likert=2, nps=10)
    now = open_campaign("2026-Q4")
    add_responses(now, team=A, count=6, likert=4, nps=10)
    add_responses(now, team=B, count=5, likert=5, nps=9)
    add_responses(now, team=C, count=2, likert=1, nps=0)
    return before, now


def _item(result, key):
    return next(r for r in result.items if r.question.key == key)


def test_computes_mean_distribution_favourable_and_nps_with_the_change(two_quarters):
    _, now = two_quarters
    result = campaign_results(campaign=now)
    deploy = _item(result, "deploy-confidently")
    assert deploy.tally.n == 13
    assert deploy.tally.mean == pytest.approx((6 * 4 + 5 * 5 + 2 * 1) / 13)
    assert [d["count"] for d in deploy.distribution()] == [2, 0, 0, 6, 5]
    assert deploy.tally.favourable == pytest.approx(11 / 13)
    assert deploy.mean_change() == pytest.approx(deploy.tally.mean - 2.5)
    assert deploy.favourable_change() == pytest.approx(11 / 13 - 0)
    nps = _item(result, "developer-nps")
    assert nps.tally.nps == pytest.approx(round((11 / 13 - 2 / 13) * 100, 1))
    assert nps.nps_change() == pytest.approx(nps.tally.nps - 0.0)


def test_a_team_below_k_is_not_shown_on_its_own(two_quarters):
    _, now = two_quarters
    result = campaign_results(campaign=now)
    labels = [g.label for g in _item(result, "deploy-confidently").groups]
    # team-c (2 answers) alone would be below k; with team-b (the smallest shown) the pool reaches 7.
    assert labels == ["team-a", OTHER]
    other = _item(result, "deploy-confidently").groups[1]
    assert other.tally.n == 7
    assert [r.label for r in result.rates] == ["team-a", OTHER]


def test_nothing_is_shown_when_the_campaign_has_fewer_than_k_answers(org):
    campaign = open_campaign()
    add_responses(campaign, team=A, count=4)
    result = campaign_results(campaign=campaign)
    assert not result.shown
    assert result.items == [] and result.rates == []


def test_free_text_of_a_small_team_is_never_attributed_to_it(org):
    campaign = open_campaign()
    add_responses(campaign, team=A, count=5, text="from a")
    add_responses(campaign, team=C, count=1, text="from c")
    result = campaign_results(campaign=campaign)
    texts = _item(result, "biggest-friction").texts
    assert sorted({team for team, _ in texts}) == [OTHER]  # a alone would give c away: both pooled
    assert sorted(text for _, text in texts) == ["from a"] * 5 + ["from c"]


def test_response_rates_come_from_participation(campaign, owner, teammate, outsider):
    Participation.objects.filter(user=owner).update(answered=True)
    add_responses(campaign, team="", count=5)
    result = campaign_results(campaign=campaign)
    assert (result.rate.audience, result.rate.answered) == (3, 1)


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
    campaign_results(campaign=now)  # stores the closed campaigns' tallies once
    with django_assert_max_num_queries(20):  # the same with 2 or 20 past quarters
        campaign_results(campaign=now)


def test_closed_campaigns_are_read_from_stored_tallies_that_a_new_answer_clears(two_quarters, owner):
    before, now = two_quarters
    first = campaign_results(campaign=now)
    assert CampaignTally.objects.filter(campaign=before).exists()
    assert not CampaignTally.objects.filter(campaign=now).exists()  # open: always live
    again = campaign_results(campaign=now)
    assert _item(again, "deploy-confidently").previous.hist == _item(first, "deploy-confidently").previous.hist
    # Re-opened by an admin: a new answer clears the stored tally, and it is counted.
    before.refresh_from_db()
    before.closes_on = now.closes_on
    before.save()
    services.response_submit(campaign=before, user=owner, values=full_answers(before, likert=1))
    assert not CampaignTally.objects.filter(campaign=before).exists()
    assert _item(campaign_results(campaign=before), "deploy-confidently").tally.n == 11
