"""Scaffolder API: POST dry-run validates, hands the run to a worker, waits, and answers Backstage's shape."""

import base64
import json

import pytest

from scaffolding import selectors
from scaffolding.api import views
from scaffolding.models import ScaffoldRun

pytestmark = pytest.mark.django_db

URL = "/api/scaffolder/v2/dry-run"

TEMPLATE = {
    "apiVersion": "scaffolder.backstage.io/v1beta3",
    "kind": "Template",
    "metadata": {"name": "preview", "title": "Preview"},
    "spec": {
        "parameters": [{"required": ["name"], "properties": {"name": {"type": "string", "minLength": 3}}}],
        "steps": [
            {"id": "fetch", "name": "Fetch", "action": "fetch:template",
             "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}}},
            {"id": "say", "action": "debug:log", "input": {"message": "made ${{ parameters.name }}"}},
        ],
        "output": {"text": [{"title": "Name", "content": "${{ parameters.name }}"}]},
    },
}
SKELETON = [{"path": "skeleton/README.md", "base64Content": base64.b64encode(b"# ${{ values.name }}\n").decode()}]


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_dry_run_answers_log_files_output_and_steps(client_owner, dry_run_worker):
    response = post(client_owner, {"template": TEMPLATE, "values": {"name": "web-app"}, "secrets": {},
                                   "directoryContents": SKELETON})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed", body
    files = {f["path"]: base64.b64decode(f["base64Content"]).decode() for f in body["directoryContents"]}
    assert files == {"README.md": "# web-app\n"}
    assert all(f["executable"] is False for f in body["directoryContents"])
    assert body["output"] == {"text": [{"title": "Name", "content": "web-app"}]}
    assert [(s["id"], s["name"], s["action"]) for s in body["steps"]] == [
        ("fetch", "Fetch", "fetch:template"), ("say", "debug:log", "debug:log")]
    messages = [entry["body"]["message"] for entry in body["log"]]
    assert "made web-app" in messages
    assert all(set(entry) == {"body"} for entry in body["log"])
    run = ScaffoldRun.objects.get()
    assert run.dry_run and run.created_by.username == "owner"


def test_dry_run_reports_invalid_values_without_running(client_owner, monkeypatch):
    monkeypatch.setattr(selectors, "run_wait", lambda **kw: pytest.fail("must not wait"))
    response = post(client_owner, {"template": TEMPLATE, "values": {"name": "ab"}, "directoryContents": []})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["property"] == "instance.name" and error["field"] == "name"
    assert ScaffoldRun.objects.count() == 0


@pytest.mark.parametrize(("body", "needle"), [
    ({"values": {}, "directoryContents": []}, "template is required"),
    ({"template": TEMPLATE, "directoryContents": []}, "values is required"),
    ({"template": TEMPLATE, "values": {}}, "directoryContents is required"),
    ({"template": TEMPLATE, "values": {}, "directoryContents": [{"path": "a"}]}, "directoryContents[0]"),
    ({"template": TEMPLATE, "values": {}, "directoryContents": [{"path": "a", "base64Content": "%%%"}]},
     "not valid base64"),
    ({"template": TEMPLATE, "values": {}, "secrets": {"a": ["x"]}, "directoryContents": []}, "secrets"),
    ({"template": {**TEMPLATE, "apiVersion": "backstage.io/v1alpha1"}, "values": {"name": "abc"},
      "directoryContents": []}, "Input template is not a template"),
    ({"template": "template", "values": {}, "directoryContents": []}, "template must be an object"),
])
def test_dry_run_refuses_malformed_requests(client_owner, body, needle):
    response = post(client_owner, body)
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
    assert needle in response.json()["error"]["message"]


def test_dry_run_that_no_worker_finishes_is_cancelled(client_owner, monkeypatch):
    monkeypatch.setattr(views, "DRY_RUN_WAIT_SECONDS", 0)
    response = post(client_owner, {"template": TEMPLATE, "values": {"name": "web-app"}, "directoryContents": []})
    assert response.status_code == 503
    assert response.json()["error"]["name"] == "ServiceUnavailableError"
    assert ScaffoldRun.objects.get().status == "cancelled"


def test_dry_run_is_post_only(client_owner):
    assert client_owner.get(URL).status_code == 405
