"""Scaffolder API: parameter schemas, installed actions, the OpenAPI document and the 404/405 envelopes."""

import pytest
from django.test import Client

from catalog.tests.factories import yaml_load
from scaffolding.actions import action_registry
from scaffolding.tests.helpers import bearer

pytestmark = pytest.mark.django_db

BASE = "/api/scaffolder/v2"

TEMPLATE = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: svc
  title: Backend service
  description: A service with CI.
spec:
  owner: group:default/platform
  type: service
  presentation:
    buttonLabels: {createButtonText: Go}
  parameters:
    - title: Basics
      description: Who and what
      required: [name]
      properties:
        name: {type: string, title: Name}
    - properties:
        flag: {type: boolean}
  steps:
    - id: log
      action: debug:log
      input: {message: hi}
"""


def test_parameter_schema_lists_each_step_with_backstage_defaults(tmp_path, api_token):
    yaml_load(tmp_path, TEMPLATE, name="template.yaml")
    response = bearer(api_token).get(f"{BASE}/templates/default/template/svc/parameter-schema")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Backend service" and body["description"] == "A service with CI."
    assert body["presentation"] == {"buttonLabels": {"createButtonText": "Go"}}
    assert [step["title"] for step in body["steps"]] == ["Basics", "Please enter the following information"]
    assert body["steps"][0]["description"] == "Who and what"
    assert body["steps"][0]["schema"]["required"] == ["name"]
    assert body["steps"][1]["schema"]["properties"] == {"flag": {"type": "boolean"}}


def test_parameter_schema_of_a_missing_template_is_a_not_found_envelope(client_owner):
    response = client_owner.get(f"{BASE}/templates/default/template/nope/parameter-schema")
    assert response.status_code == 404
    assert response.json()["error"] == {"name": "NotFoundError", "message": "Template template:default/nope not found"}


def test_parameter_schema_refuses_other_kinds(client_owner):
    response = client_owner.get(f"{BASE}/templates/default/component/svc/parameter-schema")
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
    assert "only 'Template' kind" in response.json()["error"]["message"]


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/actions"), ("get", "/tasks"), ("post", "/tasks"), ("get", "/openapi.json"), ("post", "/dry-run"),
    ("get", "/templates/default/template/x/parameter-schema"),
    ("get", "/tasks/00000000-0000-0000-0000-000000000000"),
    ("get", "/tasks/00000000-0000-0000-0000-000000000000/events"),
    ("get", "/tasks/00000000-0000-0000-0000-000000000000/eventstream"),
    ("post", "/tasks/00000000-0000-0000-0000-000000000000/cancel"),
    ("post", "/tasks/00000000-0000-0000-0000-000000000000/retry"),
])
def test_anonymous_callers_get_a_401_envelope(method, path):
    response = getattr(Client(), method)(f"{BASE}{path}")
    assert response.status_code == 401
    assert response.json()["error"]["name"] == "AuthenticationError"


def test_a_revoked_or_unknown_token_gets_a_401_envelope():
    response = bearer("pvd_not-a-real-token").get(f"{BASE}/actions")
    assert response.status_code == 401


def test_actions_lists_the_registry_in_backstage_shape(client_owner):
    response = client_owner.get(f"{BASE}/actions")
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == list(action_registry())
    for item, action in zip(body, action_registry().values(), strict=True):
        assert set(item) == {"id", "description", "examples", "schema"}
        assert item["schema"] == {"input": action.input_schema, "output": action.output_schema}


def test_actions_answers_405_to_post(client_owner):
    response = client_owner.post(f"{BASE}/actions")
    assert response.status_code == 405
    assert response.json()["error"]["name"] == "NotAllowedError"
    assert response["Allow"] == "GET"


def test_unknown_paths_answer_the_not_found_envelope(client_owner):
    response = client_owner.get(f"{BASE}/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "NotFoundError"


def test_openapi_document_describes_every_route(client_owner):
    response = client_owner.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/actions", "/tasks", "/tasks/{taskId}", "/tasks/{taskId}/events", "/tasks/{taskId}/eventstream",
            "/tasks/{taskId}/cancel", "/tasks/{taskId}/retry", "/dry-run",
            "/templates/{namespace}/{kind}/{name}/parameter-schema"} <= set(paths)
    doc = response.json()
    refs = []

    def collect(node):
        if isinstance(node, dict):
            refs.extend(value for key, value in node.items() if key == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(doc)
    assert refs
    for ref in refs:  # every $ref points at something that exists
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
