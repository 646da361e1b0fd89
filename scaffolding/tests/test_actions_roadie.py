"""Roadie's roadiehq:utils:* actions: Roadie's inputs and outputs, lodash's merge, JSON.stringify,
JSONata in a limited child process, and hostile paths, files and expressions.

Expected values come from Roadie's own tests (RoadieHQ/roadie-backstage-plugins,
plugins/scaffolder-actions/scaffolder-backend-module-utils/src/actions/**/*.test.ts) and from
lodash's and ECMA-262's documented behaviour, cited per test.
"""

import base64
import json
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest

from scaffolding.actions.base import ActionCancelled, ActionError, ActionInputError
from scaffolding.actions.roadie import (
    AppendFile,
    Jsonata,
    JsonataJson,
    JsonataYaml,
    Merge,
    MergeJson,
    ParseFile,
    SerializeJson,
    SerializeYaml,
    Sleep,
    WriteFile,
    Zip,
    json_stringify,
    lodash_merge,
)
from scaffolding.tests.helpers import ada_ctx

make_ctx = partial(ada_ctx, step_id="utils")


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


def run(action, workspace, **inputs):
    ctx = make_ctx(workspace, inputs)
    action.run(ctx)
    return ctx


# --- fs:write, fs:append -------------------------------------------------------------------------


def test_write_creates_parent_folders_and_outputs_the_relative_path(workspace):
    ctx = run(WriteFile(), workspace, path="deep/dir/file.txt", content="hello")
    assert (workspace / "deep/dir/file.txt").read_text() == "hello"
    assert ctx.outputs == {"path": "deep/dir/file.txt"}


def test_write_prevent_if_exists_leaves_the_file(workspace):
    (workspace / "a.txt").write_text("old")
    run(WriteFile(), workspace, path="a.txt", content="new", preventIfExists=True)
    assert (workspace / "a.txt").read_text() == "old"
    run(WriteFile(), workspace, path="a.txt", content="new")
    assert (workspace / "a.txt").read_text() == "new"


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "a/../../x", "", "nul\x00.txt"])
def test_write_refuses_paths_outside_the_workspace(workspace, path):
    with pytest.raises(ActionInputError, match="path"):
        run(WriteFile(), workspace, path=path, content="x")
    assert not (workspace.parent / "escape.txt").exists()


def test_write_refuses_a_link_that_leads_out(workspace, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "link").symlink_to(outside)
    with pytest.raises(ActionInputError, match="leaves the task's workspace"):
        run(WriteFile(), workspace, path="link/owned.txt", content="x")
    assert not (outside / "owned.txt").exists()


def test_write_needs_string_content(workspace):
    with pytest.raises(ActionInputError, match="content: expected a string"):
        run(WriteFile(), workspace, path="a.txt", content={"a": 1})


def test_append_creates_then_appends(workspace):
    run(AppendFile(), workspace, path="notes.md", content="one\n")
    ctx = run(AppendFile(), workspace, path="notes.md", content="two\n")
    assert (workspace / "notes.md").read_text() == "one\ntwo\n"
    assert ctx.outputs == {"path": "notes.md"}


# --- fs:parse ------------------------------------------------------------------------------------


def test_parse_reads_raw_yaml_json_and_multiyaml(workspace):
    (workspace / "a.yaml").write_text("name: web\non: yes\n")  # YAML 1.2: `on`/`yes` stay strings
    (workspace / "b.json").write_text('{"x": [1, 2]}')
    (workspace / "c.yaml").write_text("a: 1\n---\nb: 2\n")
    assert run(ParseFile(), workspace, path="a.yaml").outputs["content"] == "name: web\non: yes\n"
    assert run(ParseFile(), workspace, path="a.yaml", parser="yaml").outputs["content"] == {"name": "web",
                                                                                            "on": "yes"}
    assert run(ParseFile(), workspace, path="b.json", parser="json").outputs["content"] == {"x": [1, 2]}
    assert run(ParseFile(), workspace, path="c.yaml", parser="multiyaml").outputs["content"] == [{"a": 1},
                                                                                                 {"b": 2}]


def test_parse_refuses_an_alias_bomb_naming_the_file(workspace):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    (workspace / "bomb.yaml").write_text(bomb)
    with pytest.raises(ActionError, match=r"path: bomb.yaml: not valid YAML"):
        run(ParseFile(), workspace, path="bomb.yaml", parser="yaml")


@pytest.mark.parametrize("name, text, parser, message", [
    ("bad.json", "{nope", "json", "path: bad.json: not valid JSON"),
    ("bad.yaml", "a: [1,\n", "yaml", "path: bad.yaml: not valid YAML at line"),
    ("tag.yaml", "a: !!python/name:os.system x\n", "yaml", "not valid YAML"),
])
def test_parse_names_the_file_and_what_is_wrong(workspace, name, text, parser, message):
    (workspace / name).write_text(text)
    with pytest.raises(ActionError, match=message):
        run(ParseFile(), workspace, path=name, parser=parser)


def test_parse_refuses_missing_binary_and_huge_files(workspace, monkeypatch):
    with pytest.raises(ActionError, match="does not exist"):
        run(ParseFile(), workspace, path="missing.txt")
    (workspace / "bin").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ActionError, match="not UTF-8"):
        run(ParseFile(), workspace, path="bin")
    monkeypatch.setattr("scaffolding.actions.roadie.MAX_READ_BYTES", 10)
    (workspace / "big.txt").write_text("x" * 11)
    with pytest.raises(ActionError, match="larger than"):
        run(ParseFile(), workspace, path="big.txt")


# --- lodash merge, JSON.stringify ----------------------------------------------------------------


@pytest.mark.parametrize("target, source, concat, expected", [
    # lodash docs, _.merge: arrays and plain objects are merged recursively, index by index.
    ({"a": [{"b": 2}, {"d": 4}]}, {"a": [{"c": 3}, {"e": 5}]}, False,
     {"a": [{"b": 2, "c": 3}, {"d": 4, "e": 5}]}),
    ({"a": [1, 2, 3]}, {"a": [9]}, False, {"a": [9, 2, 3]}),
    ({"a": 1}, {"a": {"b": 2}}, False, {"a": {"b": 2}}),  # a primitive is replaced by the object
    ({"a": {"b": 1}}, {"a": None}, False, {"a": None}),  # null is a value, not undefined
    ({"a": {"b": 1}}, {"a": [1]}, False, {"a": [1]}),
    # Roadie's mergeArrayCustomiser: Array.from(new Set(objValue.concat(srcValue))).
    ({"a": [1, 2]}, {"a": [2, 3]}, True, {"a": [1, 2, 3]}),
    ({"a": [{"x": 1}]}, {"a": [{"x": 1}]}, True, {"a": [{"x": 1}, {"x": 1}]}),  # objects differ by reference
    ({"a": [True]}, {"a": [1]}, True, {"a": [True, 1]}),  # a Set tells true from 1
    ({"a": [1]}, {"a": 2}, True, {"a": [1, 2]}),
])
def test_lodash_merge(target, source, concat, expected):
    assert lodash_merge(target, source, concat_arrays=concat) == expected


@pytest.mark.parametrize("data, replacer, space, expected", [
    ({"a": 1, "b": [1, 2]}, None, None, '{"a":1,"b":[1,2]}'),
    ({"a": 1}, None, 2, '{\n  "a": 1\n}'),
    ({"a": 1}, None, "\t", '{\n\t"a": 1\n}'),
    ({"a": 1}, None, "", '{"a":1}'),
    ({"a": 1, "b": {"a": 2, "c": 3}}, ["a", "b"], None, '{"a":1,"b":{"a":2}}'),  # every depth
    ({"a": 1}, None, 50, '{\n' + " " * 10 + '"a": 1\n}'),  # at most ten spaces
])
def test_json_stringify(data, replacer, space, expected):
    assert json_stringify(data, replacer, space) == expected


# --- json:merge, merge ---------------------------------------------------------------------------


def test_json_merge_creates_the_file_when_missing(workspace):
    ctx = run(MergeJson(), workspace, path="package.json", content={"scripts": {"test": "jest"}})
    assert json.loads((workspace / "package.json").read_text()) == {"scripts": {"test": "jest"}}
    assert ctx.outputs == {"path": "package.json"}


def test_json_merge_merges_strings_and_keeps_indent(workspace):
    (workspace / "p.json").write_text('{\n    "name": "x",\n    "tags": ["a"]\n}')
    run(MergeJson(), workspace, path="p.json", content='{"tags": ["b"], "v": 1}', mergeArrays=True,
        matchFileIndent=True)
    text = (workspace / "p.json").read_text()
    assert json.loads(text) == {"name": "x", "tags": ["a", "b"], "v": 1}
    assert '\n    "name"' in text


def test_json_merge_bad_content_names_the_field(workspace):
    with pytest.raises(ActionError, match="content: not valid JSON"):
        run(MergeJson(), workspace, path="p.json", content="{oops")
    with pytest.raises(ActionInputError, match="content: expected an object or a string"):
        run(MergeJson(), workspace, path="p.json", content=[1])


def test_merge_yaml_file(workspace):
    (workspace / "app.yaml").write_text("spec:\n  owner: team-a\n  tags: [a]\n")
    run(Merge(), workspace, path="app.yaml", content={"spec": {"lifecycle": "production", "tags": ["b"]}},
        mergeArrays=True)
    assert (workspace / "app.yaml").read_text() == (
        "spec:\n  owner: team-a\n  tags:\n  - a\n  - b\n  lifecycle: production\n")


def test_merge_yaml_string_content_and_json_file(workspace):
    (workspace / "c.json").write_text('{"a": {"b": 1}}')
    run(Merge(), workspace, path="c.json", content='{"a": {"c": 2}}')
    assert json.loads((workspace / "c.json").read_text()) == {"a": {"b": 1, "c": 2}}
    (workspace / "c.yml").write_text("a: 1\n")
    run(Merge(), workspace, path="c.yml", content="b: 2\n")
    assert (workspace / "c.yml").read_text() == "a: 1\nb: 2\n"


def test_merge_multi_document_yaml_needs_a_document_key(workspace):
    (workspace / "k.yaml").write_text("kind: Deployment\nspec: {replicas: 1}\n---\nkind: Service\nspec: {}\n")
    with pytest.raises(ActionInputError, match="useDocumentIncludingField"):
        run(Merge(), workspace, path="k.yaml", content={"spec": {"replicas": 3}})
    run(Merge(), workspace, path="k.yaml", content={"spec": {"replicas": 3}},
        useDocumentIncludingField={"key": "kind", "value": "Deployment"})
    assert (workspace / "k.yaml").read_text() == (
        "kind: Deployment\nspec:\n  replicas: 3\n---\nkind: Service\nspec: {}\n")


def test_merge_refuses_a_missing_file_and_leaves_other_types(workspace):
    with pytest.raises(ActionError, match="does not exist"):
        run(Merge(), workspace, path="none.yaml", content={})
    (workspace / "x.toml").write_text("a = 1\n")
    ctx = run(Merge(), workspace, path="x.toml", content={"a": 2})
    assert (workspace / "x.toml").read_text() == "a = 1\n"
    assert "only .json, .yml and .yaml" in ctx.logs[-1]


# --- serialize -----------------------------------------------------------------------------------


def test_serialize_yaml_and_json():
    ctx = make_ctx(Path("/nowhere"), {"data": {"name": "web", "ports": [80, 443]}, "options": {"indent": 4}})
    SerializeYaml().run(ctx)
    assert ctx.outputs["serialized"] == "name: web\nports:\n- 80\n- 443\n"
    ctx = make_ctx(Path("/nowhere"), {"data": "plain"})
    SerializeYaml().run(ctx)
    assert ctx.outputs["serialized"] == "plain\n"  # js-yaml writes no "..." after a scalar
    ctx = make_ctx(Path("/nowhere"), {"data": {"a": 1, "b": 2}, "replacer": ["a"], "space": 2})
    SerializeJson().run(ctx)
    assert ctx.outputs["serialized"] == '{\n  "a": 1\n}'


def test_serialize_yaml_refuses_absurd_options():
    ctx = make_ctx(Path("/nowhere"), {"data": {"a": 1}, "options": {"indent": 10_000}})
    with pytest.raises(ActionInputError, match="options.indent"):
        SerializeYaml().run(ctx)


# --- JSONata -------------------------------------------------------------------------------------


def test_jsonata_evaluates_on_input_data(workspace):
    # Roadie's jsonata.test.ts: `$sum(example.value)` over three objects.
    data = {"example": [{"value": 4}, {"value": 7}, {"value": 13}]}
    assert run(Jsonata(), workspace, data=data, expression="$sum(example.value)").outputs["result"] == 24


def test_jsonata_json_transform_as_string_and_object(workspace):
    (workspace / "p.json").write_text('{"hello": ["world"]}')
    ctx = run(JsonataJson(), workspace, path="p.json", expression='$ ~> | $ | { "hello": [hello, "item2"] }|')
    assert ctx.outputs["result"] == '{"hello":["world","item2"]}'
    ctx = run(JsonataJson(), workspace, path="p.json", expression="hello", **{"as": "object"})
    assert ctx.outputs["result"] == ["world"]


def test_jsonata_yaml_transform(workspace):
    (workspace / "c.yaml").write_text("items:\n  - a\n  - b\n")
    ctx = run(JsonataYaml(), workspace, path="c.yaml", expression='{"count": $count(items)}')
    assert ctx.outputs["result"] == "count: 2\n"


@pytest.mark.parametrize("expression, message", [
    ("$sum(", "JSONata failed to evaluate the expression"),
    ('$pad("", 999999999)', "more memory than allowed"),
    ("[1..10000000]", "larger than"),
    ("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))", "JSONata failed"),
    ("$uppercase", "not a JSON value"),
])
def test_jsonata_hostile_expressions_fail_with_a_message(workspace, expression, message):
    with pytest.raises(ActionError, match=message):
        run(Jsonata(), workspace, data={}, expression=expression)


# --- zip, sleep ----------------------------------------------------------------------------------


def test_zip_puts_a_folders_content_at_the_root_and_skips_links(workspace, tmp_path):
    (workspace / "site/css").mkdir(parents=True)
    (workspace / "site/index.html").write_text("<h1>x</h1>")
    (workspace / "site/css/a.css").write_text("a{}")
    (tmp_path / "secret").write_text("s")
    (workspace / "site/leak").symlink_to(tmp_path / "secret")
    ctx = run(Zip(), workspace, path="site", outputPath="site/site.zip")
    with zipfile.ZipFile(workspace / "site/site.zip") as archive:
        assert sorted(archive.namelist()) == ["css/a.css", "index.html"]
    assert ctx.outputs == {"outputPath": "site/site.zip"}
    assert any("Skipped the link leak" in line for line in ctx.logs)


def test_zip_refuses_missing_paths_and_outputs_outside(workspace):
    (workspace / "a.txt").write_text("a")
    with pytest.raises(ActionInputError, match="does not exist"):
        run(Zip(), workspace, path="nothing", outputPath="x.zip")
    with pytest.raises(ActionInputError, match="outputPath"):
        run(Zip(), workspace, path="a.txt", outputPath="../x.zip")
    with pytest.raises(ActionInputError, match="outputPath"):
        run(Zip(), workspace, path="a.txt")


@pytest.mark.parametrize("amount", [-1, "5", True, None, 10_000])
def test_sleep_refuses_bad_amounts(workspace, amount):
    with pytest.raises(ActionInputError, match="amount"):
        run(Sleep(), workspace, amount=amount)


def test_sleep_stops_when_the_task_is_cancelled(workspace):
    ctx = make_ctx(workspace, {"amount": 60})
    threading.Timer(0.3, ctx.cancel_event.set).start()
    with pytest.raises(ActionCancelled):
        Sleep().run(ctx)


# --- through the scaffolder ----------------------------------------------------------------------

TEMPLATE = {
    "apiVersion": "scaffolder.backstage.io/v1beta3",
    "kind": "Template",
    "metadata": {"name": "roadie-utils", "title": "Roadie utils"},
    "spec": {
        "parameters": [{"properties": {"name": {"type": "string"}}}],
        "steps": [
            {"id": "fetch", "action": "fetch:template", "input": {"url": "./skeleton",
                                                                   "values": {"name": "${{ parameters.name }}"}}},
            {"id": "merge", "action": "roadiehq:utils:json:merge",
             "input": {"path": "package.json", "content": {"scripts": {"lint": "eslint ."}}}},
            {"id": "parse", "action": "roadiehq:utils:fs:parse", "input": {"path": "package.json", "parser": "json"}},
            {"id": "count", "action": "roadiehq:utils:jsonata",
             "input": {"data": "${{ steps.parse.output.content }}", "expression": "$count($keys(scripts))"}},
            {"id": "write", "action": "roadiehq:utils:fs:write",
             "input": {"path": "SCRIPTS.txt",
                       "content": "${{ parameters.name }} has ${{ steps.count.output.result }}"}},
        ],
    },
}
SKELETON = [{"path": "skeleton/package.json",
             "base64Content": base64.b64encode(
                 b'{"name": "${{ values.name }}", "scripts": {"test": "jest"}}').decode()}]


@pytest.mark.django_db
def test_a_template_using_the_utils_runs_in_a_dry_run(client_owner, dry_run_worker):
    response = client_owner.post("/api/scaffolder/v2/dry-run", json.dumps(
        {"template": TEMPLATE, "values": {"name": "web"}, "secrets": {}, "directoryContents": SKELETON}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed", body
    files = {f["path"]: base64.b64decode(f["base64Content"]).decode() for f in body["directoryContents"]}
    assert json.loads(files["package.json"]) == {"name": "web", "scripts": {"test": "jest", "lint": "eslint ."}}
    assert files["SCRIPTS.txt"] == "web has 2"
