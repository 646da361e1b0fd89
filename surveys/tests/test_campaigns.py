import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from surveys import selectors, services
from surveys.models import Campaign, Question
from surveys.tests.conftest import open_campaign

pytestmark = pytest.mark.django_db

YAML = """\
title: Platform pulse 2027-Q1
quarter: 2027-Q1
opens_on: 2027-01-10
closes_on: 2027-01-31
audience: [org]
sections:
  - title: Delivery
    questions:
      - key: deploy-confidently
        text: I can deploy my changes to production confidently and quickly.
      - kind: choice
        text: Which environment do you deploy to most?
        choices: [staging, production]
  - title: Overall
    questions:
      - kind: nps
        text: How likely are you to recommend the platform to a colleague?
      - kind: text
        text: Anything else?
"""


def test_the_default_campaign_has_the_seed_questions_and_nps_in_five_sections(org):
    campaign = open_campaign()
    items = selectors.campaign_items(campaign=campaign)
    assert len(items) == 13
    kinds = [i.question.kind for i in items]
    assert (kinds.count("likert"), kinds.count("nps"), kinds.count("text")) == (10, 1, 2)
    assert [name for name, _ in selectors.campaign_sections(items=items)] == [
        "Infrastructure & Deployment", "Observability & Debugging", "Documentation & Discovery", "Developer Tools",
        "Overall"]


def test_copying_keeps_question_identities_and_moves_to_next_quarter(org):
    source = open_campaign("2026-Q4")
    copy = services.campaign_copy(source=source)
    assert copy.quarter == "2027-Q1" and copy.title == "Developer survey 2027-Q1"
    assert copy.opens_on == source.opens_on + (datetime.date(2027, 1, 1) - datetime.date(2026, 10, 1))
    assert [i.question_id for i in selectors.campaign_items(campaign=copy)] == [
        i.question_id for i in selectors.campaign_items(campaign=source)]
    with pytest.raises(ValidationError):
        services.campaign_copy(source=source)  # 2027-Q1 exists already


def test_a_changed_wording_is_a_new_identity_and_the_same_wording_is_not():
    q1 = services.question_get_or_create(kind="likert", text="CI is fast.", key="ci-fast")
    assert services.question_get_or_create(kind="likert", text="CI  is fast. ", key="other") == q1
    q2 = services.question_get_or_create(kind="likert", text="CI is fast enough.", key="ci-fast")
    assert q2 != q1 and q2.key.startswith("ci-fast-") and q2.wording_hash != q1.wording_hash


def test_loads_a_campaign_from_yaml_with_the_command(org, tmp_path):
    path = tmp_path / "q1.yaml"
    path.write_text(YAML)
    call_command("survey_load", str(path))
    campaign = Campaign.objects.get(quarter="2027-Q1")
    assert campaign.audience_groups == ["group:default/org"]
    kinds = [i.question.kind for i in selectors.campaign_items(campaign=campaign)]
    assert kinds == ["likert", "choice", "nps", "text"]
    assert selectors.campaign_items(campaign=campaign)[3].required is False
    call_command("survey_load", str(path))  # idempotent
    assert Campaign.objects.filter(quarter="2027-Q1").count() == 1
    assert Question.objects.filter(kind="nps").count() == 1


@pytest.mark.parametrize(("text", "message"), [
    ("quarter: 2027-5\n", "quarter: expected"),
    (YAML.replace("kind: choice", "kind: slider"), "questions[2].kind"),
    (YAML.replace("opens_on: 2027-01-10", "opens_on: soon"), "opens_on: expected a date"),
    (YAML.replace("choices: [staging, production]", "choices: [only]"), "choices"),
    ("[unclosed", "Not valid YAML"),
])
def test_bad_yaml_gets_a_message_naming_the_field_and_stores_nothing(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call_command("survey_load", str(path))
    assert not Campaign.objects.exists()


def test_audience_includes_sub_groups_and_excludes_others(org, owner, teammate, outsider):
    campaign = open_campaign(audience=["org"])
    assert selectors.user_in_audience(user=owner, campaign=campaign)
    assert not selectors.user_in_audience(user=outsider, campaign=campaign)
    assert set(selectors.audience_users(campaign=campaign).values_list("username", flat=True)) == {
        "owner", "teammate"}
