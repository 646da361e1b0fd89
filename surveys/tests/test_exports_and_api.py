import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from surveys import services
from surveys.tests.conftest import add_responses, open_campaign

pytestmark = pytest.mark.django_db
A, C = "group:default/team-a", "group:default/team-c"


@pytest.fixture
def results_reader(owner):
    owner.user_permissions.add(Permission.objects.get(codename="view_results"))
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def answered(org):
    campaign = open_campaign()
    add_responses(campaign, team=A, count=5, likert=4, text="a says")
    add_responses(campaign, team=A, count=1, likert=2, text="a too")
    add_responses(campaign, team=C, count=5, likert=5, text="c says")
    add_responses(campaign, team="group:default/team-b", count=1, likert=1)
    services.results_publish(campaign=campaign)  # team-a 5 of 6, team-c 5; the rest waits for a batch
    return campaign


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_aggregate_csv_lists_all_and_teams_of_at_least_k(answered, results_reader):
    rows = _csv(results_reader.get(f"/surveys/{answered.pk}/results.csv"))
    header, body = rows[0], rows[1:]
    groups = {row[header.index("group")] for row in body}
    assert groups == {"All", "team-a", "team-c"}  # team-b's lone answer waits for a batch
    deploy_all = next(r for r in body if r[2] == "deploy-confidently" and r[5] == "All")
    assert deploy_all[header.index("answers")] == "10"


def test_anonymous_rows_show_a_team_only_where_it_has_k_answers(answered, results_reader):
    rows = _csv(results_reader.get(f"/surveys/{answered.pk}/answers.csv"))
    assert rows[0][:3] == ["response", "team", "deploy-confidently"]
    assert len(rows) == 11
    assert {r[1] for r in rows[1:]} == {"team-a", "team-c"}
    assert all("team-b" not in cell for r in rows for cell in r)


def test_api_lists_campaigns_with_status(answered, client_owner):
    body = client_owner.get("/api/surveys/").json()
    assert body["items"][0] | {"id": 0} == {
        "id": 0, "title": answered.title, "quarter": "2026-Q4", "opens_on": answered.opens_on.isoformat(),
        "closes_on": answered.closes_on.isoformat(), "status": "open"}


def test_api_results_apply_the_minimum_group_size(answered, results_reader):
    body = results_reader.get(f"/api/surveys/{answered.pk}/results").json()
    assert body["responses"] == 10 and body["min_group_size"] == 5 and body["batch"] == 5
    deploy = next(q for q in body["questions"] if q["key"] == "deploy-confidently")
    assert deploy["current"]["n"] == 10
    assert [g["group"] for g in deploy["groups"]] == ["team-a", "team-c"]
    assert "team-b" not in str(body)


def test_api_results_need_the_permission_and_a_known_id(answered, teammate, results_reader):
    client = Client()
    client.force_login(teammate)
    denied = client.get(f"/api/surveys/{answered.pk}/results")
    assert denied.status_code == 403 and denied.json()["error"]["name"] == "NotAllowedError"
    assert results_reader.get("/api/surveys/999999/results").status_code == 404


def test_api_takes_bearer_tokens_and_refuses_anonymous_clients(answered, api_token, owner):
    assert Client().get("/api/surveys/").status_code == 401
    assert Client().get("/api/surveys/", HTTP_AUTHORIZATION=f"Bearer {api_token}").status_code == 200
