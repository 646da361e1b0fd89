"""GET /api/scorecards/...: list, a scorecard's scores (filters, sort, offset paging), an entity's scores with
history, a team roll-up, history series; Backstage's error envelope for every failure."""

import pytest
from django.core.cache import cache
from django.test import Client

from scorecards.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(org):
    cache.clear()
    card = f.scorecard()
    orders = f.score(card, "orders", points=78, failing=("runbook", "cost-labels"), level="Silver")
    f.weeks(card, orders, [70, 78])
    f.score(card, "billing", points=41, failing=("docs",), level="", owner="group:default/team-b")
    for i in range(5):
        f.score(card, f"svc-{i}", points=90 + i, owner="group:default/team-a")
    return card


def _envelope(response, status: int, name: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["name"] == name
    return body


def test_list(client_owner, card):
    body = client_owner.get("/api/scorecards").json()
    [item] = body["items"]
    assert item["slug"] == card.slug and item["levels"] == ["Bronze", "Silver", "Gold"]
    assert item["grades"] == {"A": 5, "B": 1, "C": 0, "D": 1, "F": 0} and item["total"] == 7


def test_scores_filters_sort_and_paging(client_owner, card):
    body = client_owner.get(f"/api/scorecards/{card.slug}/scores?sort=-score&limit=3").json()
    assert body["total"] == 7 and body["nextOffset"] == 3
    assert [i["name"] for i in body["items"]] == ["svc-4", "svc-3", "svc-2"]
    last = client_owner.get(f"/api/scorecards/{card.slug}/scores?sort=-score&limit=3&offset=6").json()
    assert [i["name"] for i in last["items"]] == ["billing"] and last["nextOffset"] is None
    failing = client_owner.get(f"/api/scorecards/{card.slug}/scores?failing=runbook").json()
    [orders] = failing["items"]
    assert orders["line"] == "orders: B (78/100) Missing: runbook, cost labels"
    assert orders["missing"] == ["runbook", "cost labels"] and orders["level"] == "Silver"
    team = client_owner.get(f"/api/scorecards/{card.slug}/scores?owner=group:default/team-b&grade=D").json()
    assert [i["entityRef"] for i in team["items"]] == ["component:default/billing"]


@pytest.mark.parametrize("query", ["sort=drop", "limit=0", "limit=100000", "offset=-1", "limit=abc",
                                   "failing=%3Cscript%3E"])
def test_scores_bad_input_is_a_400_envelope(client_owner, card, query):
    body = _envelope(client_owner.get(f"/api/scorecards/{card.slug}/scores?{query}"), 400, "InputError")
    assert body["error"]["message"].startswith("Invalid")


def test_unknown_scorecard_and_entity_are_404(client_owner, card):
    _envelope(client_owner.get("/api/scorecards/nope/scores"), 404, "NotFoundError")
    _envelope(client_owner.get("/api/scorecards/by-entity/component/default/nope"), 404, "NotFoundError")
    _envelope(client_owner.get(f"/api/scorecards/{card.slug}/history?entityRef=component:default/nope"), 404,
              "NotFoundError")


def test_wrong_method_is_a_405_envelope(client_owner, card):
    for url in ("/api/scorecards", f"/api/scorecards/{card.slug}/scores"):
        response = client_owner.delete(url)
        _envelope(response, 405, "NotAllowedError")
        assert response["Allow"] == "GET"


def test_read_permission_required(client_owner, card):
    from core.access import access_cache_clear
    from core.models import Grant

    Grant.objects.filter(permission="scorecards.scorecard.read").delete()
    access_cache_clear()
    _envelope(client_owner.get("/api/scorecards"), 403, "NotAllowedError")
    _envelope(client_owner.get(f"/api/scorecards/{card.slug}/history"), 403, "NotAllowedError")


def test_entity_scores_with_checks_and_history(client_owner, card):
    body = client_owner.get("/api/scorecards/by-entity/Component/default/orders?weeks=2").json()
    assert body["entityRef"] == "component:default/orders" and len(body["weeks"]) == 2
    [item] = body["items"]
    assert item["scorecard"] == card.slug and item["history"] == [70.0, 78.0]
    assert {c["key"]: c["state"] for c in item["checks"]}["runbook"] == "fail"
    _envelope(client_owner.get("/api/scorecards/by-entity/component/default/orders?weeks=1000"), 400, "InputError")


def test_team_rollup_and_history(client_owner, card):
    body = client_owner.get(f"/api/scorecards/{card.slug}/teams/default/team-a").json()
    assert body["team"] == "group:default/team-a" and body["total"] == 6
    assert body["grades"]["A"] == 5 and body["worstChecks"][0]["check"] in ("runbook", "cost-labels")
    assert body["teamTrend"][-1] == 78.0
    org = client_owner.get(f"/api/scorecards/{card.slug}/history?weeks=2").json()
    assert [p["average"] for p in org["series"]] == [70.0, 78.0]
    team_b = client_owner.get(f"/api/scorecards/{card.slug}/history?weeks=2&owner=group:default/team-b").json()
    assert [p["average"] for p in team_b["series"]] == [None, None]
    _envelope(client_owner.get(f"/api/scorecards/{card.slug}/history?owner=a&entityRef=b"), 400, "InputError")


def test_facts_scoped_token_cannot_read_scores(card, owner):
    from portal.tokens import api_token_create

    token = api_token_create(user=owner, name="ci", scope="facts")
    response = Client().get("/api/scorecards", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (401, 403)


def test_api_query_count_is_constant(client_owner, card, django_assert_max_num_queries):
    url = f"/api/scorecards/{card.slug}/scores?limit=50&failing=docs"
    client_owner.get(url)
    with django_assert_max_num_queries(10) as few:
        client_owner.get(url)
    for i in range(40):
        f.score(card, f"more-{i}", points=50, failing=("docs",))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client_owner.get(url).json()["items"]) == 41


def test_nul_bytes_in_filters_are_harmless(client_owner, card):
    response = client_owner.get(f"/api/scorecards/{card.slug}/scores?owner=%00&q=a%00b&grade=%00")
    assert response.status_code == 200 and response.json()["total"] == 0  # "ab" names no entity


def test_openapi_document_lists_every_route(client_owner):
    document = client_owner.get("/api/scorecards/openapi.json").json()
    assert set(document["paths"]) >= {"/scorecards", "/scorecards/{slug}/scores", "/scorecards/{slug}/history",
                                      "/scorecards/by-entity/{kind}/{namespace}/{name}",
                                      "/scorecards/{slug}/teams/{namespace}/{name}"}
