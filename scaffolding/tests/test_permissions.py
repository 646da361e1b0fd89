"""Who may read, cancel and create tasks, and Backstage's `backstage:permissions` tags."""

import pytest
from django.test import Client

from core.access import access_cache_clear
from core.models import Grant, Role, RoleBinding
from scaffolding import selectors, services
from scaffolding.models import ScaffoldEvent
from scaffolding.tests.helpers import template_load

pytestmark = pytest.mark.django_db

TAGGED = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: tagged, title: Tagged}
spec:
  owner: team-a
  type: service
  parameters:
    - title: Basics
      properties:
        name: {type: string}
    - title: Secret settings
      backstage:permissions: {tags: [secret]}
      properties:
        budget: {type: string}
  steps:
    - id: hello
      name: Say hello
      action: debug:log
      input: {message: hello}
    - id: hidden
      name: Hidden step
      action: debug:log
      input: {message: hidden}
      backstage:permissions: {tags: [secret]}
"""


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def run(hello_template, owner):
    return services.run_create(template=hello_template, values={"name": "hello-app"}, actor=owner)


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("outsider", 403), ("admin_user", 200)])
def test_task_page_and_api_are_for_the_creator_and_admins(request, run, who, status, monkeypatch):
    from scaffolding.api import views as api_views

    monkeypatch.setattr(api_views, "EVENTS_WAIT_SECONDS", 0.2)  # /events long-polls an open run otherwise
    client = _client(request.getfixturevalue(who))
    assert client.get(f"/create/tasks/{run.pk}/").status_code == status
    api = client.get(f"/api/scaffolder/v2/tasks/{run.pk}")
    assert api.status_code == status
    assert client.get(f"/api/scaffolder/v2/tasks/{run.pk}/events").status_code == status
    if status == 403:
        assert api.json()["error"]["name"] == "NotAllowedError"


@pytest.mark.parametrize(("who", "allowed"), [("owner", True), ("outsider", False), ("admin_user", True)])
def test_only_the_creator_and_admins_cancel(request, run, who, allowed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(request.getfixturevalue(who))
    client.get("/create/")  # sets the csrftoken cookie, as a page visit does
    token = client.cookies["csrftoken"].value
    response = client.post(f"/api/scaffolder/v2/tasks/{run.pk}/cancel", HTTP_X_CSRFTOKEN=token)
    run.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert run.status == "cancelled" or run.cancel_requested
    else:
        assert response.status_code == 403 and run.status == "open"
        assert response.json()["error"]["name"] == "NotAllowedError"


def test_task_lists_show_only_readable_tasks(run, outsider, admin_user):
    assert selectors.run_list(visible_to=outsider)[1] == 0
    assert selectors.run_list(visible_to=admin_user)[1] == 1
    listed = _client(outsider).get("/api/scaffolder/v2/tasks").json()
    assert listed == {"tasks": [], "totalTasks": 0}


def test_tagged_parameter_sections_are_hidden_without_a_grant(tmp_path, owner, outsider):
    template_load(tmp_path, TAGGED, name="tagged")
    role = Role.objects.create(name="Secret readers")
    Grant.objects.create(role=role, permission="scaffolder.template.parameter.read", rule="HAS_TAG",
                         params={"tag": "secret"})
    everyone = Role.objects.get(name="Everyone")
    everyone.grants.filter(permission="scaffolder.template.parameter.read").update(rule="HAS_TAG")
    Grant.objects.filter(role=everyone, permission="scaffolder.template.parameter.read").update(
        params={"tag": "public"})
    RoleBinding.objects.create(role=role, subject="user:default/owner")
    url = "/api/scaffolder/v2/templates/default/template/tagged/parameter-schema"
    access_cache_clear()  # queryset updates send no signals; the admin's saves do
    assert [s["title"] for s in _client(owner).get(url).json()["steps"]] == ["Basics", "Secret settings"]
    assert [s["title"] for s in _client(outsider).get(url).json()["steps"]] == ["Basics"]


def test_steps_a_person_may_not_read_are_left_out_and_named(tmp_path, owner, admin_user):
    template = template_load(tmp_path, TAGGED, name="tagged")
    Grant.objects.filter(role__name="Everyone", permission="scaffolder.template.step.read").update(
        rule="HAS_TAG", params={"tag": "public"})
    access_cache_clear()
    created = services.run_create(template=template, values={"name": "hello-app"}, actor=owner)
    assert [s.step_id for s in created.steps.order_by("index")] == ["hello"]
    messages = " ".join(str(e.body.get("message", "")) for e in ScaffoldEvent.objects.filter(run=created))
    assert "Not run: you may not read these steps (backstage:permissions): Hidden step." in messages
    everything = services.run_create(template=template, values={"name": "hello-app"}, actor=admin_user)
    assert [s.step_id for s in everything.steps.order_by("index")] == ["hello", "hidden"]


def test_an_action_the_person_may_not_execute_refuses_the_task(hello_template, outsider):
    from django.core.exceptions import PermissionDenied

    Grant.objects.filter(role__name="Everyone", permission="scaffolder.action.execute").update(
        rule="HAS_ACTION_ID", params={"actionId": "fetch:template"})
    access_cache_clear()
    with pytest.raises(PermissionDenied, match="scaffolder.action.execute"):
        services.run_create(template=hello_template, values={"name": "hello-app"}, actor=outsider)
