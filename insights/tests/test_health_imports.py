"""Ticket counts, headcount and platform checks: the API, the importers and hostile input."""

import json

import pytest
from django.utils import timezone

from core.audit import AuditEntry
from insights.models import HeadcountMonth, TicketCount, UptimeDay
from insights.services import health as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cached_figures(settings):
    """Each test computes its figures (the cache is tested on its own)."""
    settings.PAVED_INSIGHTS_HEALTH_CACHE_SECONDS = 0

TICKETS = "month,team,category,count\n2026-10,team-a,access,4\n2026-10,team-a,database,2\n2026-11,,access,1\n"


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "x")
    client.force_login(admin)
    client.admin = admin
    return client


def _post(client, url, body, content_type="text/csv"):
    return client.post(url, body, content_type=content_type)


def test_tickets_import_from_csv_and_again_replaces_the_month(admin_client):
    response = _post(admin_client, "/api/insights/tickets", TICKETS)
    assert response.status_code == 201, response.content
    assert response.json() == {"rows": 3, "months": ["2026-10", "2026-11"]}
    assert TicketCount.objects.get(team_ref="group:default/team-a", category="access").count == 4
    again = "month,team,category,count\n2026-10,team-a,access,5\n"
    assert _post(admin_client, "/api/insights/tickets", again).status_code == 201
    rows = {(r.month.month, r.team_ref, r.category): r.count for r in TicketCount.objects.all()}
    assert rows == {(10, "group:default/team-a", "access"): 5, (11, "", "access"): 1}
    assert AuditEntry.objects.filter(action="insights.tickets.import").count() == 2


def test_tickets_from_a_ticket_system_webhook_as_json(admin_client):
    body = {"source": "jira", "counts": [{"month": "2026-11", "team": "group:default/team-b", "category": "infra",
                                          "count": 3}]}
    response = admin_client.post("/api/insights/tickets", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert TicketCount.objects.get().source == "jira"


@pytest.mark.parametrize(("body", "message"), [
    ("\n", "The CSV is empty"),
    ("month,team\n2026-10,a\n", "the header lacks the column(s) count"),
    ("month,team,category,count\n2026-13,team-a,x,1\n", "line 2, column month: expected a month as YYYY-MM"),
    ("month,team,category,count\n2026-10,team-a,x,-1\n", "line 2, column count: expected a whole number"),
    ("month,team,category,count\n2026-10,team-a,x,1e9\n", "line 2, column count"),
    ("month,team,category,count\n2026-10,team-a,x,1\n2026-11,team-a,x\n", "line 3: expected 4 columns, found 3"),
    ("month,team,category,count\n2026-10,component:orders,x,1\n", "line 2, column team: expected a Group"),
    ("month,team,category,count\n2026-10,team-a,\x00bad,1\n", "line 2, column category"),
    ("month,team,category,count\n2026-10,team-a,\"open,1\n", "line 2"),
])
def test_bad_ticket_csv_is_refused_naming_line_and_column_and_nothing_is_stored(admin_client, body, message):
    TicketCount.objects.create(month=timezone.localdate().replace(day=1), category="kept", count=1)
    response = _post(admin_client, "/api/insights/tickets", body)
    assert response.status_code == 400, response.content
    assert message in response.json()["error"]["message"]
    assert list(TicketCount.objects.values_list("category", flat=True)) == ["kept"]


def test_non_utf8_and_non_object_bodies_are_refused(admin_client):
    assert _post(admin_client, "/api/insights/tickets", b"\xff\xfe").status_code == 400
    response = admin_client.post("/api/insights/tickets", "[1]", content_type="application/json")
    assert response.status_code == 400 and "JSON object" in response.json()["error"]["message"]
    response = admin_client.post("/api/insights/tickets", '{"counts": "x"}', content_type="application/json")
    assert response.status_code == 400 and "list of objects" in response.json()["error"]["message"]


def test_imports_need_the_import_permission(org, client_owner):
    response = _post(client_owner, "/api/insights/tickets", TICKETS)
    assert response.status_code == 403 and "insights.data.import" in response.json()["error"]["message"]
    assert not TicketCount.objects.exists()
    assert AuditEntry.objects.filter(action="insights.data.import", outcome="denied").exists()
    assert client_owner.post("/api/insights/checks", "{}", content_type="application/json").status_code == 403


def test_wrong_method(admin_client):
    assert admin_client.get("/api/insights/tickets").status_code == 405
    assert admin_client.post("/api/insights/health").status_code == 405


def test_headcount_import_and_duplicates(admin_client):
    body = "month,team,headcount,leavers\n2026-10,team-a,10,1\n2026-10,team-b,8,0\n"
    assert _post(admin_client, "/api/insights/headcount", body).status_code == 201
    assert HeadcountMonth.objects.get(team_ref="group:default/team-a").leavers == 1
    twice = "month,team,headcount,leavers\n2026-10,team-a,10,1\n2026-10,group:default/team-a,9,0\n"
    response = _post(admin_client, "/api/insights/headcount", twice)
    assert response.status_code == 400 and "line 3, column team" in response.json()["error"]["message"]


def test_posted_checks_roll_up_per_day(admin_client):
    body = {"checks": [{"component": "argocd", "ok": True}, {"component": "argocd", "ok": False, "detail": "503"},
                       {"component": "vault", "ok": True, "at": timezone.now().isoformat()}]}
    response = admin_client.post("/api/insights/checks", json.dumps(body), content_type="application/json")
    assert response.status_code == 201 and response.json() == {"recorded": 3}
    argocd = UptimeDay.objects.get(component="argocd")
    assert (argocd.ok, argocd.failed, argocd.last_ok, argocd.last_detail) == (1, 1, False, "503")


@pytest.mark.parametrize(("checks", "message"), [
    (None, "non-empty list"),
    ([{"component": "paved", "ok": True}], "recorded by Paved itself"),
    ([{"component": "a b<script>", "ok": True}], "checks[0].component"),
    ([{"component": "x", "ok": "yes"}], "checks[0].ok: expected true or false"),
    ([{"component": "x", "ok": True, "at": "2026-01-01T00:00:00"}], "with a zone"),
    ([{"component": "x", "ok": True, "at": "2999-01-01T00:00:00Z"}], "in the future"),
    ([{"component": "x", "ok": True}, "nope"], "checks[1]: expected an object"),
])
def test_bad_checks_are_refused_and_nothing_is_recorded(admin_client, checks, message):
    response = admin_client.post("/api/insights/checks", json.dumps({"checks": checks}),
                                 content_type="application/json")
    assert response.status_code == 400 and message in response.json()["error"]["message"]
    assert not UptimeDay.objects.exists()


def test_the_probe_records_pavels_minute(db):
    assert services.platform_probe() is True
    assert services.platform_probe() is True
    row = UptimeDay.objects.get(component="paved")
    assert (row.ok, row.failed) == (2, 0)


def test_health_json(org, client_owner, monkeypatch):
    from insights.selectors import health

    monkeypatch.setattr(health, "_dora", lambda: None)
    monkeypatch.setattr(health, "_cost", lambda: None)
    response = client_owner.get("/api/insights/health", {"team": "group:default/team-a", "period": "30d"})
    assert response.status_code == 200
    body = response.json()
    assert body["team"] == "group:default/team-a" and body["period"] == "30d" and body["slo"] == 99.9
    assert [m["key"] for m in body["metrics"]] == list(health.KEYS)
    assert body["metrics"][0]["value"] == 1.0 or body["metrics"][0]["value"] == 0.0
    assert {i["kind"] for i in body["indicators"]} == {"leading", "lagging"}
    bad = client_owner.get("/api/insights/health", {"team": "group:default/nope"})
    assert bad.status_code == 400 and "team" in bad.json()["error"]["message"]
    assert client_owner.get("/api/insights/health", {"period": "1y"}).status_code == 400


@pytest.mark.parametrize("value", ["abc", "0", "120", "-5"])
def test_a_bad_platform_slo_stops_start_up_naming_the_setting(value):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PAVED_PLATFORM_SLO": value, "PAVED_SECRET_KEY": "x",
           "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert result.returncode != 0 and "PAVED_PLATFORM_SLO must be a percentage" in result.stderr
