"""Live results cannot be differenced: an open campaign's figures move only by whole batches.

The attack: look at the results, wait until a colleague says they have answered, look again; the
change is the colleague's answer. Every view (page, both CSVs, API) must show one snapshot that
moves by at least k answers of each team that changed, or (closed-only) nothing until close.
"""

import csv
import datetime
import io
import random
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from surveys import selectors, services
from surveys.models import Campaign, CampaignTally, Response
from surveys.tasks import results_publish as results_publish_task
from surveys.tasks import results_publish_due as results_publish_due_task
from surveys.tests.conftest import add_responses, full_answers, open_campaign

pytestmark = pytest.mark.django_db
A, B = "group:default/team-a", "group:default/team-b"


@pytest.fixture
def k(settings) -> int:
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = settings.PAVED_SURVEYS_RESULTS_BATCH = 5
    settings.PAVED_SURVEYS_OPEN_RESULTS = "batched"
    return 5


@pytest.fixture
def survey(owner, django_user_model) -> Campaign:
    """An open campaign for everyone; twelve people without a catalog team (stored unlabelled)."""
    for i in range(12):
        django_user_model.objects.create_user(f"dev{i:02d}")
    return open_campaign()


def answer(campaign: Campaign, n: int, django_capture_on_commit_callbacks, *, first: int = 0) -> None:
    """n people answer as through the form; each submit enqueues the publication after commit, and
    the worker runs it (called here directly)."""
    users = selectors.audience_users(campaign=campaign).filter(username__startswith="dev").order_by("username")
    for i, user in enumerate(users[first:first + n]):
        with django_capture_on_commit_callbacks() as callbacks:
            services.response_submit(campaign=campaign, user=user, values=full_answers(
                campaign, likert=1 + (first + i) % 5, nps=(first + i) % 11, text=f"note {first + i}"))
        assert len(callbacks) == 1
        results_publish_task(campaign.pk)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _page(client: Client, campaign: Campaign) -> str:
    html = client.get(f"/surveys/{campaign.pk}/results/").content.decode()
    # What differs per request by design: masked CSRF tokens and script nonces.
    html = re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value="|nonce=")[\w+/=]+', "", html)
    # Free text is sampled in random order on every view: compare the texts, not their order.
    return re.sub(r'<ul class="free-text">(.*?)</ul>',
                  lambda m: "".join(sorted(re.findall(r"<li>.*?</li>", m.group(1), re.S))), html, flags=re.S)


def views(client: Client, campaign: Campaign) -> dict:
    """Everything a results reader can see of the campaign."""
    rows = _csv(client.get(f"/surveys/{campaign.pk}/answers.csv"))
    return {
        "page": _page(client, campaign),
        "results.csv": _csv(client.get(f"/surveys/{campaign.pk}/results.csv")),
        "answers.csv": [rows[0], *sorted(row[1:] for row in rows[1:])],  # numbering follows random ids
        "api": client.get(f"/api/surveys/{campaign.pk}/results").json(),
    }


def test_one_more_answer_changes_nothing_anyone_can_see_until_a_batch_is_full(
    k, survey, reader, django_capture_on_commit_callbacks
):
    answer(survey, 5, django_capture_on_commit_callbacks)
    first = views(reader, survey)
    assert first["api"]["responses"] == 5 and first["api"]["shown"]
    assert len(first["answers.csv"]) == 1 + 5

    answer(survey, 1, django_capture_on_commit_callbacks, first=5)  # the colleague answers
    assert views(reader, survey) == first  # page, both CSVs and the API: not one figure or count moved

    answer(survey, 3, django_capture_on_commit_callbacks, first=6)
    assert views(reader, survey) == first
    answer(survey, 1, django_capture_on_commit_callbacks, first=9)  # the 10th answer fills the batch
    tenth = views(reader, survey)
    assert tenth["api"]["responses"] == 10
    assert len(tenth["answers.csv"]) == 1 + 10
    assert tenth["results.csv"] != first["results.csv"]
    assert ">10</div>" in tenth["page"]  # the Answers card


def test_the_waiting_answer_is_nowhere_in_the_results(k, survey, reader, django_capture_on_commit_callbacks):
    answer(survey, 6, django_capture_on_commit_callbacks)
    published = set(Response.objects.filter(published=True).values_list("pk", flat=True))
    waiting = Response.objects.exclude(pk__in=published).get()
    lone_text = waiting.answers.exclude(text="").first().text
    seen = views(reader, survey)
    assert seen["page"].count("<li>note ") == 2 * 5  # two free-text questions, five published answers
    assert f"<li>{lone_text} " not in seen["page"] and lone_text not in str(seen["answers.csv"])
    assert seen["api"]["responses"] == 5
    assert CampaignTally.objects.get(campaign=survey, question=None).n == 5


def test_batches_are_per_team_so_a_team_breakdown_never_moves_by_one_answer(k, org):
    campaign = open_campaign()
    add_responses(campaign, team=A, count=5, likert=4)
    add_responses(campaign, team=B, count=5, likert=2)
    assert services.results_publish(campaign=campaign) == 10
    # Five new answers overall, but one of team-a: a batch of five overall would move team-a's
    # figures and count by exactly that answer.
    add_responses(campaign, team=A, count=1, likert=1)
    add_responses(campaign, team=B, count=4, likert=5)
    assert services.results_publish(campaign=campaign) == 0
    add_responses(campaign, team=B, count=1, likert=5)
    assert services.results_publish(campaign=campaign) == 5
    counts = dict(CampaignTally.objects.filter(campaign=campaign, question=None).values_list("team_ref", "n"))
    assert counts == {A: 5, B: 10}


def test_closed_only_shows_nothing_until_close_then_everything(
    k, settings, survey, reader, django_capture_on_commit_callbacks
):
    settings.PAVED_SURVEYS_OPEN_RESULTS = "closed-only"
    answer(survey, 11, django_capture_on_commit_callbacks)
    assert not Response.objects.filter(published=True).exists()
    seen = views(reader, survey)
    assert seen["api"]["held"] and seen["api"]["responses"] is None and "questions" not in seen["api"]
    assert seen["results.csv"] == seen["results.csv"][:1] and seen["answers.csv"] == seen["answers.csv"][:1]
    assert "shown once it has closed" in seen["page"] and 'class="stat-value"' not in seen["page"]

    Campaign.objects.filter(pk=survey.pk).update(closes_on=selectors.today() - datetime.timedelta(days=1))
    assert results_publish_due_task() == 11  # beat publishes the whole campaign once it has closed
    closed = views(reader, survey)
    assert closed["api"]["responses"] == 11 and not closed["api"]["held"]
    assert len(closed["answers.csv"]) == 1 + 11


def test_a_submit_enqueues_the_publication_after_commit(k, survey, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(results_publish_task, "delay", lambda campaign_id: sent.append(campaign_id))
    user = selectors.audience_users(campaign=survey).get(username="dev00")
    with django_capture_on_commit_callbacks(execute=True):
        services.response_submit(campaign=survey, user=user, values=full_answers(survey))
        assert sent == []  # nothing before the commit
    assert sent == [survey.pk]


def test_publishing_is_idempotent_and_survives_a_shuffle(k, survey):
    add_responses(survey, team="", count=7)
    assert services.results_publish(campaign=survey) == 5
    assert services.results_publish(campaign=survey) == 0
    services.response_shuffle(campaign=survey, rng=random.Random(1))
    assert Response.objects.filter(published=True).count() == 5
    assert services.results_publish(campaign=survey) == 0
    assert results_publish_task(999999) == 0  # a campaign deleted since the submit


def test_reading_results_writes_nothing(k, survey, reader):
    add_responses(survey, team="", count=5, text="x")
    services.results_publish(campaign=survey)
    with CaptureQueriesContext(connection) as queries:
        views(reader, survey)
    writes = [q["sql"] for q in queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "django_session" not in q["sql"]]
    assert writes == []


def test_beat_publishes_what_a_lost_enqueue_left_and_skips_teams_short_of_a_batch(k, survey):
    other = open_campaign("2026-Q3", days_ago=3)
    add_responses(survey, team="", count=6)  # submitted while the broker was down
    add_responses(other, team="", count=4)
    with CaptureQueriesContext(connection) as queries:
        assert results_publish_due_task() == 5
    assert results_publish_due_task() == 0  # one left in survey, four in other: nothing is due
    assert len(queries) < 15


def test_the_demo_history_is_published_in_whole_batches(k):
    from surveys.demo import demo_surveys_load

    past = [c for c in demo_surveys_load() if c.status_on(selectors.today()) == Campaign.Status.CLOSED]
    assert past
    for campaign in past:
        counts = CampaignTally.objects.filter(campaign=campaign, question=None).values_list("n", flat=True)
        assert counts and all(n % 5 == 0 for n in counts)
