"""The Delivery tab, the unmatched list and GET /api/insights/dora: access, method, fragment, page, queries."""

import json
from datetime import UTC, date, datetime

import pytest

from catalog.tests.factories import component_yaml, documents_yaml, yaml_load
from core.models import Grant, Role
from insights.lib.webhooks.events import DeploymentEvent, IncidentEvent
from insights.services.events import events_apply

pytestmark = pytest.mark.django_db
URL = "/insights/delivery/default/component/shop/"


@pytest.fixture
def shop(tmp_path):
    yaml_load(tmp_path, documents_yaml(component_yaml("shop", owner="team-a"), component_yaml("cart", owner="team-a"),
                                       component_yaml("other", owner="team-b")))
    events = [DeploymentEvent(external_id=f"d{i}", service="shop", environment="production", status="success",
                              deployed_at=datetime(2026, 1, 5 + i, 10, tzinfo=UTC))
              for i in range(3)]
    events += [DeploymentEvent(external_id="c", service="cart", environment="prod", status="success",
                               deployed_at=events[0].deployed_at),
               DeploymentEvent(external_id="o", service="other", environment="prod", status="success",
                               deployed_at=events[0].deployed_at),
               IncidentEvent(external_id="i", service="shop", opened_at=events[0].deployed_at,
                             title="Checkout <b>down")]
    events_apply(events=events, source="api")


def test_page_shows_keys_bands_deployments_and_incidents(client_owner, shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client_owner.get(URL, {"start": "2026-01-01", "end": "2026-01-31", "bucket": "week"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deployment frequency" in html and "0.10 a day (3 deployments)" in html
    assert "Checkout &lt;b&gt;down" in html and "<svg" in html and "<html" in html.lower()
    assert "1 not resolved" in html


def test_htmx_gets_the_fragment(client_owner, shop):
    response = client_owner.get(URL, {"bucket": "month", "start": "2026-01-01", "end": "2026-02-28"},
                                headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.content.decode().lower()
    assert "Month from" in response.content.decode()


def test_bad_period_says_which_field(client_owner, shop):
    response = client_owner.get(URL, {"start": "yesterday"})
    assert response.status_code == 400 and "start: &#x27;yesterday&#x27; is not a date" in response.content.decode()


def test_unknown_or_non_component_is_404_and_post_is_405(client_owner, shop):
    assert client_owner.get("/insights/delivery/default/component/nope/").status_code == 404
    assert client_owner.get("/insights/delivery/default/group/team-a/").status_code == 404
    assert client_owner.post(URL).status_code == 405


def test_anonymous_redirects_and_without_insights_read_is_403(client, client_owner, shop):
    assert client.get(URL).status_code == 302
    Grant.objects.filter(role__everyone=True, permission="insights.read").delete()
    from core.access import access_cache_clear

    access_cache_clear()
    assert client_owner.get(URL).status_code == 403
    assert client_owner.get("/api/insights/dora").status_code == 403
    assert Role.objects.filter(everyone=True).exists()


def test_entity_page_has_the_delivery_tab(client_owner, shop):
    html = client_owner.get("/catalog/default/component/shop/").content.decode()
    assert f'href="{URL}"' in html and ">Delivery<" in html
    assert URL not in client_owner.get("/catalog/default/group/team-a/").content.decode()


def test_unmatched_page_and_api(client_owner, shop, django_assert_max_num_queries):
    events_apply(events=[DeploymentEvent(external_id="x", service="ghost", environment="production",
                                         status="success", deployed_at=datetime(2026, 1, 5, tzinfo=UTC),
                                         match_keys=(("argocd/app-name", "ghost-prod"),))], source="argocd")
    with django_assert_max_num_queries(10):
        page = client_owner.get("/insights/delivery/unmatched/")
    assert page.status_code == 200 and "ghost" in page.content.decode() and "argocd/app-name: ghost-prod" in (
        page.content.decode())
    assert client_owner.get("/insights/delivery/unmatched/", headers={"HX-Request": "true"}).content.decode().count(
        "<html") == 0
    items = client_owner.get("/api/insights/delivery/unmatched").json()["items"]
    assert [(i["kind"], i["service"], i["count"]) for i in items] == [("deployment", "ghost", 1)]


def test_dora_api_component_team_and_organisation(client_owner, shop, django_assert_max_num_queries):
    period = {"start": "2026-01-01", "end": "2026-01-31", "bucket": "month"}
    with django_assert_max_num_queries(8):
        one = client_owner.get("/api/insights/dora", period | {"component": "component:default/shop"}).json()
    assert one["keys"]["deployments"] == 3 and one["keys"]["incidents"] == 1
    assert one["keys"]["bands"]["deploy_frequency"] == "medium"
    assert one["series"][0]["start"] == "2026-01-01" and one["series"][0]["deployments"] == 3
    team = client_owner.get("/api/insights/dora", period | {"team": "group:default/team-a"}).json()
    assert team["keys"]["deployments"] == 4 and team["scope"]["components"] == [
        "component:default/cart", "component:default/shop"]
    org = client_owner.get("/api/insights/dora", period).json()
    assert org["keys"]["deployments"] == 5 and org["scope"]["organisation"] is True


@pytest.mark.parametrize(("query", "message"), [
    ({"start": "2026-13-01"}, "start: '2026-13-01' is not a date"),
    ({"bucket": "year"}, "bucket: expected one of day, week, month, quarter"),
    ({"start": "2026-02-01", "end": "2026-01-01"}, "end: earlier than start"),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "at most"),
])
def test_dora_api_bad_input_is_400(client_owner, query, message):
    response = client_owner.get("/api/insights/dora", query)
    assert response.status_code == 400 and message in response.json()["error"]["message"]


def test_dora_api_post_is_405(client_owner):
    assert client_owner.post("/api/insights/dora").status_code in (403, 405)
    assert json.loads(client_owner.generic("PUT", "/api/insights/dora").content)["error"]["name"] in (
        "NotAllowedError",)


def test_date_defaults_are_the_last_90_days(client_owner):
    body = client_owner.get("/api/insights/dora").json()
    assert (date.fromisoformat(body["end"]) - date.fromisoformat(body["start"])).days == 89
