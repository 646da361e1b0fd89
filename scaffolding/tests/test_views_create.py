"""The Create pages: template list, the multi-step form, review, Create and Dry run."""

import re

import pytest
from django.core import signing
from django.test import Client

from catalog.models import Entity
from catalog.tests.factories import yaml_load
from core.testing import CORPUS_DIR, shared_missing_reason
from scaffolding.forms import state as form_state
from scaffolding.models import ScaffoldRun

pytestmark = pytest.mark.django_db

LIST_URL = "/create/"
FORM_URL = "/create/templates/default/go-microservice/"

# The seed's template (platform-engineering-maturity.txt), as written there.
SEED = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: go-microservice
  title: Go Microservice
  description: Create a new Go microservice with CI/CD, monitoring, and docs
  tags: ['go', 'microservice', 'recommended']
spec:
  owner: platform-team
  type: service
  parameters:
    - title: Service Details
      required: ['name', 'description', 'owner']
      properties:
        name:
          title: Service Name
          type: string
          pattern: '^[a-z][a-z0-9-]{2,30}$'
          ui:help: 'Lowercase, hyphens only, 3-31 characters'
        description:
          title: Description
          type: string
          maxLength: 200
        owner:
          title: Owner Team
          type: string
          ui:field: OwnerPicker
          ui:options:
            catalogFilter:
              kind: Group
        tier:
          title: Service Tier
          type: string
          enum: ['critical', 'standard', 'experimental']
          default: 'standard'
    - title: Infrastructure Options
      properties:
        database:
          title: Database
          type: string
          enum: ['none', 'postgresql', 'redis', 'both']
          default: 'none'
        cloudProvider:
          title: Cloud Provider
          type: string
          enum: ['aws', 'gcp']
          default: 'aws'
  steps:
    - id: log
      name: Say hello
      action: debug:log
      input:
        message: 'Hello ${{ parameters.name }}'
"""

OTHER = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: react-app
  title: React App
  description: A frontend
  tags: [frontend]
spec:
  owner: group:default/web
  type: website
  parameters:
    - title: Basics
      properties:
        name: {type: string}
    - title: Access
      required: [token]
      properties:
        token: {title: Deploy token, type: string, ui:field: Secret}
        provider: {title: Provider, type: string, enum: [github, gitlab], default: github}
      dependencies:
        provider:
          oneOf:
            - properties: {provider: {enum: [github]}}
            - properties:
                provider: {enum: [gitlab]}
                gitlabHost: {title: GitLab Host, type: string}
              required: [gitlabHost]
  steps:
    - action: debug:log
      input: {message: hi}
"""

BROKEN = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: broken
spec:
  owner: group:default/web
  type: service
  parameters:
    - title: Bad
      properties:
        name: {type: strin}
  steps:
    - action: debug:log
      input: {message: hi}
"""

GROUP = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
"""


@pytest.fixture
def templates(tmp_path):
    yaml_load(tmp_path, SEED, name="seed.yaml")
    yaml_load(tmp_path, OTHER, name="other.yaml")
    yaml_load(tmp_path, GROUP, name="group.yaml")


def state_of(response) -> str:
    match = re.search(r'name="__state" value="([^"]+)"', response.content.decode())
    assert match, "the form carries its signed state"
    return match.group(1)


def step_one(client: Client, **overrides):
    page = client.get(FORM_URL)
    data = {"__state": state_of(page), "__step": "0", "__action": "next", "name": "payments-api",
            "description": "Takes payments", "owner": "group:default/payments", "tier": "standard", **overrides}
    return client.post(FORM_URL, data)


def to_review(client: Client):
    second = step_one(client)
    return client.post(FORM_URL, {"__state": state_of(second), "__step": "1", "__action": "next",
                                  "database": "postgresql", "cloudProvider": "gcp"})


# --- The list -------------------------------------------------------------------------------------


def test_list_needs_sign_in(templates):
    response = Client().get(LIST_URL)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_list_shows_cards_with_link_owner_and_tags(client_owner, templates):
    response = client_owner.get(LIST_URL)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert "Go Microservice" in body and "React App" in body
    assert FORM_URL in body and "platform-team" in body and ">recommended<" in body
    assert "HX-Request" in response["Vary"]


def test_list_search_and_tag(client_owner, templates):
    body = client_owner.get(LIST_URL, {"q": "frontend"}).content.decode()
    assert "React App" in body and "Go Microservice" not in body
    body = client_owner.get(LIST_URL, {"tag": "microservice"}).content.decode()
    assert "Go Microservice" in body and "React App" not in body
    assert "No template matches" in client_owner.get(LIST_URL, {"q": "zzz"}).content.decode()


def test_list_fragment_for_htmx(client_owner, templates):
    response = client_owner.get(LIST_URL, {"q": "go"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "Go Microservice" in body and 'class="cards' in body
    assert "HX-Request" in response["Vary"]


def test_empty_catalog_says_how_to_register_a_template(client_owner):
    body = client_owner.get(LIST_URL).content.decode()
    assert "No templates yet" in body and "/catalog/register/" in body and "kind: Template" in body


def test_list_is_get_only(client_owner):
    assert client_owner.post(LIST_URL).status_code == 405


# --- The form -------------------------------------------------------------------------------------


def test_form_needs_sign_in(templates):
    assert Client().get(FORM_URL).status_code == 302
    assert Client().post(FORM_URL).status_code == 302


def test_unknown_template_is_404(client_owner, templates):
    assert client_owner.get("/create/templates/default/nope/").status_code == 404


def test_form_method_not_allowed(client_owner, templates):
    assert client_owner.put(FORM_URL).status_code == 405


def test_first_step_page(client_owner, templates):
    response = client_owner.get(FORM_URL)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert "Service Details" in body and "Infrastructure Options" in body and "Review" in body  # the stepper
    assert 'name="name"' in body and 'pattern="[a-z][a-z0-9-]{2,30}"' in body
    assert "Lowercase, hyphens only, 3-31 characters" in body
    assert '<option value="standard" selected>' in body
    assert "/create/pickers/entities/?template=template%3Adefault%2Fgo-microservice&amp;step=0&amp;field=owner" in body
    assert 'name="database"' not in body  # one step at a time
    assert "HX-Request" in response["Vary"]


def test_first_step_fragment_for_htmx(client_owner, templates):
    body = client_owner.get(FORM_URL, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in body and 'id="scaffolder-form"' in body and "Service Details" in body


def test_invalid_post_keeps_values_and_shows_the_pattern_error(client_owner, templates):
    response = step_one(client_owner, name="Bad_Name", description="")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Service Name must match pattern ^[a-z][a-z0-9-]{2,30}$" in body
    assert "Description is required" in body
    assert 'value="Bad_Name"' in body and 'value="group:default/payments"' in body
    assert "Service Details" in body and 'name="database"' not in body


def test_valid_posts_reach_the_review(client_owner, templates):
    second = step_one(client_owner)
    assert 'name="database"' in second.content.decode()
    review = to_review(client_owner)
    body = review.content.decode()
    assert "Review" in body and "payments-api" in body and "Takes payments" in body
    assert "group:default/payments" in body and "postgresql" in body and "gcp" in body
    assert 'value="create"' in body and 'value="dry_run"' in body and 'value="goto:0"' in body


def test_back_and_edit_keep_the_answers(client_owner, templates):
    review = to_review(client_owner)
    edit = client_owner.post(FORM_URL, {"__state": state_of(review), "__step": "2", "__action": "goto:0"})
    body = edit.content.decode()
    assert 'value="payments-api"' in body and 'name="database"' not in body
    back = client_owner.post(FORM_URL, {"__state": state_of(review), "__step": "2", "__action": "back"})
    assert '<option value="gcp" selected>' in back.content.decode()


def test_steps_not_reached_cannot_be_skipped_to(client_owner, templates):
    page = client_owner.get(FORM_URL)
    response = client_owner.post(FORM_URL, {"__state": state_of(page), "__step": "2", "__action": "create"})
    assert "Service Name is required" in response.content.decode()
    assert not ScaffoldRun.objects.exists()


def test_create_calls_run_create_and_redirects(client_owner, owner, templates):
    review = to_review(client_owner)
    response = client_owner.post(FORM_URL, {"__state": state_of(review), "__step": "2", "__action": "create"})
    run = ScaffoldRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/create/tasks/{run.id}/"
    assert run.template_ref == "template:default/go-microservice" and not run.dry_run
    assert run.values == {"name": "payments-api", "description": "Takes payments", "owner": "group:default/payments",
                          "tier": "standard", "database": "postgresql", "cloudProvider": "gcp"}
    assert run.created_by == owner


def test_dry_run_and_htmx_redirect(client_owner, templates):
    review = to_review(client_owner)
    response = client_owner.post(FORM_URL, {"__state": state_of(review), "__step": "2", "__action": "dry_run"},
                                 HTTP_HX_REQUEST="true")
    run = ScaffoldRun.objects.get()
    assert run.dry_run and response["HX-Redirect"] == f"/create/tasks/{run.id}/"


def test_tampered_state_is_rejected(client_owner, templates):
    review = to_review(client_owner)
    token = state_of(review)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client_owner.post(FORM_URL, {"__state": forged, "__step": "2", "__action": "create"})
    assert response.status_code == 400 and "could not be verified" in response.content.decode()
    # A state signed for another template does not work here either.
    other = form_state.state_dump(form_state.FormState(values={"name": "x"}, reached=2),
                                  template_ref="template:default/react-app", user=None)
    assert client_owner.post(FORM_URL, {"__state": other, "__action": "create"}).status_code == 400
    assert not ScaffoldRun.objects.exists()


def test_state_of_another_user_is_rejected(client_owner, teammate, templates):
    review = to_review(client_owner)
    other = Client()
    other.force_login(teammate)
    response = other.post(FORM_URL, {"__state": state_of(review), "__step": "2", "__action": "create"})
    assert response.status_code == 400


def test_state_is_signed_not_trusted(client_owner, owner, templates):
    token = state_of(to_review(client_owner))
    payload = signing.loads(token, salt=f"scaffolding.form:template:default/go-microservice:{owner.pk}")
    assert payload["v"]["name"] == "payments-api" and payload["r"] == 2


def test_secret_never_reaches_the_page_and_goes_to_the_run(client_owner, owner, templates):
    url = "/create/templates/default/react-app/"
    first = client_owner.post(url, {"__state": state_of(client_owner.get(url)), "__step": "0", "name": "web"})
    access = client_owner.post(url, {"__state": state_of(first), "__step": "1", "token": "hunter2",
                                     "provider": "github"})
    body = access.content.decode()
    assert "hunter2" not in body and "••••" in body  # the review masks it
    state = signing.loads(state_of(access), salt=f"scaffolding.form:template:default/react-app:{owner.pk}")
    assert state["v"]["token"] == "*******" and "hunter2" not in repr(state)
    client_owner.post(url, {"__state": state_of(access), "__step": "2", "__action": "create"})
    run = ScaffoldRun.objects.get()
    assert run.secrets == {"token": "hunter2"} and run.values["token"] == "*******"
    assert client_owner.session.get(form_state.SESSION_KEY, {}) == {}


def test_conditional_field_appears_on_refresh_and_is_required(client_owner, templates):
    url = "/create/templates/default/react-app/"
    first = client_owner.post(url, {"__state": state_of(client_owner.get(url)), "__step": "0", "name": "web"})
    assert 'name="gitlabHost"' not in first.content.decode()
    refresh = client_owner.post(url, {"__state": state_of(first), "__step": "1", "__action": "refresh",
                                      "provider": "gitlab"}, HTTP_HX_REQUEST="true")
    body = refresh.content.decode()
    assert 'name="gitlabHost"' in body and "is required" not in body and "<html" not in body
    assert 'hx-vals=\'{"__action": "refresh"}\'' in body  # the provider select re-renders the step
    nxt = client_owner.post(url, {"__state": state_of(refresh), "__step": "1", "provider": "gitlab", "token": "t"})
    assert "GitLab Host is required" in nxt.content.decode()


def test_broken_parameters_show_an_error_page(client_owner, tmp_path):
    yaml_load(tmp_path, BROKEN, name="broken.yaml")
    response = client_owner.get("/create/templates/default/broken/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "parameters are broken" in body and "properties.name.type" in body
    assert client_owner.post("/create/templates/default/broken/", {"__action": "create"}).status_code == 200
    assert not ScaffoldRun.objects.exists()


CORPUS = sorted((CORPUS_DIR / "templates").glob("*/template.yaml"))


@pytest.mark.skipif(not CORPUS_DIR.is_dir(), reason=shared_missing_reason(CORPUS_DIR))
def test_every_corpus_template_renders_its_first_step(client_owner, tmp_path):
    for index, path in enumerate(CORPUS):
        yaml_load(tmp_path, path.read_text(), name=f"t{index}.yaml")
    templates = Entity.objects.filter(ref__startswith="template:")
    assert templates.count() >= 25  # some corpus templates share a name
    for template in templates:
        response = client_owner.get(f"/create/templates/{template.namespace}/{template.name}/")
        body = response.content.decode()
        assert response.status_code == 200, template.ref
        assert 'id="scaffolder-form"' in body and "parameters are broken" not in body, template.ref
