"""Template parameter schemas: conditions, validation wording, typed parsing, secrets, the corpus."""


import pytest
import yaml
from django.http import QueryDict

from core.testing import CORPUS_DIR, shared_missing_reason
from scaffolding.forms.fields import build_step, review_rows
from scaffolding.forms.parse import parse_step
from scaffolding.forms.schema import (
    find_property,
    resolve,
    schema_problems,
    secret_fields,
    validate_values,
)
from scaffolding.lib.repo_url import repo_url_parts
from scaffolding.selectors import parameter_steps

CORPUS = sorted((CORPUS_DIR / "templates").glob("*/template.yaml"))

SEED_STEP_1 = {
    "title": "Service Details",
    "required": ["name", "description", "owner"],
    "properties": {
        "name": {"title": "Service Name", "type": "string", "pattern": "^[a-z][a-z0-9-]{2,30}$",
                 "ui:help": "Lowercase, hyphens only, 3-31 characters"},
        "description": {"title": "Description", "type": "string", "maxLength": 200},
        "owner": {"title": "Owner Team", "type": "string", "ui:field": "OwnerPicker",
                  "ui:options": {"catalogFilter": {"kind": "Group"}}},
        "tier": {"title": "Service Tier", "type": "string", "enum": ["critical", "standard", "experimental"],
                 "default": "standard"},
    },
}

# The shape of ikto-cma-cgm's "Repository destination" step: dependencies with oneOf branches.
PROVIDER_STEP = {
    "title": "Repository destination",
    "required": ["repoProvider"],
    "properties": {"repoProvider": {"title": "Repository provider", "type": "string", "enum": ["github", "gitlab"],
                                    "default": "github"}},
    "dependencies": {"repoProvider": {"oneOf": [
        {"properties": {"repoProvider": {"enum": ["github"]}}},
        {"properties": {"repoProvider": {"enum": ["gitlab"]},
                        "gitlabHost": {"title": "GitLab Host", "type": "string"}},
         "required": ["gitlabHost"]},
    ]}},
}


def post(pairs: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


def corpus_steps():
    for path in CORPUS:
        for document in yaml.safe_load_all(path.read_text()):
            if isinstance(document, dict) and document.get("kind") == "Template":
                for index, step in enumerate(parameter_steps(document["spec"])):
                    yield pytest.param(step["schema"], id=f"{path.parent.name[-40:]}-{index}")


# --- Validation -----------------------------------------------------------------------------------


def test_seed_name_pattern_error_uses_the_field_title():
    errors = validate_values(SEED_STEP_1, {"name": "Bad_Name", "description": "x", "owner": "group:default/a"})
    assert errors == [{"field": "name", "message": "Service Name must match pattern ^[a-z][a-z0-9-]{2,30}$"}]


def test_empty_required_fields_are_named_by_title():
    errors = validate_values(SEED_STEP_1, {})
    assert {e["field"]: e["message"] for e in errors} == {
        "name": "Service Name is required", "description": "Description is required", "owner": "Owner Team is required",
    }


def test_valid_seed_values_pass():
    assert validate_values(SEED_STEP_1, {"name": "payments-api", "description": "Pays", "owner": "group:default/x",
                                         "tier": "standard"}) == []


@pytest.mark.parametrize("values, message", [
    ({"tier": "gold"}, "Service Tier must be one of: critical, standard, experimental"),
    ({"description": "x" * 201}, "Description must be at most 200 characters"),
    ({"name": 12}, "Service Name must be text"),
])
def test_wording_of_other_errors(values, message):
    base = {"name": "payments-api", "description": "d", "owner": "group:default/x"}
    assert [e["message"] for e in validate_values(SEED_STEP_1, {**base, **values})] == [message]


def test_a_broken_schema_is_one_error_not_an_exception():
    errors = validate_values({"properties": {"a": {"type": "strin"}}}, {"a": "x"})
    assert len(errors) == 1 and errors[0]["field"] == ""
    assert errors[0]["message"].startswith("the template's parameter schema is invalid: at properties.a.type")
    assert validate_values({"properties": {"a": {"type": "string", "pattern": "[a-"}}}, {})[0]["message"].startswith(
        "the template's parameter schema is invalid")
    assert validate_values({"$ref": "https://example.com/x.json"}, {})[0]["field"] == ""
    assert schema_problems(["not", "an", "object"])


def test_ui_keys_and_unknown_formats_are_ignored():
    schema = {"properties": {"a": {"type": "string", "format": "backstage-thing", "ui:widget": "textarea",
                                   "ui:options": {"rows": 3}}}}
    assert validate_values(schema, {"a": "anything"}) == []


def test_dependency_branch_error_names_the_missing_field():
    errors = validate_values(PROVIDER_STEP, {"repoProvider": "gitlab"})
    assert errors == [{"field": "gitlabHost", "message": "GitLab Host is required"}]
    assert validate_values(PROVIDER_STEP, {"repoProvider": "github"}) == []


def test_pickers_check_what_backstage_field_extensions_check():
    schema = {"properties": {
        "name": {"title": "Name", "type": "string", "ui:field": "EntityNamePicker"},
        "repoUrl": {"title": "Repository", "type": "string", "ui:field": "RepoUrlPicker"},
        "tags": {"title": "Tags", "type": "array", "items": {"type": "string"}, "ui:field": "EntityTagsPicker"},
    }}
    good = {"name": "my.service_1", "repoUrl": "paved?owner=team&repo=svc", "tags": ["java", "team-a"]}
    assert validate_values(schema, good) == []
    bad = validate_values(schema, {"name": "-bad-", "repoUrl": "github.com?owner=team&repo=svc", "tags": ["No Way"]})
    messages = {e["field"]: e["message"] for e in bad}
    assert messages["name"].startswith("Name must be 1-63 letters")
    assert messages["repoUrl"] == "Repository must be on one of the allowed hosts: paved"
    assert messages["tags"].startswith("Tags has tags that are not valid (No Way)")
    assert validate_values(schema, {"name": "a" * 64})[0]["field"] == "name"


def test_repo_url_owner_must_be_allowed():
    prop = {"title": "Repo", "type": "string", "ui:field": "RepoUrlPicker",
            "ui:options": {"allowedHosts": ["github.com"], "allowedOwners": ["acme"]}}
    schema = {"properties": {"repoUrl": prop}}
    assert validate_values(schema, {"repoUrl": "github.com?owner=acme&repo=svc"}) == []
    assert validate_values(schema, {"repoUrl": "github.com?owner=evil&repo=svc"})[0]["message"] == \
        "Repo owner must be one of: acme"
    assert repo_url_parts("github.com?owner=a%20b&repo=r") == {"host": "github.com", "owner": "a b", "repo": "r"}


# --- Conditions -----------------------------------------------------------------------------------


def test_dependency_branch_fields_appear_when_their_condition_holds():
    assert list(resolve(PROVIDER_STEP, {"repoProvider": "github"})["properties"]) == ["repoProvider"]
    shown = resolve(PROVIDER_STEP, {"repoProvider": "gitlab"})
    assert list(shown["properties"]) == ["repoProvider", "gitlabHost"]
    assert shown["required"] == ["repoProvider", "gitlabHost"]
    # The branch's condition on the key does not narrow the key's own choices.
    assert shown["properties"]["repoProvider"]["enum"] == ["github", "gitlab"]


def test_if_then_else_and_all_of():
    schema = {
        "properties": {"db": {"type": "boolean", "title": "Database"}},
        "allOf": [{"if": {"properties": {"db": {"const": True}}, "required": ["db"]},
                   "then": {"properties": {"engine": {"type": "string", "enum": ["postgres", "mysql"]}},
                            "required": ["engine"]},
                   "else": {"properties": {"reason": {"type": "string"}}}}],
    }
    assert list(resolve(schema, {"db": True})["properties"]) == ["db", "engine"]
    assert list(resolve(schema, {"db": False})["properties"]) == ["db", "reason"]
    assert validate_values(schema, {"db": True}) == [{"field": "engine", "message": "engine is required"}]
    assert find_property(schema, "engine")["enum"] == ["postgres", "mysql"]


def test_bare_one_of_is_a_choice():
    schema = {"type": "object", "oneOf": [
        {"title": "Lorem", "properties": {"lorem": {"type": "string"}}, "required": ["lorem"]},
        {"title": "Ipsum", "properties": {"ipsum": {"type": "string"}}, "required": ["ipsum"]},
    ]}
    form = build_step(schema, {})
    assert [c.options for c in form.choices][0][1] == {"value": "1", "label": "Ipsum", "selected": False}
    assert [f.name for f in form.fields] == ["lorem"]
    assert [f.name for f in build_step(schema, {}, choices={"oneOf": 1}).fields] == ["ipsum"]
    assert [f.name for f in build_step(schema, {"ipsum": "x"}).fields] == ["ipsum"]
    parsed = parse_step(schema, post([("__choice.oneOf", "1"), ("ipsum", "x"), ("lorem", "ignored")]))
    assert parsed.values == {"ipsum": "x"} and parsed.choices == {"oneOf": 1}
    assert validate_values(schema, {}) == [{"field": "lorem", "message": "lorem is required"}]


def test_deep_conditions_do_not_recurse_forever():
    schema: dict = {"properties": {"a": {"type": "string"}}}
    for _ in range(30):
        schema = {"allOf": [schema]}
    assert "a" not in resolve(schema, {})["properties"]  # cut off, no RecursionError


# --- Fields ---------------------------------------------------------------------------------------


def test_seed_step_fields_by_type_and_widget():
    form = build_step(SEED_STEP_1, {})
    fields = {f.name: f for f in form.fields}
    assert fields["name"].widget == "text" and ("pattern", "[a-z][a-z0-9-]{2,30}") in fields["name"].attrs
    assert fields["name"].required and fields["name"].help == "Lowercase, hyphens only, 3-31 characters"
    assert ("maxlength", "200") in fields["description"].attrs
    assert fields["owner"].widget == "entity" and fields["owner"].picker == "OwnerPicker"
    assert fields["tier"].widget == "select" and not fields["tier"].required
    assert [o["value"] for o in fields["tier"].options if o["selected"]] == ["standard"]  # the default


def test_widgets_enum_names_and_options():
    schema = {"properties": {
        "registry": {"type": "string", "enum": ["quay.io", "internal"], "enumNames": ["Quay", "Internal"]},
        "kind": {"type": "string", "enum": ["a", "b"], "ui:widget": "radio", "ui:enumNames": ["A!", "B!"]},
        "notes": {"type": "string", "ui:widget": "textarea", "ui:options": {"rows": 7}, "ui:placeholder": "Say"},
        "token": {"type": "string", "ui:field": "Secret"},
        "pw": {"type": "string", "ui:widget": "password"},
        "flag": {"type": "boolean", "default": True, "ui:autofocus": True},
        "services": {"type": "array", "ui:widget": "checkboxes", "items": {"type": "string", "enum": ["x", "y"]}},
        "hosts": {"type": "array", "items": {"type": "string"}},
        "custom": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "org": {"type": "string", "default": "roadiehq", "ui:widget": "hidden"},
        "email": {"type": "string", "format": "email"},
        "conf": {"type": "object", "properties": {"port": {"type": "integer", "title": "Port"}}},
        "blob": {"type": "object"},
    }}
    fields = {f.name: f for f in build_step(schema, {}).fields}
    assert [o["label"] for o in fields["registry"].options] == ["Quay", "Internal"]
    assert fields["kind"].widget == "radio" and fields["kind"].options[0]["label"] == "A!"
    assert fields["notes"].widget == "textarea" and ("rows", "7") in fields["notes"].attrs
    assert ("placeholder", "Say") in fields["notes"].attrs
    assert fields["token"].widget == fields["pw"].widget == "password"
    assert fields["flag"].checked and ("autofocus", "autofocus") in fields["flag"].attrs
    assert fields["services"].widget == "checkboxes"
    assert fields["hosts"].widget == "lines" and fields["custom"].widget == "json"
    assert fields["org"].widget == "hidden" and fields["org"].text == "roadiehq"
    assert fields["email"].input_type == "email"
    assert fields["conf"].widget == "object" and fields["conf"].children[0].name == "conf.port"
    assert fields["blob"].widget == "json"
    assert secret_fields(schema) == {"token", "pw"}


def test_errors_attach_to_their_fields_and_others_to_the_step():
    form = build_step(SEED_STEP_1, {}, errors=[{"field": "name", "message": "bad"}, {"field": "", "message": "all"}])
    assert {f.name: f.errors for f in form.fields}["name"] == ["bad"]
    assert form.errors == ["all"]


@pytest.mark.parametrize("schema", list(corpus_steps()))
def test_every_corpus_step_builds_fields_and_validates(schema):
    assert schema_problems(schema) == []
    form = build_step(schema, {})
    assert form.fields, "every corpus step has at least one field"
    errors = validate_values(schema, {})
    required = set(resolve(schema, {})["required"])
    assert {e["field"] for e in errors} == required
    assert all(e["message"].endswith(" is required") for e in errors)
    # What the page would post back unchanged (defaults) reads without errors.
    assert parse_step(schema, post([])).errors == []


@pytest.mark.skipif(not CORPUS_DIR.is_dir(), reason=shared_missing_reason(CORPUS_DIR))
def test_the_corpus_is_there():
    assert len(CORPUS) >= 30


# --- Parsing --------------------------------------------------------------------------------------


def test_typed_parsing():
    schema = {"properties": {
        "count": {"type": "integer"}, "ratio": {"type": "number"}, "flag": {"type": "boolean"},
        "off": {"type": "boolean"}, "services": {"type": "array", "items": {"type": "string", "enum": ["x", "y", "z"]}},
        "hosts": {"type": "array", "items": {"type": "string"}},
        "ports": {"type": "array", "items": {"type": "integer"}},
        "custom": {"type": "array", "items": {"type": "object"}}, "level": {"type": "integer", "enum": [1, 2]},
        "conf": {"type": "object", "properties": {"port": {"type": "integer"}, "name": {"type": "string"}}},
        "text": {"type": "string"}, "notes": {"type": "string", "ui:widget": "textarea"}, "empty": {"type": "string"},
    }}
    data = post([("count", "3"), ("ratio", "0.5"), ("flag", "true"), ("services", "z"), ("services", "x"),
                 ("hosts", "a.example\n\n b.example \n"), ("ports", "80\n443"), ("custom", '[{"name": "n"}]'),
                 ("level", "2"), ("conf.port", "8080"), ("conf.name", "svc"), ("text", "  padded "),
                 ("notes", "line 1\r\nline 2"), ("empty", "")])
    parsed = parse_step(schema, data)
    assert parsed.errors == []
    assert parsed.values == {
        "count": 3, "ratio": 0.5, "flag": True, "off": False, "services": ["z", "x"],
        "hosts": ["a.example", "b.example"], "ports": [80, 443], "custom": [{"name": "n"}], "level": 2,
        "conf": {"port": 8080, "name": "svc"}, "text": "padded", "notes": "line 1\nline 2",
    }


def test_unreadable_input_is_kept_and_reported():
    schema = {"properties": {"count": {"type": "integer", "title": "Count"}, "blob": {"type": "object",
                                                                                      "title": "Blob"}}}
    parsed = parse_step(schema, post([("count", "three"), ("blob", "{not json")]))
    assert parsed.values == {"count": "three", "blob": "{not json"}
    assert parsed.errors[0]["field"] == "blob" and parsed.errors[0]["message"].startswith("Blob must be valid JSON")
    assert {"field": "count", "message": "Count must be a whole number"} in validate_values(schema, parsed.values)


def test_conditional_fields_are_read_from_the_same_post():
    parsed = parse_step(PROVIDER_STEP, post([("repoProvider", "gitlab"), ("gitlabHost", "gitlab.acme")]))
    assert parsed.values == {"repoProvider": "gitlab", "gitlabHost": "gitlab.acme"}
    parsed = parse_step(PROVIDER_STEP, post([("repoProvider", "github"), ("gitlabHost", "stale")]))
    assert parsed.values == {"repoProvider": "github"}
    assert parsed.step_names == {"repoProvider", "gitlabHost"}


def test_pickers_parse_to_backstage_values():
    schema = {"properties": {
        "owner": {"type": "string", "ui:field": "OwnerPicker"},
        "system": {"type": "string", "ui:field": "EntityPicker",
                   "ui:options": {"defaultKind": "System", "defaultNamespace": "platform"}},
        "free": {"type": "string", "ui:field": "EntityPicker"},
        "deps": {"type": "array", "items": {"type": "string"}, "ui:field": "MultiEntityPicker",
                 "ui:options": {"defaultKind": "Component"}},
        "tags": {"type": "array", "items": {"type": "string"}, "ui:field": "EntityTagsPicker"},
        "repoUrl": {"type": "string", "ui:field": "RepoUrlPicker"},
    }}
    data = post([("owner", "payments-team"), ("system", "billing"), ("free", "just text"),
                 ("deps", "component:default/a"), ("deps__add", "b, component:default/a"),
                 ("tags", "java"), ("tags__add", "team-a"),
                 ("repoUrl__host", "git.example"), ("repoUrl__owner", "team a"), ("repoUrl__repo", "svc")])
    values = parse_step(schema, data).values
    assert values["owner"] == "group:default/payments-team"
    assert values["system"] == "system:platform/billing"
    assert values["free"] == "just text"
    assert values["deps"] == ["component:default/a", "component:default/b"]
    assert values["tags"] == ["java", "team-a"]
    assert values["repoUrl"] == "git.example?owner=team+a&repo=svc"
    assert repo_url_parts(values["repoUrl"])["owner"] == "team a"


# --- Secrets --------------------------------------------------------------------------------------


SECRET_STEP = {"required": ["token"], "properties": {
    "token": {"title": "Token", "type": "string", "ui:field": "Secret"},
    "name": {"title": "Name", "type": "string"},
}}


def test_secrets_go_apart_and_the_answer_is_a_mask():
    parsed = parse_step(SECRET_STEP, post([("token", "s3cr3t"), ("name", "x")]))
    assert parsed.secrets == {"token": "s3cr3t"}
    assert parsed.values == {"token": "******", "name": "x"}
    assert validate_values(SECRET_STEP, parsed.values) == []


def test_a_kept_secret_survives_an_empty_password_input():
    parsed = parse_step(SECRET_STEP, post([("token", "")]), kept_secrets={"token": "old"})
    assert parsed.secrets == {"token": "old"} and parsed.values["token"] == "***"
    assert parse_step(SECRET_STEP, post([("token", "")])).values == {}


def test_review_masks_secrets_and_shows_labels():
    schema = {"properties": {**SECRET_STEP["properties"],
                             "registry": {"type": "string", "enum": ["q"], "enumNames": ["Quay"]},
                             "flag": {"type": "boolean", "title": "Flag"},
                             "org": {"type": "string", "ui:widget": "hidden"}}}
    values = {"token": "***", "name": "svc", "registry": "q", "flag": True, "org": "acme"}
    rows = review_rows(build_step(schema, values, secrets={"token": "abc"}, defaults=False).fields)
    shown = {r["title"]: r["value"] for r in rows}
    assert shown == {"Token": "••••", "Name": "svc", "registry": "Quay", "Flag": "Yes"}
    assert "abc" not in str(rows)
