"""The pages and the API: access, wrong method, fragment and full page, query-count guards, hostile
input rendered escaped or refused with a message."""

import json

import pytest
from django.test import Client

from core.models import AuditEntry
from maturity.models import Answer, Roadmap, Snapshot, ThresholdTable
from maturity.tests.conftest import CheckRate

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"


def test_anonymous_is_sent_to_sign_in(fake):
    for url in ("/maturity/", "/maturity/history/", "/maturity/report/", "/maturity/dimensions/cicd/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_everyone_reads_the_full_page(fake, reader_client, django_assert_max_num_queries):
    fake.set("ownership", 85, "17 of 20 components owned and contactable")
    for name, value in (("cicd", 90), ("documentation", 90), ("self_service", 95)):
        fake.set(name, value)
    fake.checks = [CheckRate("service-maturity", "slo", "SLO defined", "monitoring", 1, 9, 0, 10)]
    with django_assert_max_num_queries(12):
        response = reader_client.get("/maturity/")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert "Level 2 — Self-Service" in body and "provisional until every dimension is scored" in body
    assert "17 of 20 components owned" in body
    assert "computed" in body and "Answer the questionnaire" in body
    assert "SLO defined" in body and "Month 1–2" in body
    assert "Edit the roadmap" not in body  # readers do not edit


def test_team_filter_answers_a_fragment_for_htmx(fake, reader_client):
    fake.teams = ["group:default/team-a"]
    response = reader_client.get("/maturity/", {"team": "group:default/team-a"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "group:default/team-a:" in body and "Six-month roadmap" not in body
    assert ("ownership", {"owner_refs": ["group:default/team-a"]}) in fake.calls
    # An unknown team is the organisation, not an error.
    fake.calls.clear()
    reader_client.get("/maturity/", {"team": "group:default/nobody" + "x" * 5000})
    assert ("ownership", {"owner_refs": None}) in fake.calls


def test_wrong_methods(fake, reader_client, admin_client):
    assert reader_client.post("/maturity/").status_code == 405
    assert reader_client.get("/maturity/dimensions/cicd/answer/").status_code == 405
    assert admin_client.put("/maturity/roadmap/").status_code == 405
    assert reader_client.post("/maturity/history/").status_code == 405
    assert reader_client.get("/maturity/snapshots/take/").status_code == 405


def test_readers_may_not_write(fake, reader_client, owner):
    for url, data in (("/maturity/dimensions/cicd/thresholds/", {"level1": "1", "level2": "2", "level3": "3"}),
                      ("/maturity/dimensions/cicd/answer/", {"value": "5"}),
                      ("/maturity/roadmap/", {"version": "0"}), ("/maturity/roadmap/redraft/", {}),
                      ("/maturity/snapshots/take/", {})):
        assert reader_client.post(url, data).status_code == 403, url
    assert reader_client.get("/maturity/roadmap/").status_code == 403
    assert not (ThresholdTable.objects.exists() or Answer.objects.exists() or Roadmap.objects.exists()
                or Snapshot.objects.exists())
    assert AuditEntry.objects.filter(actor=owner, outcome="denied").count() >= 5


def test_admin_answers_the_questionnaire_and_it_is_marked_answered(fake, admin_client):
    response = admin_client.post("/maturity/dimensions/self_service/answer/",
                                 {"value": "45", "note": SCRIPT, "links": "https://jira.example/q"})
    assert response.status_code == 302
    page = admin_client.get("/maturity/dimensions/self_service/").content.decode()
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Level 1 — Standardized" in page and "answered" in page
    index = admin_client.get("/maturity/").content.decode()
    assert "Answered by platform-admin" in index and SCRIPT not in index


def test_bad_answer_and_thresholds_answer_400_with_the_message(fake, admin_client):
    response = admin_client.post("/maturity/dimensions/cicd/answer/", {"value": SCRIPT})
    body = response.content.decode()
    assert response.status_code == 400 and "must be a number in percent" in body and SCRIPT not in body
    response = admin_client.post("/maturity/dimensions/cicd/answer/", {"value": "<i>5</i>"})
    assert "&#x27;&lt;i&gt;5&lt;/i&gt;&#x27; is not a number" in response.content.decode()
    response = admin_client.post("/maturity/dimensions/cicd/thresholds/", {"level1": "80", "level2": "50",
                                                                          "level3": "90"})
    assert response.status_code == 400 and "must be higher than Level 1" in response.content.decode()
    response = admin_client.post("/maturity/dimensions/cicd/thresholds/", {"level1": "x", "level2": "50",
                                                                          "level3": "90"})
    assert response.status_code == 400 and "&#x27;x&#x27; is not a number" in response.content.decode()
    assert not ThresholdTable.objects.exists() and not Answer.objects.exists()
    assert admin_client.get("/maturity/dimensions/nope/").status_code == 404


def test_admin_changes_a_table_and_the_level_follows(fake, admin_client):
    fake.set("cicd", 40)
    assert "Level 1 — Standardized" in admin_client.get("/maturity/dimensions/cicd/").content.decode()
    admin_client.post("/maturity/dimensions/cicd/thresholds/", {"level1": "10", "level2": "30", "level3": "60"})
    assert "Level 2 — Self-Service" in admin_client.get("/maturity/dimensions/cicd/").content.decode()
    admin_client.post("/maturity/dimensions/cicd/thresholds/", {"reset": "1"})
    assert not ThresholdTable.objects.exists()


def _roadmap_post(version, **phases):
    return {"version": str(version), "m1-2": phases.get("m1", ""), "m3-4": phases.get("m3", ""),
            "m5-6": phases.get("m5", ""), "operational_source": "dimension:onboarding", "operational_target": "3",
            "adoption_source": "dimension:ownership", "adoption_target": "90",
            "satisfaction_source": "survey:nps", "satisfaction_target": "0"}


def test_roadmap_edit_escapes_items_and_refuses_stale_versions(fake, admin_client):
    page = admin_client.get("/maturity/roadmap/")
    assert page.status_code == 200 and 'name="version" value="0"' in page.content.decode()
    response = admin_client.post("/maturity/roadmap/", _roadmap_post(0, m1=f"{SCRIPT} -> catalog", m5="Measure"))
    assert response.status_code == 302
    index = admin_client.get("/maturity/").content.decode()
    assert SCRIPT not in index and "&lt;script&gt;" in index and 'href="/catalog/"' in index
    stale = admin_client.post("/maturity/roadmap/", _roadmap_post(0, m1="Someone else's edit"))
    body = stale.content.decode()
    assert stale.status_code == 409 and "changed by platform-admin" in body and "Someone else&#x27;s edit" in body
    bad = admin_client.post("/maturity/roadmap/", _roadmap_post(1, m1="Go -> javascript:alert(1)"))
    assert bad.status_code == 400 and "is not a link" in bad.content.decode()
    assert Roadmap.objects.get().version == 1


def test_history_report_and_markdown(fake, admin_client, reader_client, django_assert_max_num_queries):
    fake.set("ownership", 60)
    admin_client.post("/maturity/snapshots/take/")
    quarter = Snapshot.objects.get().quarter
    with django_assert_max_num_queries(8):
        history = reader_client.get("/maturity/history/")
    assert history.status_code == 200 and "<svg" in history.content.decode() and quarter in history.content.decode()
    report = reader_client.get("/maturity/report/", {"quarter": quarter})
    assert report.status_code == 200 and "@media print" not in report.content.decode()
    assert "css/maturity.css" in report.content.decode()  # its print rules hide the navigation
    md = reader_client.get("/maturity/report.md")
    text = md.content.decode()
    assert md["Content-Type"].startswith("text/markdown") and "| Service ownership | 1 | 60% | computed |" in text
    assert reader_client.get("/maturity/report/", {"quarter": "1999-Q1"}).status_code == 404


def test_markdown_escapes_typed_text(fake, admin_client):
    admin_client.post("/maturity/roadmap/", _roadmap_post(0, m1="a | b <img src=x onerror=alert(1)>"))
    text = admin_client.get("/maturity/report.md").content.decode()
    assert "<img" not in text and "a \\| b &lt;img" in text


def test_api_assessment(fake, reader_client):
    fake.set("onboarding", 2)
    fake.teams = ["group:default/team-a"]
    data = reader_client.get("/api/maturity/assessment").json()
    assert data["level"] is None and data["scored"] == 1
    for name, value in (("cicd", 90), ("ownership", 99), ("documentation", 90)):
        fake.set(name, value)
    data = reader_client.get("/api/maturity/assessment").json()
    assert (data["level"], data["scored"], data["provisional"]) == (2, 4, True)
    row = next(d for d in data["dimensions"] if d["key"] == "onboarding")
    assert row == {**row, "value": 2, "level": 2, "source": "computed", "thresholds": [14.0, 2.0, 1.0]}
    assert reader_client.get("/api/maturity/assessment", {"team": "group:default/team-a"}).json()["teamRef"] == \
        "group:default/team-a"
    bad = reader_client.get("/api/maturity/assessment", {"team": "group:default/<x>"})
    assert bad.status_code == 400 and json.loads(bad.content)["error"]["name"] == "InputError"
    wrong = reader_client.post("/api/maturity/assessment")
    assert wrong.status_code == 405 and wrong.json()["error"]["name"] == "NotAllowedError"


def test_openapi_document_describes_the_assessment(fake, reader_client):
    doc = reader_client.get("/api/maturity/openapi.json").json()
    assert doc["servers"] == [{"url": "/api/maturity"}] and "/assessment" in doc["paths"]
    data = reader_client.get("/api/maturity/assessment").json()
    described = set(doc["components"]["schemas"]["Assessment"]["properties"])
    assert set(data) <= described
    dimension = set(doc["components"]["schemas"]["Dimension"]["properties"])
    assert set(data["dimensions"][0]) <= dimension
