"""Scaffolder API: create, list, read, cancel and retry tasks, and read their events."""

import json
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from catalog.tests.factories import yaml_load
from portal.tokens import api_token_create
from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldStep
from scaffolding.tests.helpers import HELLO_TEMPLATE, bearer, template_load

pytestmark = pytest.mark.django_db

BASE = "/api/scaffolder/v2"

# HELLO_TEMPLATE with a second, unnamed step and an output link.
TEMPLATE = HELLO_TEMPLATE + """\
    - action: debug:log
      input: {message: bye}
  output:
    links:
      - title: Repo
        url: https://example.com/x
"""


@pytest.fixture
def template(tmp_path):
    template_load(tmp_path, TEMPLATE, name="hello")


def post(client: Client, url: str, body) -> object:
    return client.post(url, json.dumps(body) if not isinstance(body, str) else body, content_type="application/json")


def make_run(user, *, status="open", ref="", dry_run=False, **fields) -> ScaffoldRun:
    run = ScaffoldRun.objects.create(
        template_ref="template:default/hello", template_title="Hello", status=status, created_by=user,
        created_by_ref=ref or (f"user:default/{user.username}" if user else ""), dry_run=dry_run,
        spec={"steps": [{"id": "log", "name": "Say hello", "action": "debug:log", "input": {"message": "hi"}},
                        {"action": "debug:log", "input": {"message": "bye"}}],
              "output": {"links": [{"title": "Repo", "url": "https://example.com/x"}]}},
        values={"name": "web"}, secrets={"token": "s3cret"}, **fields)
    ScaffoldStep.objects.create(run=run, index=0, step_id="log", name="Say hello", action="debug:log")
    ScaffoldStep.objects.create(run=run, index=1, step_id="step-2", name="debug:log", action="debug:log")
    return run


# --- Create -----------------------------------------------------------------------------------


def test_create_answers_201_with_the_new_task_id(template, owner, api_token):
    with mock.patch("scaffolding.tasks.run_execute.delay"):
        response = post(bearer(api_token), f"{BASE}/tasks",
                        {"templateRef": "template:default/hello", "values": {"name": "web-app"},
                         "secrets": {"token": "abc"}})
    assert response.status_code == 201, response.content
    run = ScaffoldRun.objects.get(pk=response.json()["id"])
    assert run.values == {"name": "web-app"} and run.secrets == {"token": "abc"}
    assert run.created_by == owner and run.status == "open"


def test_create_accepts_the_short_template_ref(template, client_owner):
    response = post(client_owner, f"{BASE}/tasks", {"templateRef": "hello", "values": {"name": "web-app"}})
    assert response.status_code == 201


def test_create_reports_invalid_values_like_backstage(template, client_owner):
    response = post(client_owner, f"{BASE}/tasks", {"templateRef": "template:default/hello", "values": {"name": "X"}})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 1
    error = errors[0]
    assert error["property"] == "instance.name" and error["field"] == "name" and error["step"] == 0
    assert error["message"] and error["stack"] == f"instance.name {error['message']}"
    assert ScaffoldRun.objects.count() == 0


def test_create_reports_a_missing_required_value(template, client_owner):
    response = post(client_owner, f"{BASE}/tasks", {"templateRef": "template:default/hello", "values": {}})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


def test_create_of_an_unknown_template_is_not_found(client_owner):
    response = post(client_owner, f"{BASE}/tasks", {"templateRef": "template:default/ghost", "values": {}})
    assert response.status_code == 404
    assert response.json()["error"] == {"name": "NotFoundError", "message": "Template template:default/ghost not found"}


@pytest.mark.parametrize(("body", "needle"), [
    ("not json", "Malformed JSON"),
    ([1, 2], "JSON object"),
    ({"values": {}}, "templateRef"),
    ({"templateRef": 42}, "templateRef"),
    ({"templateRef": "component:default/hello"}, "only 'Template' kind"),
    ({"templateRef": "hello", "values": [1]}, "values must be an object"),
    ({"templateRef": "hello", "values": {}, "secrets": {"a": 1}}, "every value of secrets must be a string"),
])
def test_create_refuses_malformed_bodies_with_an_input_error(template, client_owner, body, needle):
    response = post(client_owner, f"{BASE}/tasks", body)
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
    assert needle in response.json()["error"]["message"]


def test_create_from_a_browser_session_needs_the_csrf_token(template, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = post(client, f"{BASE}/tasks", {"templateRef": "hello", "values": {"name": "web-app"}})
    assert response.status_code == 403
    assert response.json()["error"]["name"] == "NotAllowedError"
    client.get("/profile/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(f"{BASE}/tasks", json.dumps({"templateRef": "hello", "values": {"name": "web-app"}}),
                           content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_create_with_a_bearer_token_needs_no_csrf_token(template, api_token):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {api_token}")
    response = post(client, f"{BASE}/tasks", {"templateRef": "hello", "values": {"name": "web-app"}})
    assert response.status_code == 201


def test_anonymous_create_is_refused_with_401(template):
    response = post(Client(), f"{BASE}/tasks", {"templateRef": "hello", "values": {"name": "web-app"}})
    assert response.status_code == 401


# --- Read -------------------------------------------------------------------------------------


def test_task_json_has_backstage_fields_and_no_secrets(client_owner, owner):
    run = make_run(owner, heartbeat_at=timezone.now())
    response = client_owner.get(f"{BASE}/tasks/{run.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "spec", "status", "createdAt", "lastHeartbeatAt", "createdBy"}
    assert body["id"] == str(run.pk) and body["status"] == "open" and body["createdBy"] == "user:default/owner"
    assert body["createdAt"].endswith("Z") and body["lastHeartbeatAt"].endswith("Z")
    spec = body["spec"]
    assert spec["apiVersion"] == "scaffolder.backstage.io/v1beta3"
    assert spec["parameters"] == {"name": "web"}
    assert [(s["id"], s["name"], s["action"]) for s in spec["steps"]] == [
        ("log", "Say hello", "debug:log"), ("step-2", "debug:log", "debug:log")]
    assert spec["output"] == {"links": [{"title": "Repo", "url": "https://example.com/x"}]}
    assert spec["templateInfo"]["entityRef"] == "template:default/hello"
    assert spec["templateInfo"]["entity"]["metadata"] == {"name": "hello", "namespace": "default", "title": "Hello"}
    assert spec["user"]["ref"] == "user:default/owner"
    assert "s3cret" not in response.content.decode()


@pytest.mark.parametrize("task_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "1"])
def test_unknown_or_malformed_task_ids_are_not_found(client_owner, task_id):
    response = client_owner.get(f"{BASE}/tasks/{task_id}")
    assert response.status_code == 404
    assert response.json()["error"] == {"name": "NotFoundError", "message": f"Task with id {task_id} does not exist"}


def test_list_filters_by_creator_and_status_and_pages(client_owner, owner, teammate):
    mine = [make_run(owner, status="completed") for _ in range(3)]
    make_run(owner, status="failed")
    make_run(teammate, status="completed")
    response = client_owner.get(f"{BASE}/tasks", {"createdBy": "user:default/owner", "status": "completed",
                                                  "limit": 2, "offset": 0})
    assert response.status_code == 200
    body = response.json()
    assert body["totalTasks"] == 3
    assert [t["id"] for t in body["tasks"]] == [str(r.pk) for r in sorted(mine, key=lambda r: r.created_at,
                                                                          reverse=True)][:2]
    assert body["tasks"][0]["spec"]["parameters"] == {"name": "web"}
    everything = client_owner.get(f"{BASE}/tasks").json()
    assert everything["totalTasks"] == 4  # a teammate's task is theirs (scaffolder.task.read: IS_TASK_OWNER)
    both = client_owner.get(f"{BASE}/tasks?status=failed&status=completed&createdBy=user:default/owner").json()
    assert both["totalTasks"] == 4
    assert "s3cret" not in json.dumps(everything)


@pytest.mark.parametrize(("query", "needle"), [
    ("status=running", "Invalid status"), ("limit=-1", "Invalid limit"), ("offset=x", "Invalid offset"),
    ("order=asc:created_at", "Invalid order"),
])
def test_list_refuses_bad_parameters(client_owner, query, needle):
    response = client_owner.get(f"{BASE}/tasks?{query}")
    assert response.status_code == 400
    assert needle in response.json()["error"]["message"]


def test_events_after_an_id_in_backstage_shape(client_owner, owner):
    run = make_run(owner, status="completed")
    first = ScaffoldEvent.objects.create(run=run, body={"message": "one", "stepId": "log"})
    second = ScaffoldEvent.objects.create(run=run, type="completion",
                                          body={"message": "Run completed with status: completed"})
    events = client_owner.get(f"{BASE}/tasks/{run.pk}/events").json()
    assert [e["id"] for e in events] == [first.pk, second.pk]
    assert events[0] == {"id": first.pk, "taskId": str(run.pk), "body": {"message": "one", "stepId": "log"},
                         "type": "log", "createdAt": events[0]["createdAt"]}
    later = client_owner.get(f"{BASE}/tasks/{run.pk}/events", {"after": first.pk}).json()
    assert [e["type"] for e in later] == ["completion"]


def test_events_of_a_running_task_wait_then_answer_empty(client_owner, owner, monkeypatch):
    from scaffolding.api import views

    monkeypatch.setattr(views, "EVENTS_WAIT_SECONDS", 0.2)
    monkeypatch.setattr(views, "EVENTS_POLL_SECONDS", 0.05)
    run = make_run(owner, status="processing")
    response = client_owner.get(f"{BASE}/tasks/{run.pk}/events")
    assert response.status_code == 200 and response.json() == []


def test_events_refuse_a_bad_after(client_owner, owner):
    run = make_run(owner)
    response = client_owner.get(f"{BASE}/tasks/{run.pk}/events?after=abc")
    assert response.status_code == 400


# --- Cancel and retry -------------------------------------------------------------------------


def test_creator_cancels_an_open_task(client_owner, owner):
    run = make_run(owner)
    response = client_owner.post(f"{BASE}/tasks/{run.pk}/cancel")
    assert response.status_code == 200 and response.json() == {"status": "cancelled"}
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_cancel_of_a_processing_task_asks_the_worker(client_owner, owner):
    run = make_run(owner, status="processing")
    response = client_owner.post(f"{BASE}/tasks/{run.pk}/cancel")
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == "processing" and run.cancel_requested


def test_cancel_of_a_completed_task_is_a_conflict(client_owner, owner):
    run = make_run(owner, status="completed")
    response = client_owner.post(f"{BASE}/tasks/{run.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["error"]["name"] == "ConflictError"


def test_only_creator_or_staff_may_cancel_or_retry(owner, outsider):
    run = make_run(owner, status="failed")
    token = api_token_create(user=outsider, name="t")
    for action in ("cancel", "retry"):
        response = bearer(token).post(f"{BASE}/tasks/{run.pk}/{action}")
        assert response.status_code == 403
        assert response.json()["error"]["name"] == "NotAllowedError"
    outsider.is_staff = True  # staff reach the Django admin; that alone is not a platform admin
    outsider.save()
    assert bearer(token).post(f"{BASE}/tasks/{run.pk}/retry").status_code == 403
    outsider.is_superuser = True
    outsider.save()
    with mock.patch("scaffolding.tasks.run_execute.delay"):
        assert bearer(token).post(f"{BASE}/tasks/{run.pk}/retry").status_code == 201


def test_retry_reopens_a_failed_task(client_owner, owner):
    run = make_run(owner, status="failed", error="boom")
    response = client_owner.post(f"{BASE}/tasks/{run.pk}/retry")
    assert response.status_code == 201 and response.json() == {"id": str(run.pk)}
    run.refresh_from_db()
    assert run.status == "open" and run.error == ""


def test_retry_of_a_completed_task_is_a_conflict(client_owner, owner):
    run = make_run(owner, status="completed")
    response = client_owner.post(f"{BASE}/tasks/{run.pk}/retry")
    assert response.status_code == 409
    assert "only failed or cancelled" in response.json()["error"]["message"]


def test_cancel_and_retry_of_unknown_tasks_are_not_found(client_owner):
    for action in ("cancel", "retry"):
        response = client_owner.post(f"{BASE}/tasks/00000000-0000-0000-0000-000000000000/{action}")
        assert response.status_code == 404


def test_cancel_answers_405_to_get(client_owner, owner):
    run = make_run(owner)
    assert client_owner.get(f"{BASE}/tasks/{run.pk}/cancel").status_code == 405


def test_task_detail_includes_the_creator_s_catalog_entity(client_owner, owner, tmp_path):
    yaml_load(tmp_path, """
        apiVersion: backstage.io/v1alpha1
        kind: User
        metadata: {name: owner}
        spec: {profile: {email: owner@example.com}, memberOf: []}
    """, name="user.yaml")
    run = make_run(owner)
    body = client_owner.get(f"{BASE}/tasks/{run.pk}").json()
    assert body["spec"]["user"]["entity"]["metadata"]["name"] == "owner"
    assert body["spec"]["user"]["entity"]["kind"] == "User"


def test_cancel_from_a_browser_session_needs_the_csrf_token(owner):
    run = make_run(owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(f"{BASE}/tasks/{run.pk}/cancel")
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == "open"
