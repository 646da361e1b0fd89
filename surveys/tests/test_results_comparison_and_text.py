"""Item 19: an open campaign's response rate is set against the previous quarter at the same point of
its window (not its final rate), and long free-text lists are grouped by team and paged."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import services
from surveys.access import WHO_MAY
from surveys.models import Participation, Response
from surveys.results import TEXT_PAGE_SIZE, TEXT_PREVIEW, campaign_results, campaign_text_answers
from surveys.selectors import today
from surveys.tests.conftest import add_responses, open_campaign, past_campaign, question

pytestmark = pytest.mark.django_db
A, B, C = "group:default/team-a", "group:default/team-b", "group:default/team-c"


def _audience(campaign, team: str, size: int) -> None:
    """Exactly `size` people of `team` (instead of everyone the campaign was opened for)."""
    Participation.objects.filter(campaign=campaign).delete()
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{campaign.quarter}-{team[-6:]}-{i}") for i in range(size))
    Participation.objects.bulk_create(Participation(campaign=campaign, user=u, team_ref=team) for u in users)


def _on_day(campaign, team: str, count: int, day: int) -> None:
    """`count` responses of `team` submitted on `day` (1 = the opening day) of the campaign's window."""
    before = set(Response.objects.filter(campaign=campaign).values_list("pk", flat=True))
    add_responses(campaign, team=team, count=count)
    Response.objects.filter(campaign=campaign).exclude(pk__in=before).update(
        submitted_on=campaign.opens_on + datetime.timedelta(days=day - 1))


@pytest.fixture
def quarters(org):
    """2026-Q3 (closed, 21 days): team-a answered 5 on day 2 and 10 more on day 18, of 20 people.
    2026-Q4 is on its 2nd day of 16 (which is day 3 of the previous 21-day window): 5 of 20 answered."""
    before = past_campaign("2026-Q3", opens_on=today() - datetime.timedelta(days=120))
    _audience(before, A, 20)
    _on_day(before, A, 5, day=2)
    _on_day(before, A, 10, day=18)
    now = open_campaign("2026-Q4", days_ago=1)
    _audience(now, A, 20)
    add_responses(now, team=A, count=5)
    for campaign in (before, now):
        services.results_publish(campaign=campaign)
    return before, now


def test_an_open_campaigns_rate_is_compared_with_the_same_point_of_the_previous_window(quarters):
    before, now = quarters
    result = campaign_results(campaign=now)
    assert result.open and result.rate.rate == pytest.approx(5 / 20)
    assert (result.rate_baseline.quarter, result.rate_baseline.day, result.rate_baseline.days) == ("2026-Q3", 3, 21)
    # Against Q3's final 15/20 the rate would read as a fall of 50 points; by day 3 Q3 had 5/20 too.
    assert result.rate.previous_rate == pytest.approx(5 / 20)
    assert result.rate.rate_change == pytest.approx(0)
    [team_a] = result.rates
    assert team_a.previous_rate == pytest.approx(5 / 20)


def test_a_closed_campaign_is_compared_with_the_previous_final_rate(quarters):
    before, now = quarters
    between = past_campaign("2026-Q2", opens_on=today() - datetime.timedelta(days=40))  # closed 19 days ago
    _audience(between, A, 20)
    add_responses(between, team=A, count=10)
    services.results_publish(campaign=between)
    result = campaign_results(campaign=between)
    assert not result.open and result.rate_baseline.final and str(result.rate_baseline) == "2026-Q3 (final)"
    assert result.rate.previous_rate == pytest.approx(15 / 20)


def test_the_same_point_counts_are_whole_batches_per_team(quarters, settings):
    before, now = quarters
    _on_day(before, A, 4, day=1)  # four early answers: less than a batch, not counted at the same point
    services.results_publish(campaign=before)
    result = campaign_results(campaign=now)
    assert result.rate.previous_rate == pytest.approx(5 / 20)


def test_the_results_page_says_what_an_open_rate_is_compared_with(quarters, reader):
    before, now = quarters
    page = reader.get(f"/surveys/{now.pk}/results/").content.decode()
    assert "Response rate so far" in page
    assert "vs 2026-Q3 on day 3 of 21" in page and "not with its final rate" in page
    closed = reader.get(f"/surveys/{before.pk}/results/").content.decode()
    assert "so far" not in closed


# --- free text: grouped by team, a preview on the results page, the rest paged ----------------------

@pytest.fixture
def texts(org):
    campaign = open_campaign()
    add_responses(campaign, team=A, count=TEXT_PAGE_SIZE + 5, text="alpha says")
    add_responses(campaign, team=B, count=5, text="beta says")
    add_responses(campaign, team=C, count=3, text="gamma says")  # too small alone: pooled with the unassigned
    add_responses(campaign, team="", count=2, text="nobody says")
    services.results_publish(campaign=campaign)  # C's 3 and the 2 without a team wait for their batches
    add_responses(campaign, team="", count=3, text="nobody says")
    services.results_publish(campaign=campaign)
    return campaign


def test_free_text_is_grouped_by_team_with_a_preview_each(texts):
    result = campaign_results(campaign=texts)
    item = next(r for r in result.items if r.question.key == question(texts, "biggest-friction").key)
    groups = {g.label: (g.count, len(g.texts), g.more) for g in item.text_groups}
    assert groups == {"team-a": (TEXT_PAGE_SIZE + 5, TEXT_PREVIEW, True), "team-b": (5, 5, False),
                      "Other teams": (5, 5, False)}
    assert item.text_count == TEXT_PAGE_SIZE + 15
    assert {t for g in item.text_groups if g.label == "team-a" for t in g.texts} == {"alpha says"}


def test_the_results_page_links_each_long_group_to_its_pages(texts, reader):
    page = reader.get(f"/surveys/{texts.pk}/results/").content.decode()
    q = question(texts, "biggest-friction")
    assert f'/surveys/{texts.pk}/results/text/{q.pk}/?group=group%3Adefault/team-a"' in page
    assert f"All {TEXT_PAGE_SIZE + 5} answers from team-a" in page
    assert "All 5 answers from team-b" not in page  # shown whole already
    text_questions = sum(1 for r in campaign_results(campaign=texts).items if r.tally is None)
    assert page.count("alpha says") == TEXT_PREVIEW * text_questions


def test_a_groups_answers_are_paged_without_repeats(texts, reader):
    q = question(texts, "biggest-friction")
    url = f"/surveys/{texts.pk}/results/text/{q.pk}/"
    first = campaign_text_answers(campaign=texts, question_id=q.pk, group=A, page=1)
    second = campaign_text_answers(campaign=texts, question_id=q.pk, group=A, page=2)
    assert len(first.page) == TEXT_PAGE_SIZE and len(second.page) == 5
    assert first.page.paginator.count == TEXT_PAGE_SIZE + 5
    response = reader.get(url, {"group": A, "page": "2"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert f"answers {TEXT_PAGE_SIZE + 1}–{TEXT_PAGE_SIZE + 5} of {TEXT_PAGE_SIZE + 5}" in page
    assert "beta says" not in page and "← Previous" in page
    fragment = reader.get(url, {"group": A, "page": "2"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and "alpha says" in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1e9", "", "２", "1; DROP TABLE x"])
def test_a_hostile_page_number_shows_a_real_page(texts, reader, page):
    q = question(texts, "biggest-friction")
    response = reader.get(f"/surveys/{texts.pk}/results/text/{q.pk}/", {"group": A, "page": page})
    assert response.status_code == 200 and "alpha says" in response.content.decode()


@pytest.mark.parametrize("group", ["", "group:default/nope", C, "<script>alert(1)</script>", "x" * 5000])
def test_an_unknown_or_unreported_group_is_a_styled_404(texts, reader, group):
    q = question(texts, "biggest-friction")
    response = reader.get(f"/surveys/{texts.pk}/results/text/{q.pk}/", {"group": group})
    page = response.content.decode()
    assert response.status_code == 404 and 'aria-label="Main"' in page and "<script>alert" not in page


def test_the_pooled_group_has_its_list_too(texts, reader):
    q = question(texts, "biggest-friction")
    page = reader.get(f"/surveys/{texts.pk}/results/text/{q.pk}/", {"group": "Other teams"}).content.decode()
    assert page.count("nobody says") == 5 and "gamma says" not in page  # gamma's batch is not published


def test_a_question_that_takes_no_free_text_has_no_list(texts, reader):
    q = question(texts, "deploy-confidently")
    assert reader.get(f"/surveys/{texts.pk}/results/text/{q.pk}/", {"group": A}).status_code == 404
    assert reader.get(f"/surveys/{texts.pk}/results/text/999999/", {"group": A}).status_code == 404


def test_the_answers_list_is_refused_to_people_who_may_not_read_results(texts, client_owner):
    q = question(texts, "biggest-friction")
    response = client_owner.get(f"/surveys/{texts.pk}/results/text/{q.pk}/", {"group": A})
    assert response.status_code == 403 and "Survey results reader" in response.content.decode()
    assert WHO_MAY.split(";")[1].strip() in response.content.decode()


def test_a_held_campaigns_answers_are_not_listed(texts, reader, settings):
    settings.PAVED_SURVEYS_OPEN_RESULTS = "closed-only"
    q = question(texts, "biggest-friction")
    assert reader.get(f"/surveys/{texts.pk}/results/text/{q.pk}/", {"group": A}).status_code == 404


def test_the_answers_list_reads_in_a_few_queries_and_writes_nothing(texts, reader):
    q = question(texts, "biggest-friction")
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(f"/surveys/{texts.pk}/results/text/{q.pk}/", {"group": A, "page": "2"}).status_code == 200
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements), statements
    # Nine for the session, access and shell, seven for the list: however many answers there are.
    assert len(statements) <= 17, "\n".join(q["sql"][:150] for q in queries.captured_queries)


def test_the_api_says_what_the_rate_is_compared_with(quarters, reader):
    before, now = quarters
    body = reader.get(f"/api/surveys/{now.pk}/results").json()
    assert body["response_rate_compared_with"] == {"quarter": "2026-Q3", "final": False, "day": 3, "days": 21}
    assert body["response_rate"]["previous_rate"] == pytest.approx(0.25)
