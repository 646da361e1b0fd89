"""A template naming actions Paved lacks (issue 12.4): Create refuses it naming every missing action
before anything runs, the template's page lists them, and both dry runs (the form's and the API's) say so."""

import base64
import json
import re

import pytest

from catalog.tests.factories import yaml_load
from scaffolding import selectors, services
from scaffolding.models import ScaffoldRun

pytestmark = pytest.mark.django_db

FOREIGN = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: foreign
  title: Foreign
spec:
  owner: group:default/web
  type: service
  parameters:
    - title: Basics
      properties:
        name: {type: string}
  steps:
    - id: fetch
      action: fetch:template
      input: {url: ./skeleton}
    - id: publish
      action: publish:bitbucketServer
      input: {repoUrl: x}
    - id: mr
      action: confluence:transform:markdown
    - id: publish-again
      action: publish:bitbucketServer
    - id: "<script>alert(1)</script>"
      action: "<img src=x onerror=alert(1)>"
"""
URL = "/create/templates/default/foreign/"


@pytest.fixture
def foreign(tmp_path):
    yaml_load(tmp_path, FOREIGN, name="foreign.yaml")
    return selectors.template_get(namespace="default", name="foreign")


def test_the_selector_lists_each_missing_action_once_with_its_steps(foreign):
    missing = selectors.template_missing_actions(spec=foreign.body["spec"])
    assert missing == [
        {"action": "publish:bitbucketServer", "steps": ["publish", "publish-again"]},
        {"action": "confluence:transform:markdown", "steps": ["mr"]},
        {"action": "<img src=x onerror=alert(1)>", "steps": ["<script>alert(1)</script>"]},
    ]
    assert selectors.template_missing_actions(spec={"steps": "nonsense"}) == []
    assert selectors.template_missing_actions(spec=None) == []


def test_create_is_refused_naming_every_missing_action_and_nothing_runs(foreign, owner):
    with pytest.raises(services.MissingActions) as caught:
        services.run_create(template=foreign, values={}, secrets=None, actor=owner)
    message = str(caught.value)
    assert "'publish:bitbucketServer' (steps publish, publish-again)" in message
    assert "'confluence:transform:markdown' (step mr)" in message
    assert not ScaffoldRun.objects.exists()


def test_the_template_page_lists_the_missing_actions_escaped(client_owner, foreign):
    body = client_owner.get(URL).content.decode()
    banner = re.search(r'<div class="alert alert-warning" role="alert" id="missing-actions">(.*?)</div>', body, re.S)
    assert banner, "the page warns before the form is filled"
    text = banner.group(1)
    assert "<code>publish:bitbucketServer</code> (steps publish, publish-again)" in text
    assert "<code>confluence:transform:markdown</code> (step mr)" in text
    assert "<img src=x" not in body and "<script>alert(1)" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_the_template_list_marks_the_card(client_owner, foreign):
    body = client_owner.get("/create/").content.decode()
    assert "Cannot run yet" in body and "needs publish:bitbucketServer, confluence:transform:markdown" in body
    assert "<img src=x" not in body


def test_a_template_with_every_action_installed_has_no_warning(client_owner, tmp_path):
    fine = FOREIGN
    for action in ("publish:bitbucketServer", "confluence:transform:markdown", "<img src=x onerror=alert(1)>"):
        fine = fine.replace(action, "debug:log")
    yaml_load(tmp_path, fine, name="fine.yaml")
    assert 'id="missing-actions"' not in client_owner.get(URL).content.decode()
    assert "Cannot run yet" not in client_owner.get("/create/").content.decode()


@pytest.mark.parametrize("action", ["create", "dry_run"])
def test_the_form_create_and_dry_run_say_which_actions_are_missing(client_owner, foreign, action):
    page = client_owner.get(URL)
    state = re.search(r'name="__state" value="([^"]+)"', page.content.decode()).group(1)
    review = client_owner.post(URL, {"__state": state, "__step": "0", "__action": "next", "name": "x"})
    state = re.search(r'name="__state" value="([^"]+)"', review.content.decode()).group(1)
    response = client_owner.post(URL, {"__state": state, "__step": "1", "__action": action})
    body = response.content.decode()
    assert response.status_code == 200
    assert "This template cannot run" in body and "publish:bitbucketServer" in body
    assert not ScaffoldRun.objects.exists()


def test_the_api_dry_run_names_the_missing_actions(client_owner):
    template = {
        "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": {"name": "preview"},
        "spec": {"steps": [{"id": "p", "action": "publish:bitbucketServer"}, {"id": "log", "action": "debug:log"}]},
    }
    body = {"template": template, "values": {}, "directoryContents": [
        {"path": "x.txt", "base64Content": base64.b64encode(b"x").decode()}]}
    response = client_owner.post("/api/scaffolder/v2/dry-run", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith("The dry run cannot start") and "'publish:bitbucketServer' (step p)" in message
    assert not ScaffoldRun.objects.exists()
