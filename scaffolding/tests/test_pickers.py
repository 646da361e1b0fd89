"""Pickers: options read with the template's own filters, at most 20, in a constant number of queries."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Entity
from catalog.tests.factories import yaml_load
from scaffolding.forms.pickers import catalog_filters, closed_picker_errors, entity_options, tag_options

pytestmark = pytest.mark.django_db

URL = "/create/pickers/entities/"

TEMPLATE = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: pick
  title: Pick things
spec:
  owner: group:default/platform
  type: service
  parameters:
    - title: People
      properties:
        owner:
          title: Owner
          type: string
          ui:field: OwnerPicker
          ui:options:
            catalogFilter:
              kind: Group
        anyone:
          title: Anyone
          type: string
          ui:field: OwnerPicker
        api:
          title: API
          type: string
          ui:field: EntityPicker
          ui:options:
            catalogFilter:
              - kind: API
                spec.type: openapi
        mine:
          title: Mine
          type: string
          ui:field: OwnedEntityPicker
          ui:options:
            allowedKinds: [Component]
        groups:
          title: My groups
          type: string
          ui:field: MyGroupsPicker
        strict:
          title: Strict
          type: string
          ui:field: EntityPicker
          ui:options:
            allowArbitraryValues: false
            allowedKinds: [Group]
        tags:
          title: Tags
          type: array
          items: {type: string}
          ui:field: EntityTagsPicker
          ui:options:
            kinds: [Component]
        plain:
          title: Plain
          type: string
  steps:
    - action: debug:log
      input: {message: hi}
"""

PEOPLE = """
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: owner
spec:
  memberOf: [payments-team]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: paula
spec:
  memberOf: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: pay-api
  tags: [java, payments]
spec:
  type: service
  lifecycle: production
  owner: group:default/payments-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: other-api
  tags: [python]
spec:
  type: service
  lifecycle: production
  owner: group:default/group-001
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: pay-openapi
  tags: [apitag]
spec:
  type: openapi
  lifecycle: production
  owner: group:default/payments-team
  definition: "openapi: 3.0.0"
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: pay-grpc
spec:
  type: grpc
  lifecycle: production
  owner: group:default/payments-team
  definition: "syntax = 'proto3';"
"""


def groups_yaml(count: int, start: int = 0) -> str:
    return "\n---\n".join(
        f"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: group-{i:03d}\n"
        f"  title: Group {i:03d}\nspec:\n  type: team\n  children: []"
        for i in range(start, start + count)
    )


PAYMENTS = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments-team
  title: Payments
spec:
  type: team
  children: []
"""


@pytest.fixture
def catalog(tmp_path):
    yaml_load(tmp_path, TEMPLATE, name="template.yaml")
    yaml_load(tmp_path, PEOPLE, name="people.yaml")
    yaml_load(tmp_path, PAYMENTS, name="payments.yaml")
    yaml_load(tmp_path, groups_yaml(25), name="groups.yaml")


def options(response) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', response.content.decode())


def ask(client: Client, field: str, q: str = "", **extra):
    return client.get(URL, {"template": "template:default/pick", "step": "0", "field": field, "q": q, **extra})


def prop_of(field: str) -> dict:
    entity = Entity.objects.get(ref="template:default/pick")
    return entity.body["spec"]["parameters"][0]["properties"][field]


def test_needs_sign_in(catalog):
    assert Client().get(URL, {"template": "template:default/pick", "step": "0", "field": "owner"}).status_code == 302


def test_owner_picker_offers_groups_only_at_most_20_by_name(client_owner, catalog):
    response = ask(client_owner, "owner")
    values = options(response)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert len(values) == 20 and values == sorted(values)
    assert all(v.startswith("group:default/") for v in values)
    assert "HX-Request" in response["Vary"]


def test_typed_text_matches_name_and_title_prefix_first(client_owner, catalog):
    assert options(ask(client_owner, "owner", "pay")) == ["group:default/payments-team"]
    assert options(ask(client_owner, "owner", "Payments")) == ["group:default/payments-team"]  # the title
    assert options(ask(client_owner, "owner", "007")) == ["group:default/group-007"]  # contains
    assert "Payments (group:default/payments-team)" in ask(client_owner, "owner", "pay").content.decode()
    # htmx sends the input's value under the field's own name
    response = client_owner.get(URL, {"template": "template:default/pick", "step": "0", "field": "owner",
                                      "owner": "payments"})
    assert options(response) == ["group:default/payments-team"]


def test_owner_picker_without_filter_offers_groups_and_users(client_owner, catalog):
    assert options(ask(client_owner, "anyone", "pa")) == ["user:default/paula", "group:default/payments-team"]


def test_catalog_filter_on_spec_fields(client_owner, catalog):
    assert options(ask(client_owner, "api", "pay")) == ["api:default/pay-openapi"]


def test_owned_entity_picker_offers_what_my_groups_own(client_owner, catalog):
    assert options(ask(client_owner, "mine")) == ["component:default/pay-api"]


def test_my_groups_picker(client_owner, catalog):
    assert options(ask(client_owner, "groups")) == ["group:default/payments-team"]


def test_tags_picker_suggests_existing_tags_of_its_kinds(client_owner, catalog):
    assert options(ask(client_owner, "tags")) == ["java", "payments", "python"]
    assert options(ask(client_owner, "tags", "ja")) == ["java"]
    assert [o.value for o in tag_options({}, query="api")] == ["apitag"]


def test_the_filter_comes_from_the_template_not_the_request(client_owner, catalog):
    response = ask(client_owner, "owner", "pay", catalogFilter="kind=user", filter="kind=api")
    assert options(response) == ["group:default/payments-team"]


def test_bad_requests(client_owner, catalog):
    assert ask(client_owner, "plain").status_code == 400  # not a picker
    assert ask(client_owner, "nope").status_code == 400
    assert ask(client_owner, "owner", step="7").status_code == 400
    assert ask(client_owner, "owner", step="-1").status_code == 400
    assert client_owner.get(URL, {"template": "template:default/none", "step": "0", "field": "x"}).status_code == 404
    assert client_owner.post(URL).status_code == 405


def test_catalog_filters_read_backstage_shapes():
    assert catalog_filters({"ui:field": "EntityPicker", "ui:options": {
        "catalogFilter": [{"kind": ["API", "Component"], "metadata.annotations.x/y": {"exists": True}}]}}) == [
        {"kind": ["api", "component"], "metadata.annotations.x/y": []}]
    assert catalog_filters({"ui:field": "OwnerPicker"}) == [{"kind": ["group", "user"]}]
    assert catalog_filters({"ui:field": "EntityPicker", "ui:options": {"allowedKinds": ["System"]}}) == [
        {"kind": ["system"]}]
    assert catalog_filters({"ui:field": "EntityPicker", "ui:options": {"catalogFilter": "nonsense"}}) == []


def test_closed_picker_refuses_values_outside_the_catalog(owner, catalog):
    schema = Entity.objects.get(ref="template:default/pick").body["spec"]["parameters"][0]
    assert closed_picker_errors(schema, {"strict": "group:default/payments-team"}, user=owner) == []
    errors = closed_picker_errors(schema, {"strict": "group:default/ghosts"}, user=owner)
    assert errors[0]["field"] == "strict" and "not one of the allowed entities" in errors[0]["message"]
    # open pickers (the default) take any value
    assert closed_picker_errors(schema, {"owner": "group:default/ghosts"}, user=owner) == []


def test_picker_query_count_does_not_grow_with_the_catalog(client_owner, owner, tmp_path, catalog):
    def count(field: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert ask(client_owner, field, "group").status_code == 200
        return len(queries)

    owner_prop = prop_of("owner")

    def count_direct() -> int:
        with CaptureQueriesContext(connection) as queries:
            entity_options(owner_prop, query="", user=owner)
        return len(queries)

    small = {field: count(field) for field in ("owner", "mine", "groups")}
    direct = count_direct()
    yaml_load(tmp_path, groups_yaml(45, start=100), name="more.yaml")  # 5 groups in the range before, 50 after
    assert Entity.objects.filter(kind="Group").count() >= 70
    assert {field: count(field) for field in ("owner", "mine", "groups")} == small
    assert count_direct() == direct == 1


def test_five_versus_fifty_groups(client_owner, tmp_path):
    yaml_load(tmp_path, TEMPLATE, name="template.yaml")
    yaml_load(tmp_path, groups_yaml(5), name="five.yaml")
    with CaptureQueriesContext(connection) as five:
        assert len(options(ask(client_owner, "owner"))) == 5
    yaml_load(tmp_path, groups_yaml(45, start=5), name="fifty.yaml")
    with CaptureQueriesContext(connection) as fifty:
        assert len(options(ask(client_owner, "owner"))) == 20
    assert len(five) == len(fifty)
