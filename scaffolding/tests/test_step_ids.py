"""Step ids as Backstage treats them: a template that uses one id twice runs, and the later step's
output is the one later steps see (NunjucksWorkflowRunner: context.steps[step.id] = {output})."""

import base64
import json

import pytest

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "apiVersion": "scaffolder.backstage.io/v1beta3",
    "kind": "Template",
    "metadata": {"name": "twice", "title": "Twice"},
    "spec": {
        "steps": [
            {"id": "make", "action": "roadiehq:utils:serialize:json", "input": {"data": {"n": 1}}},
            {"id": "make", "action": "roadiehq:utils:serialize:json", "input": {"data": {"n": 2}}},
            {"id": "write", "action": "roadiehq:utils:fs:write",
             "input": {"path": "out.json", "content": "${{ steps.make.output.serialized }}"}},
        ],
    },
}


def test_a_step_id_used_twice_runs_and_the_later_output_wins(client_owner, dry_run_worker):
    response = client_owner.post("/api/scaffolder/v2/dry-run", json.dumps(
        {"template": TEMPLATE, "values": {}, "secrets": {}, "directoryContents": []}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed", body
    files = {f["path"]: base64.b64decode(f["base64Content"]).decode() for f in body["directoryContents"]}
    assert files == {"out.json": '{"n":2}'}
