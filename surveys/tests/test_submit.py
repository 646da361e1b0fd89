import datetime
import threading

import pytest
from django.db import connection

from surveys import services
from surveys.models import Answer, Participation, Response
from surveys.tests.conftest import TEAM_A, full_answers, open_campaign, question

pytestmark = pytest.mark.django_db


def test_stores_one_anonymous_response_and_marks_the_person_answered(campaign, owner):
    services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    response = Response.objects.get()
    assert response.campaign == campaign
    assert response.submitted_on == datetime.date.today() or isinstance(response.submitted_on, datetime.date)
    assert Answer.objects.filter(response=response).count() == 13
    assert Participation.objects.get(campaign=campaign, user=owner).answered


def test_refuses_a_second_submit_and_stores_nothing(campaign, owner):
    services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    with pytest.raises(services.AlreadyAnswered, match="already answered"):
        services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign, likert=1))
    assert Response.objects.count() == 1
    assert not Answer.objects.filter(value=1).exists()


@pytest.mark.parametrize(("key", "value", "message"), [
    ("deploy-confidently", 6, "from 1 to 5"),
    ("deploy-confidently", 0, "from 1 to 5"),
    ("developer-nps", 11, "from 0 to 10"),
    ("developer-nps", "9", "from 0 to 10"),
    ("biggest-friction", 3, "expects text"),
])
def test_refuses_answers_out_of_range(campaign, owner, key, value, message):
    values = full_answers(campaign)
    values[question(campaign, key).pk] = value
    with pytest.raises(services.SurveyError, match=message):
        services.response_submit(campaign=campaign, user=owner, values=values)
    assert not Response.objects.exists()
    assert not Participation.objects.filter(answered=True).exists()


def test_refuses_missing_required_answers_but_not_missing_free_text(campaign, owner):
    values = full_answers(campaign)
    del values[question(campaign, "ci-fast").pk]
    with pytest.raises(services.SurveyError, match="need an answer"):
        services.response_submit(campaign=campaign, user=owner, values=values)
    values = full_answers(campaign)
    del values[question(campaign, "biggest-friction").pk]
    services.response_submit(campaign=campaign, user=owner, values=values)
    assert Answer.objects.count() == 12


def test_refuses_unknown_question_ids(campaign, owner):
    values = full_answers(campaign) | {999999: 3}
    with pytest.raises(services.SurveyError, match="does not have"):
        services.response_submit(campaign=campaign, user=owner, values=values)
    assert not Response.objects.exists()


def test_refuses_a_closed_or_not_yet_open_campaign(campaign, owner):
    today = campaign.opens_on + datetime.timedelta(days=1)
    campaign.opens_on, campaign.closes_on = today - datetime.timedelta(days=30), today - datetime.timedelta(days=2)
    campaign.save()
    with pytest.raises(services.SurveyError, match="closed on"):
        services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    campaign.opens_on, campaign.closes_on = today + datetime.timedelta(days=2), today + datetime.timedelta(days=9)
    campaign.save()
    with pytest.raises(services.SurveyError, match="opens on"):
        services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    assert not Response.objects.exists()


def test_refuses_a_person_outside_the_audience(org, owner, outsider):
    campaign = open_campaign(audience=["org"])  # team-a and team-b through the hierarchy, not team-c
    services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    with pytest.raises(services.SurveyError, match="not in its audience"):
        services.response_submit(campaign=campaign, user=outsider, values=full_answers(campaign))
    assert Response.objects.count() == 1


def test_keeps_the_team_only_when_it_can_ever_reach_k(campaign, owner, settings):
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = 2  # team-a has two people in the audience
    services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign))
    assert Response.objects.get().team_ref == TEAM_A
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = 3
    other = open_campaign("2027-Q1")
    services.response_submit(campaign=other, user=owner, values=full_answers(other))
    assert Response.objects.get(campaign=other).team_ref == ""


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_store_exactly_one_response(org, owner, teammate, outsider):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite's in-memory test database is one connection")
    campaign = open_campaign()
    values = full_answers(campaign)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            services.response_submit(campaign=campaign, user=owner, values=values)
            outcomes.append("stored")
        except services.AlreadyAnswered:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 13
