"""Survey fixtures: a small catalog organisation, an open default campaign, answer helpers."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from catalog.tests.factories import yaml_load
from surveys import selectors, services
from surveys.models import Answer, Campaign, Question, Response

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: org}
spec: {type: organization, children: [team-a, team-b]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, parent: org, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, parent: org, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-c}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {profile: {email: owner@example.com}, memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: teammate}
spec: {profile: {email: teammate@example.com}, memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: outsider}
spec: {profile: {email: outsider@example.com}, memberOf: [team-c]}
"""

TEAM_A = "group:default/team-a"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Three users per test: PBKDF2 would make set-up the slowest part of this suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Submits that really commit (threaded tests) enqueue the results publication: keep it out of
    the development broker's queue. Tests that run the publication call it directly."""
    from surveys.tasks import results_publish

    monkeypatch.setattr(results_publish, "delay", lambda campaign_id: None)


@pytest.fixture
def org(tmp_path, settings):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]  # the catalog reads only there
    return yaml_load(tmp_path, ORG, name="org.yaml")


def open_campaign(quarter: str = "2026-Q4", *, audience=None, days_ago: int = 1) -> Campaign:
    day = selectors.today()
    return services.campaign_create_default(
        title=f"Developer survey {quarter}", quarter=quarter, opens_on=day - datetime.timedelta(days=days_ago),
        closes_on=day + datetime.timedelta(days=14), audience_groups=audience,
    )


def past_campaign(quarter: str, *, opens_on: datetime.date) -> Campaign:
    return services.campaign_create_default(title=f"Developer survey {quarter}", quarter=quarter, opens_on=opens_on,
                                            closes_on=opens_on + datetime.timedelta(days=20))


@pytest.fixture
def campaign(org, owner, teammate, outsider) -> Campaign:
    return open_campaign()


def full_answers(campaign: Campaign, *, likert: int = 4, nps: int = 9, text: str = "Slow CI") -> dict[int, int | str]:
    values = {}
    for item in selectors.campaign_items(campaign=campaign):
        kind = item.question.kind
        values[item.question_id] = {"likert": likert, "nps": nps, "text": text}[kind]
    return values


def add_responses(campaign: Campaign, *, team: str, count: int, likert: int = 4, nps: int = 9,
                  text: str = "") -> None:
    """Stored responses as the submit service writes them, without the people (for results tests)."""
    items = selectors.campaign_items(campaign=campaign)
    for _ in range(count):
        response = Response.objects.create(campaign=campaign, team_ref=team, submitted_on=campaign.opens_on)
        Answer.objects.bulk_create([
            Answer(response=response, campaign=campaign, question=item.question, team_ref=team,
                   value=None if item.question.kind == Question.Kind.TEXT else (
                       nps if item.question.kind == Question.Kind.NPS else likert),
                   text=text if item.question.kind == Question.Kind.TEXT else "")
            for item in items if item.question.kind != Question.Kind.TEXT or text
        ])


def question(campaign: Campaign, key: str) -> Question:
    return next(i.question for i in selectors.campaign_items(campaign=campaign) if i.question.key == key)


@pytest.fixture
def reader(owner) -> Client:
    """A client signed in as someone allowed to read survey results."""
    owner.user_permissions.add(Permission.objects.get(codename="view_results"))
    client = Client()
    client.force_login(owner)
    return client
