"""Issue 9: template patterns and the EntityNamePicker cannot hold a web worker (ReDoS).

With Python's `re`, each attack below backtracks for minutes (forty characters and a "!" against
nested quantifiers: about 2**40 ways to split the text). With RE2 each answers at once.
"""

import time

import pytest

from catalog.tests.factories import yaml_load
from scaffolding.forms.schema import resolve, schema_problems, validate_values

ATTACK = "a" * 40 + "!"

STEP = {"properties": {
    "name": {"title": "Name", "type": "string", "ui:field": "EntityNamePicker"},
    "slug": {"title": "Slug", "type": "string", "pattern": "^(a+)+$"},
}}

TEMPLATE = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: redos
spec:
  owner: group:default/web
  type: service
  parameters:
    - title: Basics
      properties:
        name: {title: Name, type: string, ui:field: EntityNamePicker}
        slug: {title: Slug, type: string, pattern: '^(a+)+$'}
  steps:
    - action: debug:log
      input: {message: hi}
"""

LOOKAHEAD = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: lookahead
spec:
  owner: group:default/web
  type: service
  parameters:
    - title: Basics
      properties:
        password: {title: Password, type: string, pattern: '^(?=.*[0-9]).{8,}$'}
  steps:
    - action: debug:log
      input: {message: hi}
"""


def test_entity_name_picker_and_nested_pattern_attacks_answer_at_once():
    started = time.perf_counter()
    errors = validate_values(STEP, {"name": ATTACK, "slug": ATTACK})
    assert time.perf_counter() - started < 1
    by_field = {e["field"]: e["message"] for e in errors}
    assert by_field["slug"] == "Slug must match pattern ^(a+)+$"
    assert by_field["name"].startswith("Name must be 1-63 letters") and len(errors) == 2


def test_ordinary_patterns_and_names_still_match():
    assert validate_values(STEP, {"name": "payments-api.v2", "slug": "aaaa"}) == []
    schema = {"properties": {"code": {"title": "Code", "type": "string", "pattern": r"^\d{3}-[A-Z]{2}$"}}}
    assert validate_values(schema, {"code": "123-AB"}) == []
    # JavaScript's \d is ASCII only (Python's `re` would accept Arabic-Indic digits here).
    assert validate_values(schema, {"code": "١٢٣-AB"})[0]["field"] == "code"


def test_a_lookahead_is_refused_naming_the_field():
    problems = schema_problems({"properties": {"pw": {"type": "string", "pattern": "^(?=.*[0-9]).{8,}$"}}})
    assert len(problems) == 1
    assert "at properties.pw.pattern" in problems[0] and "uses a lookahead (?=...)" in problems[0]
    keys = schema_problems({"properties": {"m": {"type": "object", "patternProperties": {r"(\w)\1": {}}}}})
    assert "at properties.m.patternProperties" in keys[0] and "backreference" in keys[0]


def test_patterns_inside_conditions_run_in_linear_time():
    schema = {"properties": {"kind": {"type": "string"}},
              "if": {"properties": {"kind": {"pattern": "^(a|aa)+$"}}},
              "then": {"properties": {"extra": {"type": "string"}}}}
    started = time.perf_counter()
    shown = resolve(schema, {"kind": "a" * 60 + "!"})
    assert time.perf_counter() - started < 1
    assert "extra" not in shown["properties"]
    assert "extra" in resolve(schema, {"kind": "aaa"})["properties"]


def test_pattern_properties_and_additional_properties_use_re2():
    schema = {"properties": {"labels": {"type": "object", "additionalProperties": False,
                                        "patternProperties": {"^(x+)+-$": {"type": "string"}}}}}
    assert validate_values(schema, {"labels": {"xxx-": "ok"}}) == []
    started = time.perf_counter()
    errors = validate_values(schema, {"labels": {"x" * 40 + "!": "v"}})
    assert time.perf_counter() - started < 1
    assert errors[0]["field"] == "labels" and "Additional properties are not allowed" in errors[0]["message"]


def test_an_answer_too_long_for_a_costly_pattern_is_refused_with_a_message():
    schema = {"properties": {"text": {"title": "Text", "type": "string", "pattern": "(?:[ab]*a[ab]{50}){10}!"}}}
    started = time.perf_counter()
    errors = validate_values(schema, {"text": "ab" * 200_000})
    assert time.perf_counter() - started < 1
    assert errors[0]["field"] == "text"
    assert errors[0]["message"].startswith("Text is too long to check against the pattern")


@pytest.mark.django_db
def test_posting_the_attacks_twice_answers_within_a_second(client_owner, tmp_path):
    yaml_load(tmp_path, TEMPLATE, name="redos.yaml")
    url = "/create/templates/default/redos/"
    for _ in range(2):
        page = client_owner.get(url).content.decode()
        state = page.split('name="__state" value="', 1)[1].split('"', 1)[0]
        started = time.perf_counter()
        response = client_owner.post(url, {"__state": state, "__step": "0", "__action": "next",
                                           "name": ATTACK, "slug": ATTACK})
        assert time.perf_counter() - started < 1
        body = response.content.decode()
        assert response.status_code == 200
        assert "Slug must match pattern ^(a+)+$" in body and "Name must be 1-63 letters" in body


@pytest.mark.django_db
def test_a_template_with_a_lookahead_shows_which_field_to_fix(client_owner, tmp_path):
    yaml_load(tmp_path, LOOKAHEAD, name="lookahead.yaml")
    response = client_owner.get("/create/templates/default/lookahead/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "properties.password.pattern" in body and "uses a lookahead (?=...)" in body
