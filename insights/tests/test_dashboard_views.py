"""Platform Health pages: access, method, fragment and full page, the CSV, query-count guards."""

import csv
import io
from datetime import date

import pytest
from django.test import Client

from core.access import access_cache_clear
from core.models import Grant
from insights.selectors import health
from insights.tests.health_fakes import Keys, fake_cost, fake_dora

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cached_figures(settings):
    """Each test computes its figures (the cache is tested on its own)."""
    settings.PAVED_INSIGHTS_HEALTH_CACHE_SECONDS = 0


@pytest.fixture
def fakes(monkeypatch):
    dora = fake_dora(current=Keys(deployments=40, deploys_per_day=2.0, restore_hours=1.5, lead_time_hours=20.0,
                                  change_failure_rate=0.1),
                     previous=Keys(deployments=20, deploys_per_day=1.0, restore_hours=3.0))
    cost = fake_cost(per_developer={(date(2026, 11, 1), None): 1200.0,
                                    (date(2026, 11, 1), "group:default/team-a"): 900.0}, latest=date(2026, 11, 1))
    monkeypatch.setattr(health, "_dora", lambda: dora)
    monkeypatch.setattr(health, "_cost", lambda: cost)
    return dora


def test_the_dashboard_is_the_insights_home_with_every_row(org, client_owner, fakes):
    response = client_owner.get("/insights/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Platform Health</h1>" in body and 'id="health-filters"' in body
    for key in health.KEYS:
        assert f'data-key="{key}"' in body
    assert "1.00 deploys/day/team" in body  # 2 a day over the two teams that own services
    assert "1,200/month" in body
    assert "Leading and lagging indicators" in body and "<svg" in body
    assert "<script>" not in body.split("</head>")[1]  # charts are drawn on the server, no inline script


def test_the_team_filter_returns_a_fragment_for_htmx(org, client_owner, fakes):
    response = client_owner.get("/insights/", {"team": "group:default/team-a", "period": "30d"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="health-body">') and "<html" not in body
    assert "Team <a href=\"/insights/teams/default/team-a/?period=30d\">" in body
    assert "2.00 deploys/day/team" in body and "900/month" in body
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_bad_filters_fall_back_to_the_whole_organisation(org, client_owner, fakes):
    response = client_owner.get("/insights/", {"team": "group:default/<script>", "period": "999y"})
    assert response.status_code == 200
    assert "Whole organisation" in response.content.decode() and "<script>" not in response.content.decode()


def test_pages_refuse_people_without_insights_read(org, client_owner, fakes):
    Grant.objects.filter(permission="insights.read").delete()
    access_cache_clear()
    for url in ("/insights/", "/insights/health.csv", "/insights/figures/mttr_hours/",
                "/insights/teams/default/team-a/"):
        assert client_owner.get(url).status_code == 403, url


def test_anonymous_people_are_sent_to_sign_in(org, fakes):
    response = Client().get("/insights/")
    assert response.status_code in (302, 401)


@pytest.mark.parametrize("url", ["/insights/", "/insights/health.csv", "/insights/figures/mttr_hours/",
                                 "/insights/teams/default/team-a/"])
def test_pages_answer_only_get(org, client_owner, fakes, url):
    assert client_owner.post(url).status_code == 405


def test_a_figure_shows_the_data_behind_it(org, client_owner, fakes):
    response = client_owner.get("/insights/figures/mttr_hours/", {"period": "90d"})
    body = response.content.decode()
    assert response.status_code == 200 and "<h1>MTTR</h1>" in body
    assert 'id="figure-data"' in body and "1.5 hours" in body and "3.0 hours" in body
    fragment = client_owner.get("/insights/figures/mttr_hours/", {"period": "30d"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().startswith('<div id="figure-body">')


def test_an_indicator_is_a_figure_too_and_unknown_ones_are_404(org, client_owner, fakes):
    assert "Incident count trend" in client_owner.get("/insights/figures/incident_count/").content.decode()
    assert client_owner.get("/insights/figures/nothing/").status_code == 404


def test_a_figure_without_data_says_what_it_needs(org, client_owner, fakes):
    body = client_owner.get("/insights/figures/platform_uptime/").content.decode()
    assert 'id="figure-needs"' in body and "/api/insights/checks" in body


def test_the_team_page(org, client_owner, fakes):
    response = client_owner.get("/insights/teams/default/team-a/")
    body = response.content.decode()
    assert response.status_code == 200 and "team-a" in body
    assert 'id="team-keys"' in body and ">orders</a>" in body and "20.0 hours" in body and "10%" in body
    assert 'href="/insights/delivery/default/component/orders/"' in body  # the component's delivery page
    assert 'id="team-cost"' in body and 'href="/insights/cost/teams/team-a/"' in body
    assert "answers from this team" in body  # no survey may be shown
    assert client_owner.get("/insights/teams/default/nope/").status_code == 404
    fragment = client_owner.get("/insights/teams/default/team-a/", {"period": "30d"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().startswith('<div id="team-body">')


def test_the_csv_export(org, client_owner, fakes):
    response = client_owner.get("/insights/health.csv", {"team": "group:default/team-a"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["key"] for r in rows] == list(health.KEYS)
    by_key = {r["key"]: r for r in rows}
    assert by_key["deploy_frequency"]["value"] == "2.0" and by_key["deploy_frequency"]["team"] == "group:default/team-a"
    assert by_key["platform_uptime"]["value"] == "" and by_key["platform_uptime"]["needs"]


def _queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_catalog(org, client_owner, fakes, django_assert_max_num_queries):
    from catalog.models import Entity

    pages = [("/insights/", {}), ("/insights/", {"team": "group:default/team-a"}),
             ("/insights/teams/default/team-a/", {})]
    for url, params in pages:
        client_owner.get(url, params)  # warms the access caches
    before = [_queries(client_owner, url, params) for url, params in pages]
    for i in range(30):
        Entity.objects.create(ref=f"component:default/extra-{i}", kind="Component", name=f"extra-{i}",
                              owner_ref="group:default/team-a" if i % 2 else "group:default/team-b",
                              body={"metadata": {"name": f"extra-{i}"}}, etag=str(i), content_hash=str(i))
    after = [_queries(client_owner, url, params) for url, params in pages]
    assert after == before
    with django_assert_max_num_queries(26):
        client_owner.get("/insights/")


def test_pages_reuse_figures_for_the_cache_time(org, client_owner, fakes, settings):
    from django.core.cache import cache

    cache.clear()
    settings.PAVED_INSIGHTS_HEALTH_CACHE_SECONDS = 60
    client_owner.get("/insights/")
    calls = len(fakes.calls)
    assert "1.00 deploys/day/team" in client_owner.get("/insights/").content.decode()
    assert len(fakes.calls) == calls  # nothing read again
    client_owner.get("/insights/", {"period": "30d"})
    assert len(fakes.calls) > calls  # another period is another answer
    cache.clear()


def test_the_team_page_shows_scorecard_grades_when_scorecards_are_connected(org, client_owner, fakes, monkeypatch):
    asked = []
    monkeypatch.setitem(health._SOURCES, "grade_distribution",
                        lambda owners: asked.append(owners) or [("Production readiness", [("A", 1), ("B", 0)])])
    body = client_owner.get("/insights/teams/default/team-a/").content.decode()
    assert "Production readiness: grades of the team" in body and "A: 1" in body
    assert asked == [["group:default/team-a"]]


def test_figure_pages_keep_a_flat_query_count(org, client_owner, fakes, django_assert_max_num_queries):
    client_owner.get("/insights/figures/platform_uptime/")  # warms the access caches
    for key in ("platform_uptime", "self_service_rate", "attrition"):
        with django_assert_max_num_queries(26):
            assert client_owner.get(f"/insights/figures/{key}/").status_code == 200


def test_the_connect_data_page_says_how_to_send_each_kind(org, client_owner, fakes):
    from django.urls import reverse

    assert reverse("insights:index") == reverse("insights:home") == "/insights/"
    response = client_owner.get(reverse("insights:settings"))
    body = response.content.decode()
    assert response.status_code == 200 and "<h1>Connect data</h1>" in body
    assert "POST /api/insights/tickets" in body and "paved.dev/start-date" in body
    assert 'id="connect-missing"' in body and "Platform Uptime" in body  # no checks recorded in this test
    assert client_owner.post(reverse("insights:settings")).status_code == 405


def test_the_cost_figure_leads_to_the_cost_pages(org, client_owner, fakes):
    body = client_owner.get("/insights/figures/cost_per_developer/").content.decode()
    assert 'id="figure-more"' in body and 'href="/insights/cost/"' in body
