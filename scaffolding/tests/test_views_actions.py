"""The installed actions page: descriptions, schema tables, search."""

import pytest
from django.test import Client
from django.urls import reverse

from scaffolding.actions.base import Action
from scaffolding.views import runs
from scaffolding.views.runs import schema_rows

pytestmark = pytest.mark.django_db

URL = "/create/actions/"


class Publish(Action):
    id = "publish:example"
    description = "Pushes the workspace to a <b>repository</b>."
    input_schema = {
        "type": "object", "required": ["repoUrl"],
        "properties": {
            "repoUrl": {"type": "string", "description": "Where to push"},
            "topics": {"type": "array", "items": {"type": "string"}},
            "settings": {"type": "object", "required": ["visibility"],
                         "properties": {"visibility": {"enum": ["public", "private"], "title": "Who sees it"}}},
        },
    }
    output_schema = {"type": "object", "properties": {"remoteUrl": {"type": ["string", "null"]}}}
    examples = [{"description": "Push it", "example": "steps:\n  - action: publish:example\n"}]


class Log(Action):
    id = "debug:log"
    description = "Writes a message into the log."
    supports_dry_run = True
    input_schema = {"type": "object", "properties": {"message": {"type": "string"}}}


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    monkeypatch.setattr(runs, "action_registry", lambda: {"debug:log": Log(), "publish:example": Publish()})


def test_schema_rows_flatten_nested_objects_and_arrays():
    rows = schema_rows(Publish.input_schema)
    assert [(r["name"], r["type"], r["required"]) for r in rows] == [
        ("repoUrl", "string", True), ("topics", "array<string>", False), ("settings", "object", False),
        ("settings.visibility", "enum", True)]
    assert rows[0]["description"] == "Where to push" and rows[3]["description"] == "Who sees it"
    assert schema_rows(Publish.output_schema)[0]["type"] == "string | null"


@pytest.mark.parametrize("schema", [None, "x", {"properties": []}, {"properties": {"a": "b"}, "required": "a"}])
def test_schema_rows_survive_hostile_schemas(schema):
    rows = schema_rows(schema)
    assert all(row["type"] == "any" for row in rows)


def test_schema_rows_stop_at_a_depth_limit():
    schema: dict = {"type": "object", "properties": {}}
    node = schema
    for _ in range(20):
        child = {"type": "object", "properties": {}}
        node["properties"]["x"] = child
        node = child
    assert len(schema_rows(schema)) == runs.SCHEMA_DEPTH + 1


def test_page_lists_actions_with_schema_tables(client_owner):
    page = client_owner.get(URL).content.decode()
    assert "publish:example" in page and "debug:log" in page
    assert "&lt;b&gt;repository&lt;/b&gt;" in page  # descriptions are escaped
    assert "settings.visibility" in page and "array&lt;string&gt;" in page
    assert "dry-run safe" in page and "steps:\n  - action: publish:example" in page


def test_search_filters_by_id_and_description(client_owner):
    page = client_owner.get(URL, {"q": "message LOG"}).content.decode()
    assert 'data-action-id="debug:log"' in page and 'data-action-id="publish:example"' not in page
    page = client_owner.get(URL, {"q": "nothing-like-this"}).content.decode()
    assert "No action matches" in page


def test_htmx_search_gets_only_the_table(client_owner):
    response = client_owner.get(URL, {"q": "publish"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="action-table"') and "<html" not in body
    assert 'data-action-id="publish:example"' in body and 'data-action-id="debug:log"' not in body
    assert "HX-Request" in response["Vary"]


def test_page_needs_a_signed_in_user_and_get():
    assert Client().get(URL).status_code == 302


def test_page_refuses_post(client_owner):
    assert client_owner.post(URL).status_code == 405


def test_url_name_resolves():
    assert reverse("scaffolding:action_list") == URL
