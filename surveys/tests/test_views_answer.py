import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from surveys import selectors
from surveys.forms import field_name
from surveys.models import Answer, Participation, Response
from surveys.tests.conftest import full_answers, open_campaign

pytestmark = pytest.mark.django_db


def _url(campaign):
    return f"/surveys/{campaign.pk}/answer/"


def _section_posts(campaign, values):
    """The POST of each section page, carrying earlier answers as the hidden fields would."""
    sections = selectors.campaign_sections(items=selectors.campaign_items(campaign=campaign))
    sent = {}
    for step, (_, items) in enumerate(sections):
        for item in items:
            sent[field_name(item.question_id)] = str(values[item.question_id])
        yield {**sent, "step": str(step), "nav": "submit" if step == len(sections) - 1 else "next"}


def test_the_banner_invites_the_audience_until_they_answer(campaign, client_owner, owner):
    page = client_owner.get("/")
    assert b"survey-banner" in page.content and campaign.title.encode() in page.content
    for data in _section_posts(campaign, full_answers(campaign)):
        client_owner.post(_url(campaign), data)
    assert b"survey-banner" not in client_owner.get("/").content


def test_one_page_per_section_with_progress_then_a_stored_response(campaign, client_owner):
    first = client_owner.get(_url(campaign))
    assert first.status_code == 200
    assert b"Section 1 of 5" in first.content and b'aria-valuenow="0"' in first.content
    responses = [client_owner.post(_url(campaign), data) for data in _section_posts(campaign, full_answers(campaign))]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 302]
    assert b"Section 2 of 5" in responses[0].content and b'aria-valuenow="20"' in responses[0].content
    assert Response.objects.count() == 1 and Answer.objects.count() == 13
    assert "anonymously" in str(list(client_owner.get("/surveys/").context["messages"])[0])


def test_a_missing_answer_keeps_the_person_on_the_section(campaign, client_owner):
    data = next(_section_posts(campaign, full_answers(campaign)))
    data.pop(next(k for k in data if k.startswith("q-")))
    page = client_owner.post(_url(campaign), data)
    assert page.status_code == 400
    assert b"This question needs an answer." in page.content and b"Section 1 of 5" in page.content


def test_back_keeps_the_answers_given(campaign, client_owner):
    posts = list(_section_posts(campaign, full_answers(campaign, likert=2)))
    page = client_owner.post(_url(campaign), {**posts[1], "nav": "back"})
    assert b"Section 1 of 5" in page.content
    assert b'value="2" checked' in page.content


@pytest.mark.parametrize("tamper", ["unknown", "duplicate", "out-of-range"])
def test_a_tampered_final_post_stores_nothing(campaign, client_owner, tamper):
    data = list(_section_posts(campaign, full_answers(campaign)))[-1]
    first = next(k for k in data if k.startswith("q-"))
    if tamper == "unknown":
        data["q-999999"] = "3"
    elif tamper == "out-of-range":
        data[first] = "9"
    if tamper == "duplicate":
        from django.http import QueryDict

        qd = QueryDict(mutable=True)
        qd.update(data)
        qd.appendlist(first, "1")
        page = client_owner.post(_url(campaign), qd.urlencode(), content_type="application/x-www-form-urlencoded")
    else:
        page = client_owner.post(_url(campaign), data)
    assert page.status_code == 400
    assert not Response.objects.exists()
    assert not Participation.objects.filter(answered=True).exists()
    message = {"unknown": b"does not have", "duplicate": b"more than once", "out-of-range": b"from 1 to 5"}[tamper]
    assert message in page.content


def test_a_second_submit_is_refused_with_a_message(campaign, client_owner):
    posts = list(_section_posts(campaign, full_answers(campaign)))
    client_owner.post(_url(campaign), posts[-1])
    again = client_owner.post(_url(campaign), posts[-1], follow=True)
    assert b"already answered" in again.content
    assert Response.objects.count() == 1


def test_people_outside_the_audience_are_turned_away(org, outsider, owner):
    campaign = open_campaign(audience=["org"])
    client = Client()
    client.force_login(outsider)
    page = client.post(_url(campaign), list(_section_posts(campaign, full_answers(campaign)))[-1], follow=True)
    assert b"not in its audience" in page.content
    assert b"survey-banner" not in client.get("/").content
    assert not Response.objects.exists()


def test_results_need_the_permission(campaign, client_owner, owner):
    for path in (f"/surveys/{campaign.pk}/results/", f"/surveys/{campaign.pk}/results.csv",
                 f"/surveys/{campaign.pk}/answers.csv"):
        assert client_owner.get(path).status_code == 403
    owner.user_permissions.add(Permission.objects.get(codename="view_results"))
    assert client_owner.get(f"/surveys/{campaign.pk}/results/").status_code == 200
