# ruff: noqa: F811  (the shared fixtures are imported from test_cost_support and named as arguments)
"""The cost API: grouped figures with insights.read, imports with insights.data.import (a token or a
session with CSRF), and Backstage's error envelope for every refusal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from insights.models.cost import CostImport
from insights.tests.test_cost_support import JANUARY, admin, cost_dir, run_import  # noqa: F401
from portal.tokens import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org, admin, cost_dir):
    run_import(admin, JANUARY)


def _bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')}"}


def test_cost_by_team_and_by_service(data, owner):
    body = Client().get("/api/insights/cost?month=2025-01", **_bearer(owner)).json()
    assert body["total"] == "21.25" and body["attributed"] == "18.00" and body["unallocated"] == "3.25"
    assert body["groupBy"] == "team" and body["currency"] == "USD"
    assert body["items"] == [{"key": "group:default/team-a", "amount": "18.00"}, {"key": "", "amount": "3.25"}]
    assert (body["developers"], body["perDeveloper"]) == (4, "5.31")
    body = Client().get("/api/insights/cost?month=2025-01&team=team-a&group_by=environment",
                        **_bearer(owner)).json()
    assert body["items"] == [{"key": "production", "amount": "15.00"}, {"key": "", "amount": "3.00"}]
    assert body["perDeveloper"] == "9.00"


def test_latest_month_by_default_and_empty(db, owner):
    body = Client().get("/api/insights/cost", **_bearer(owner)).json()
    assert body["month"] is None and body["items"] == [] and "No cost data" in body["message"]


@pytest.mark.parametrize(("query", "message"), [
    ("month=2025-1", "month: expected a month"), ("group_by=color", "group_by: expected one of"),
    (f"team={'x' * 321}", "team: at most 320"),
])
def test_bad_parameters(db, owner, query, message):
    response = Client().get(f"/api/insights/cost?{query}", **_bearer(owner))
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError" and message in response.json()["error"]["message"]


def test_anonymous_and_wrong_method(db, owner):
    assert Client().get("/api/insights/cost").status_code == 401
    response = Client().post("/api/insights/cost", **_bearer(owner))
    assert response.status_code == 405 and response.json()["error"]["name"] == "NotAllowedError"
    assert Client().get("/api/insights/cost/imports", **_bearer(owner)).status_code == 405


def test_import_through_the_api(org, admin, cost_dir, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("insights.tasks.cost_import_run.delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/api/insights/cost/imports",
                                 {"format": "focus", "file": SimpleUploadedFile("jan.csv", JANUARY.encode())},
                                 **_bearer(admin))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["format"] == "focus" and body["totalBytes"] == len(JANUARY)
    assert sent == [body["id"]]
    status = Client().get(f"/api/insights/cost/imports/{body['id']}", **_bearer(admin)).json()
    assert status["url"].endswith(f"/api/insights/cost/imports/{body['id']}")
    missing = Client().get("/api/insights/cost/imports/999", **_bearer(admin))
    assert missing.status_code == 404 and missing.json()["error"]["name"] == "NotFoundError"


def test_non_admin_upload_is_403(db, owner, cost_dir):
    response = Client().post("/api/insights/cost/imports",
                             {"format": "focus", "file": SimpleUploadedFile("jan.csv", JANUARY.encode())},
                             **_bearer(owner))
    assert response.status_code == 403 and "insights.data.import" in response.json()["error"]["message"]
    assert not CostImport.objects.exists()
    assert Client().get("/api/insights/cost/imports/1", **_bearer(owner)).status_code == 403


def test_bad_import_input(db, admin, cost_dir):
    response = Client().post("/api/insights/cost/imports", {"format": "focus"}, **_bearer(admin))
    assert response.status_code == 400 and "file" in response.json()["error"]["message"]
    response = Client().post("/api/insights/cost/imports",
                             {"format": "pdf", "file": SimpleUploadedFile("a.pdf", b"%PDF")}, **_bearer(admin))
    assert response.status_code == 400 and "format" in response.json()["error"]["message"]


def test_session_upload_needs_csrf(db, admin, cost_dir):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post("/api/insights/cost/imports",
                           {"format": "focus", "file": SimpleUploadedFile("jan.csv", JANUARY.encode())})
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]
    assert not CostImport.objects.exists()


def test_cost_needs_insights_read(data, owner):
    from core.access import access_cache_clear
    from core.models import Grant

    Grant.objects.filter(role__everyone=True, permission="insights.read").delete()
    access_cache_clear()
    response = Client().get("/api/insights/cost", **_bearer(owner))
    assert response.status_code == 403 and "insights.read" in response.json()["error"]["message"]
