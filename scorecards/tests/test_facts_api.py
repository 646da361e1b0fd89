"""The facts API over HTTP: who may post and read, the envelope for every refusal, reports as raw
bodies and multipart uploads, all-or-nothing bulk posts."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import AuditEntry
from portal.tokens import api_token_create
from scorecards.models import Fact, FactRecord, Report
from scorecards.services import facts as service

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).parent / "reports"
ORDERS = "component:default/orders"


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(service, "task_enqueue_on_commit", lambda name, *args: calls.append((name, *args)))
    return calls


def bearer(user, scope: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user, name=scope, scope=scope)}"})


def post_json(client: Client, url: str, body) -> object:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def error(response, status: int, name: str = "") -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["response"]["statusCode"] == status and body["request"]["url"]
    if name:
        assert body["error"]["name"] == name
    return body["error"]["message"]


def item(ref="component:default/orders", **facts) -> dict:
    return {"entityRef": ref, "facts": facts or {"coverage.line_percent": 81.5}, "source": "github-actions",
            "observedAt": "2026-01-05T10:00:00Z"}


# --- Who may post -----------------------------------------------------------------------------------


def test_facts_token_posts_in_bulk(org, owner, enqueued):
    items = [item("orders", **{"a": 1, "b": [1, 2]}), item("component:orders", c="x"), item(ORDERS, d=None)]
    response = post_json(bearer(owner, "facts"), "/api/facts", {"items": items})
    assert response.status_code == 200, response.content
    assert response.json() == {"entities": 1, "facts": 4, "changed": 4, "refreshed": 0, "unchanged": 0, "stale": 0}
    assert {f.key: f.value for f in Fact.objects.all()} == {"a": 1, "b": [1, 2], "c": "x", "d": None}
    assert enqueued == [("scorecards.tasks.entities_rescore", [ORDERS])]


def test_read_write_token_and_single_item_form(org, owner, enqueued):
    response = post_json(bearer(owner, "write"), "/api/facts", item())
    assert response.status_code == 200 and Fact.objects.get().value == 81.5


def test_read_only_token_may_not_post(org, owner, enqueued):
    message = error(post_json(bearer(owner, "read"), "/api/facts", {"items": [item()]}), 403, "NotAllowedError")
    assert "read-only" in message and not Fact.objects.exists()


def test_events_token_may_not_post_facts(org, owner):
    error(post_json(bearer(owner, "events"), "/api/facts", {"items": [item()]}), 403, "NotAllowedError")


def test_facts_token_reaches_nothing_else_and_reads_no_facts(org, owner):
    client = bearer(owner, "facts")
    assert "only send facts" in error(client.get("/api/facts", {"entityRef": "orders"}), 403, "NotAllowedError")
    error(client.get("/api/facts/history", {"entityRef": "orders"}), 403)
    error(client.get("/api/catalog/entities"), 403)
    assert client.get("/api/facts/openapi.json").status_code == 200


def test_anonymous_is_refused(org):
    error(post_json(Client(), "/api/facts", {"items": [item()]}), 401, "AuthenticationError")


def test_session_posts_need_the_csrf_token(org, owner, enqueued):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert "CSRF" in error(post_json(client, "/api/facts", {"items": [item()]}), 403)
    client.get("/catalog/")  # a page sets the csrftoken cookie
    response = client.post("/api/facts", json.dumps({"items": [item()]}), content_type="application/json",
                           headers={"X-CSRFToken": client.cookies["csrftoken"].value})
    assert response.status_code == 200 and Fact.objects.count() == 1


def test_other_teams_entity_is_refused_whole(org, owner, enqueued):
    items = [item(), item("billing")]
    message = error(post_json(bearer(owner, "facts"), "/api/facts", {"items": items}), 403, "NotAllowedError")
    assert "component:default/billing" in message and "scorecards.facts.write" in message
    assert not Fact.objects.exists() and not enqueued


# --- Bad input: 400 naming the item and field, nothing stored ---------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ({"items": [item(), item("ghost")]}, "items[1].entityRef: no entity 'component:default/ghost'"),
    ({"items": [item(), {"entityRef": "orders", "facts": {"../etc": 1}}]}, "items[1].facts.../etc: fact key"),
    ({"items": [item(), {"entityRef": "orders", "facts": {"has space": 1}}]}, "items[1].facts.has space"),
    ({"items": [{"entityRef": "orders"}]}, "items[0].facts: required"),
    ({"items": [{"entityRef": "orders", "facts": {"a": 1}, "fact": 2}]}, "items[0].fact: unknown field"),
    ({"items": [{"entityRef": "orders", "facts": []}]}, "items[0].facts: expected an object"),
    ({"items": [{"entityRef": "orders", "facts": {}}]}, "expected at least one fact"),
    ({"items": [{"entityRef": 7, "facts": {"a": 1}}]}, "items[0].entityRef"),
    ({"items": [{**item(), "observedAt": "2999-01-01T00:00:00Z"}]}, "items[0].observedAt"),
    ({"items": [{**item(), "source": "x\ny"}]}, "items[0].source"),
    ({"items": []}, "expected at least one item"),
    ({"items": "all"}, "items: expected a list"),
    ({}, "items: expected a list"),
    ('{"items": [{"entityRef": "orders", "facts": {"a": NaN}}]}', "Malformed JSON"),
    ("[" * 50_000 + "]" * 50_000, "Malformed JSON"),
    ('{"items": [', "Malformed JSON"),
    ("", "must be a JSON object"),
    ("[1]", "must be a JSON object"),
])
def test_bad_bulk_input(org, owner, enqueued, body, expected):
    message = error(post_json(bearer(owner, "facts"), "/api/facts", body), 400, "InputError")
    assert expected in message
    assert not Fact.objects.exists() and not FactRecord.objects.exists()


def test_deep_fact_value_is_refused(org, owner):
    deep = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    assert "nest at most 4" in error(post_json(bearer(owner, "facts"), "/api/facts",
                                               {"items": [item(**{"x": deep})]}), 400)


def test_oversized_bulk_body_is_413(org, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_json(bearer(owner, "facts"), "/api/facts", {"items": [item(**{f"k{i}": i for i in range(200)})]})
    assert "several requests" in error(response, 413, "PayloadTooLargeError")


@pytest.mark.parametrize(("method", "url"), [("put", "/api/facts"), ("delete", "/api/facts"),
                                             ("get", "/api/facts/reports"), ("post", "/api/facts/history"),
                                             ("post", "/api/facts/openapi.json")])
def test_wrong_method_is_405_envelope(org, owner, method, url):
    response = getattr(bearer(owner, "write"), method)(url)
    assert "not allowed" in error(response, 405, "NotAllowedError") and response["Allow"]


# --- Reports ----------------------------------------------------------------------------------------


def test_raw_report_body(org, owner, enqueued):
    data = (CORPUS / "jacoco.xml").read_bytes()
    response = bearer(owner, "facts").post("/api/facts/reports?entityRef=orders&format=jacoco&filename=jacoco.xml",
                                           data, content_type="application/xml")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["facts"]["coverage.line_percent"] == 62.5 and body["report"]["format"] == "jacoco"
    assert body["report"]["entityRef"] == ORDERS and body["report"]["size"] == len(data)
    assert body["report"]["observedAt"] == "2026-01-01T00:00:00Z" and "JaCoCo" in body["summary"]
    report = Report.objects.get()
    assert report.filename == "jacoco.xml" and report.sent_by == owner
    assert Fact.objects.get(key="coverage.lines_total").value == 16
    assert enqueued == [("scorecards.tasks.entities_rescore", [ORDERS])]


def test_multipart_report_with_detected_format(org, owner, enqueued):
    upload = SimpleUploadedFile("results.sarif", (CORPUS / "codeql.sarif").read_bytes())
    response = bearer(owner, "facts").post("/api/facts/reports?entityRef=component:default/orders", {"file": upload})
    assert response.status_code == 201, response.content
    assert response.json()["facts"]["vulnerabilities.critical"] == 1
    assert Report.objects.get().filename == "results.sarif"
    assert Fact.objects.get(key="scan.tool").value == "CodeQL"


def test_multipart_without_file_field(org, owner):
    response = bearer(owner, "facts").post("/api/facts/reports?entityRef=orders", {"other": "x"})
    assert "`file`" in error(response, 400)


def test_report_too_large_is_413(org, owner, settings):
    settings.PAVED_FACTS_MAX_REPORT_BYTES = 2048
    big = (CORPUS / "codeql.sarif").read_bytes()
    client = bearer(owner, "facts")
    message = error(client.post("/api/facts/reports?entityRef=orders&format=sarif", big,
                                content_type="application/json"), 413, "PayloadTooLargeError")
    assert "PAVED_FACTS_MAX_REPORT_BYTES" in message
    error(client.post("/api/facts/reports?entityRef=orders", {"file": SimpleUploadedFile("a.sarif", big)}), 413)
    assert not Report.objects.exists()


@pytest.mark.parametrize(("query", "data", "status", "expected"), [
    ("entityRef=orders&format=cobertura&filename=coverage.xml",
     b'<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><coverage>&x;</coverage>', 400,
     "coverage.xml, line 1: a DOCTYPE with an internal subset"),
    ("entityRef=orders&format=cobertura", (CORPUS / "jacoco.xml").read_bytes(), 400, "looks like a jacoco report"),
    ("entityRef=orders&format=lcov", b"", 400, "empty"),
    ("entityRef=orders", b"", 400, "empty report"),
    ("entityRef=orders&format=pdf", b"%PDF-1.7", 400, "unknown format 'pdf'"),
    ("entityRef=ghost&format=lcov", b"SF:a\nend_of_record\n", 404, "component:default/ghost"),
    ("format=lcov", b"SF:a\nend_of_record\n", 400, "entityRef is required"),
    ("entityRef=component:&format=lcov", b"SF:a\nend_of_record\n", 400, "entityRef"),
    ("entityRef=billing&format=lcov", b"SF:a\nend_of_record\n", 403, "component:default/billing"),
])
def test_bad_reports(org, owner, enqueued, query, data, status, expected):
    response = bearer(owner, "facts").post(f"/api/facts/reports?{query}", data, content_type="application/octet-stream")
    assert expected in error(response, status)
    assert not Report.objects.exists() and not Fact.objects.exists() and not enqueued


def test_read_only_token_may_not_post_reports(org, owner):
    response = bearer(owner, "read").post("/api/facts/reports?entityRef=orders", b"SF:a\nend_of_record\n",
                                          content_type="text/plain")
    error(response, 403)


# --- Reads ------------------------------------------------------------------------------------------


def test_current_facts_and_history(org, owner, outsider, enqueued):
    client = bearer(owner, "facts")
    for day, value in ((2, 70.0), (3, 75.0), (4, 81.5)):
        body = {"items": [{"entityRef": "orders", "facts": {"coverage.line_percent": value, "runbook": True},
                           "observedAt": f"2026-01-0{day}T10:00:00Z", "source": "ci"}]}
        assert post_json(client, "/api/facts", body).status_code == 200
    reader = bearer(outsider, "read")  # anyone who may read the entity may read its facts
    body = reader.get("/api/facts", {"entityRef": "orders"}).json()
    assert body["entityRef"] == ORDERS
    assert [(i["key"], i["value"], i["source"], i["observedAt"]) for i in body["items"]] == [
        ("coverage.line_percent", 81.5, "ci", "2026-01-04T10:00:00Z"), ("runbook", True, "ci", "2026-01-04T10:00:00Z")]
    page = reader.get("/api/facts/history", {"entityRef": "orders", "key": "coverage.line_percent", "limit": 2}).json()
    assert [i["value"] for i in page["items"]] == [81.5, 75.0] and page["nextBefore"]
    rest = reader.get("/api/facts/history", {"entityRef": "orders", "key": "coverage.line_percent", "limit": 2,
                                             "before": page["nextBefore"]}).json()
    assert [i["value"] for i in rest["items"]] == [70.0] and rest["nextBefore"] is None
    everything = reader.get("/api/facts/history", {"entityRef": "orders"}).json()
    assert len(everything["items"]) == 4 and everything["items"][0]["report"] is None


def test_reads_of_unknown_entities_and_bad_params(org, owner):
    client = bearer(owner, "read")
    assert "component:default/ghost" in error(client.get("/api/facts", {"entityRef": "ghost"}), 404, "NotFoundError")
    assert "entityRef is required" in error(client.get("/api/facts"), 400)
    error(client.get("/api/facts/history", {"entityRef": "orders", "limit": "many"}), 400)


def test_audit_entry_for_api_posts(org, owner, enqueued):
    post_json(bearer(owner, "facts"), "/api/facts", {"items": [item()]})
    entry = AuditEntry.objects.get(action="scorecards.facts.write")
    assert entry.actor == owner and entry.target == ORDERS and entry.detail["source"] == "github-actions"


def test_openapi_document(org, owner):
    doc = bearer(owner, "read").get("/api/facts/openapi.json").json()
    assert set(doc["paths"]) == {"/facts", "/facts/reports", "/facts/history", "/facts/openapi.json"}
    assert doc["paths"]["/facts"]["post"]["requestBody"]["content"]["application/json"]

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(doc)):  # every reference resolves inside the document
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]


def test_curl_data_binary_form_content_type_is_read_raw(org, owner, enqueued):
    # curl --data-binary @file sends application/x-www-form-urlencoded unless told otherwise.
    data = (CORPUS / "lcov.info").read_bytes()
    response = bearer(owner, "facts").post("/api/facts/reports?entityRef=orders", data,
                                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201, response.content
    assert response.json()["facts"]["coverage.line_percent"] == 75.0


def test_several_files_of_one_format_are_added_up(org, owner, enqueued):
    files = [SimpleUploadedFile("TEST-pytest.xml", (CORPUS / "junit-pytest.xml").read_bytes()),
             SimpleUploadedFile("TEST-maven.xml", (CORPUS / "junit-maven.xml").read_bytes())]
    response = bearer(owner, "facts").post("/api/facts/reports?entityRef=orders&format=junit", {"file": files})
    assert response.status_code == 201, response.content
    assert response.json()["facts"]["tests.total"] == 13 and Fact.objects.get(key="tests.integration").value == 5
    report = Report.objects.get()
    assert report.filename == "TEST-pytest.xml, TEST-maven.xml" and report.fact_count == 6
    assert report.size == sum(len((CORPUS / n).read_bytes()) for n in ("junit-pytest.xml", "junit-maven.xml"))


def test_mixed_formats_in_one_upload_are_refused(org, owner, enqueued):
    files = [SimpleUploadedFile("a.xml", (CORPUS / "junit-pytest.xml").read_bytes()),
             SimpleUploadedFile("b.xml", (CORPUS / "jacoco.xml").read_bytes())]
    message = error(bearer(owner, "facts").post("/api/facts/reports?entityRef=orders", {"file": files}), 400)
    assert "b.xml" in message and "same format" in message
    assert not Report.objects.exists() and not Fact.objects.exists()


def test_several_files_share_the_size_limit(org, owner, settings):
    data = (CORPUS / "junit-pytest.xml").read_bytes()
    settings.PAVED_FACTS_MAX_REPORT_BYTES = len(data) + 100
    files = [SimpleUploadedFile("a.xml", data), SimpleUploadedFile("b.xml", data)]
    error(bearer(owner, "facts").post("/api/facts/reports?entityRef=orders", {"file": files}), 413)
