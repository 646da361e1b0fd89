"""Roadie's `roadiehq:utils:*` file utilities, the community module most real templates use.

Ids, inputs and outputs follow @roadiehq/scaffolder-backend-module-utils
(github.com/RoadieHQ/roadie-backstage-plugins, plugins/scaffolder-actions/scaffolder-backend-module-utils
/src/actions), so templates written for it run unchanged. Deliberate differences, each for safety:
- `path` outputs are workspace-relative: Roadie outputs the absolute path on the server, which
  would name Paved's private folders in a task's outputs. Every Paved action takes a relative path.
- Files are read with at most MAX_READ_BYTES, YAML with catalog.lib.safe_yaml (YAML 1.2 core
  schema like the `yaml` package Roadie uses, alias bombs and deep nesting refused).
- JSONata runs in a limited child process (scaffolding.lib.jsonata_sandbox).
- `sleep` waits at most MAX_SLEEP_SECONDS and stops when the task is cancelled.
- `zip` stores links as nothing: a link could lead out of the workspace.
"""

from __future__ import annotations

import json
import math
import os
import time
import zipfile
from pathlib import Path

import yaml

from catalog.lib.safe_yaml import YamlError, load_documents
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError
from scaffolding.lib.jsonata_sandbox import JsonataError
from scaffolding.lib.jsonata_sandbox import evaluate as jsonata_evaluate

MAX_READ_BYTES = 5 * 1024 * 1024
MAX_SLEEP_SECONDS = 300
MAX_ZIP_BYTES = 200 * 1024 * 1024

_PATH = {"title": "Path", "type": "string", "description": "A path relative to the workspace"}
_PATH_OUTPUT = {"type": "object", "properties": {"path": {"title": "Path", "type": "string"}}}
_CONTENT_OBJECT_OR_STRING = {"oneOf": [{"type": "object"}, {"type": "string"}],
                             "description": "Merged into the file: an object, or a string holding JSON or YAML"}
# js-yaml's dump options that map onto PyYAML's; Roadie passes the whole object to js-yaml.
_YAML_OPTIONS = {"title": "Options", "type": "object", "description": "YAML stringify options",
                 "properties": {"indent": {"type": "number"}, "lineWidth": {"type": "number"},
                                "sortKeys": {"type": "boolean"}, "noArrayIndent": {"type": "boolean"},
                                "flowLevel": {"type": "number"}}}


# --- shared helpers -------------------------------------------------------------------------------


def _text_input(ctx: ActionContext, name: str) -> str:
    value = ctx.input.get(name)
    if not isinstance(value, str):
        raise ActionInputError(f"{name}: expected a string, got {type(value).__name__}")
    return value


def _path_input(ctx: ActionContext, name: str = "path") -> tuple[str, Path]:
    relative = ctx.input.get(name)
    if not isinstance(relative, str) or not relative.strip():
        raise ActionInputError(f"{name}: expected a path inside the workspace, got {relative!r}")
    return relative, ctx.resolve_path(relative, field_name=name)


def _read_text(path: Path, relative: str, field: str = "path") -> str:
    if not path.is_file():
        raise ActionError(f"{field}: {relative!r} does not exist in the workspace or is not a file")
    if path.stat().st_size > MAX_READ_BYTES:
        raise ActionError(f"{field}: {relative!r} is larger than {MAX_READ_BYTES // (1024 * 1024)} MB")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ActionError(f"{field}: {relative!r} is not UTF-8 text") from None


def _write_text(path: Path, relative: str, text: str, *, append: bool = False) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a" if append else "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ActionError(f"path: writing {relative!r} failed: {exc.strerror or exc}") from None


def _parse_json(text: str, where: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ActionError(f"{where}: not valid JSON ({exc})") from None


def _yaml_documents(text: str, where: str) -> list:
    try:
        return [document.data for document in load_documents(text)]
    except YamlError as exc:
        line = f" at line {exc.line}" if exc.line else ""
        raise ActionError(f"{where}: not valid YAML{line}: {exc.message}") from None


def _parse_yaml(text: str, where: str):
    documents = _yaml_documents(text, where)
    if len(documents) > 1:
        raise ActionError(f"{where}: holds {len(documents)} YAML documents; expected one")
    return documents[0] if documents else None


def yaml_dump(data, options) -> str:
    """js-yaml's `dump(data, options)` as PyYAML writes it: block style, keys in their order."""
    options = options if isinstance(options, dict) else {}
    indent = options.get("indent", 2)
    width = options.get("lineWidth", 80)
    flow_level = options.get("flowLevel", -1)
    if not isinstance(indent, int | float) or not 1 <= indent <= 10:
        raise ActionInputError("options.indent: expected a number from 1 to 10")
    if not isinstance(width, int | float) or not (width == -1 or 20 <= width <= 100_000):
        raise ActionInputError("options.lineWidth: expected -1 (no limit) or a number from 20 to 100000")
    text = yaml.safe_dump(data, indent=int(indent), width=math.inf if width == -1 else int(width),
                          sort_keys=bool(options.get("sortKeys")), allow_unicode=True,
                          default_flow_style=None if flow_level not in (-1, None) else False)
    # PyYAML ends a lone scalar with the document-end marker "...", which js-yaml does not write.
    return text[: -len("...\n")] if text.endswith("\n...\n") else text


def json_stringify(data, replacer=None, space=None) -> str:
    """JavaScript's JSON.stringify(data, replacer, space) for a replacer array and a string or number space."""
    if replacer is not None:
        if not isinstance(replacer, list) or not all(isinstance(key, str | int | float) for key in replacer):
            raise ActionInputError("replacer: expected a list of property names")
        allowed = {str(key) for key in replacer}
        data = _only_keys(data, allowed)
    if isinstance(space, bool) or space is None:
        indent = None
    elif isinstance(space, int | float):
        indent = " " * max(0, min(10, int(space))) or None
    elif isinstance(space, str):
        indent = space[:10] or None  # JSON.stringify uses at most ten characters of `space`
    else:
        raise ActionInputError("space: expected a string or a number")
    return json.dumps(data, indent=indent, ensure_ascii=False, separators=(",", ": ") if indent else (",", ":"))


def _only_keys(value, allowed: set[str]):
    # A replacer array keeps only the named properties of every object, at every depth (ECMA-262 25.5.2.1).
    if isinstance(value, dict):
        return {key: _only_keys(item, allowed) for key, item in value.items() if key in allowed}
    if isinstance(value, list):
        return [_only_keys(item, allowed) for item in value]
    return value


def lodash_merge(target, source, *, concat_arrays: bool = False):
    """lodash's `mergeWith(target, source, customiser)` on JSON values, as Roadie calls it.

    Objects merge key by key, arrays index by index, and any other source value replaces the
    target's (lodash baseMergeDeep). With `concat_arrays` (Roadie's `mergeArrays`), a target array
    becomes `Array.from(new Set(target.concat(source)))`: primitives are de-duplicated, objects
    never are (a Set compares them by reference).
    """
    if concat_arrays and isinstance(target, list):
        joined = target + (source if isinstance(source, list) else [source])
        seen, out = set(), []
        for item in joined:
            key = (type(item).__name__, item) if not isinstance(item, dict | list) else None
            if key is not None and key in seen:
                continue
            if key is not None:
                seen.add(key)
            out.append(item)
        return out
    if isinstance(source, dict):
        merged = dict(target) if isinstance(target, dict) else {}
        for key, value in source.items():
            merged[key] = lodash_merge(merged.get(key), value, concat_arrays=concat_arrays)
        return merged
    if isinstance(source, list):
        merged = list(target) if isinstance(target, list) else []
        for index, value in enumerate(source):
            current = merged[index] if index < len(merged) else None
            item = lodash_merge(current, value, concat_arrays=concat_arrays)
            if index < len(merged):
                merged[index] = item
            else:
                merged.append(item)
        return merged
    return source  # a primitive replaces whatever was there (the customiser, if any, was asked first)


def _content_value(ctx: ActionContext, *, as_yaml: bool):
    content = ctx.input.get("content")
    if isinstance(content, str):
        return _parse_yaml(content, "content") if as_yaml else _parse_json(content, "content")
    if isinstance(content, dict):
        return content
    raise ActionInputError("content: expected an object or a string")


def _jsonata(ctx: ActionContext, data):
    expression = _text_input(ctx, "expression")
    try:
        return jsonata_evaluate(expression, data,
                                run=lambda args, stdin: ctx.run_command(args, input=stdin).stdout)
    except JsonataError as exc:
        raise ActionError(f"expression: JSONata failed to evaluate the expression: {exc}") from None


# --- the actions ----------------------------------------------------------------------------------


class FileAction(Action):
    builds_files = True
    supports_dry_run = True  # they only touch the workspace, which a dry run has too


class WriteFile(FileAction):
    id = "roadiehq:utils:fs:write"
    description = "Creates a file with the content on the given path"
    input_schema = {"type": "object", "required": ["path", "content"], "properties": {
        "path": _PATH,
        "content": {"title": "Content", "type": "string", "description": "This will be the content of the file"},
        "preventIfExists": {"title": "Prevent if exists", "type": "boolean",
                            "description": "Leave an existing file as it is"}}}
    output_schema = _PATH_OUTPUT

    def run(self, ctx: ActionContext) -> None:
        relative, path = _path_input(ctx)
        content = _text_input(ctx, "content")
        if ctx.input.get("preventIfExists") and path.exists():
            ctx.log(f"{relative} already exists; left as it is (preventIfExists)")
        else:
            _write_text(path, relative, content)
            ctx.log(f"Wrote {relative}")
        ctx.output("path", relative)


class AppendFile(FileAction):
    id = "roadiehq:utils:fs:append"
    description = "Append content to the end of the given file, it will create the file if it does not exist."
    input_schema = {"type": "object", "required": ["path", "content"], "properties": {
        "path": _PATH, "content": {"title": "Content", "type": "string",
                                   "description": "This will be appended to the file"}}}
    output_schema = _PATH_OUTPUT

    def run(self, ctx: ActionContext) -> None:
        relative, path = _path_input(ctx)
        content = _text_input(ctx, "content")
        # No bookkeeping for retries: the runner rebuilds the workspace from scratch before a retry,
        # running every file-building step again, so the content is appended once per workspace.
        _write_text(path, relative, content, append=True)
        ctx.log(f"Appended to {relative}")
        ctx.output("path", relative)


class ParseFile(Action):
    id = "roadiehq:utils:fs:parse"
    description = "Reads a file from the workspace and optionally parses it"
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["path"], "properties": {
        "path": _PATH,
        "parser": {"title": "Parse", "type": "string", "enum": ["yaml", "json", "multiyaml"],
                   "description": "Optionally parse the content to an object."}}}
    output_schema = {"type": "object", "properties": {"content": {"title": "Content of the file",
                                                                   "type": ["string", "object"]}}}

    def run(self, ctx: ActionContext) -> None:
        relative, path = _path_input(ctx)
        text = _read_text(path, relative)
        parser = ctx.input.get("parser")
        where = f"path: {relative}"
        if parser == "json":
            content = _parse_json(text, where)
        elif parser == "yaml":
            content = _parse_yaml(text, where)
        elif parser == "multiyaml":
            content = _yaml_documents(text, where)
        elif parser in (None, ""):
            content = text
        else:
            raise ActionInputError(f"parser: expected one of yaml, json, multiyaml, got {parser!r}")
        ctx.output("content", content)


class MergeJson(FileAction):
    id = "roadiehq:utils:json:merge"
    description = "Merge new data into an existing JSON file."
    input_schema = {"type": "object", "required": ["path", "content"], "properties": {
        "path": _PATH, "content": _CONTENT_OBJECT_OR_STRING,
        "mergeArrays": {"type": "boolean", "description": "Concatenate arrays instead of merging them by index"},
        "matchFileIndent": {"type": "boolean", "description": "Keep the file's indentation"}}}
    output_schema = _PATH_OUTPUT

    def run(self, ctx: ActionContext) -> None:
        relative, path = _path_input(ctx)
        if path.exists():
            original_text = _read_text(path, relative)
            existing = _parse_json(original_text, f"path: {relative}")
        else:
            ctx.log(f"The file {relative} does not exist, creating it.")
            original_text, existing = "", {}
        content = _content_value(ctx, as_yaml=False)
        indent = _detect_indent(original_text) if ctx.input.get("matchFileIndent") else 2
        merged = lodash_merge(existing, content, concat_arrays=bool(ctx.input.get("mergeArrays")))
        _write_text(path, relative, json.dumps(merged, indent=indent, ensure_ascii=False))
        ctx.output("path", relative)


def _detect_indent(text: str) -> int | str:
    """The indentation of the file's first indented line (detect-indent's answer for most files), or 2."""
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if stripped and stripped != line:
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else len(lead)
    return 2


class Merge(FileAction):
    id = "roadiehq:utils:merge"
    description = "Merges data into an existing structured file."
    input_schema = {"type": "object", "required": ["path", "content"], "properties": {
        "path": _PATH, "content": _CONTENT_OBJECT_OR_STRING,
        "mergeArrays": {"type": "boolean", "description": "Concatenate arrays instead of merging them by index"},
        "preserveYamlComments": {"type": "boolean",
                                 "description": "Accepted for compatibility; comments are not kept (see the log)"},
        "useDocumentIncludingField": {"type": "object", "required": ["key", "value"], "properties": {
            "key": {"type": "string"}, "value": {"type": "string"}},
            "description": "In a multi-document YAML file, the document whose `key` equals `value`"},
        "options": _YAML_OPTIONS}}
    output_schema = _PATH_OUTPUT

    def run(self, ctx: ActionContext) -> None:
        relative, path = _path_input(ctx)
        if not path.is_file():
            raise ActionError(f"path: the file {relative!r} does not exist.")
        text = _read_text(path, relative)
        concat = bool(ctx.input.get("mergeArrays"))
        extension = path.suffix.lower()
        if extension == ".json":
            # Roadie parses the existing .json with YAML.parse (JSON is YAML), the content with JSON.parse.
            merged = lodash_merge(_parse_yaml(text, f"path: {relative}"), _content_value(ctx, as_yaml=False),
                                  concat_arrays=concat)
            output = json.dumps(merged, indent=2, ensure_ascii=False)
        elif extension in (".yml", ".yaml"):
            if ctx.input.get("preserveYamlComments"):
                ctx.log("preserveYamlComments: Paved rewrites the YAML without its comments")
            content = _content_value(ctx, as_yaml=True)
            documents = self._merged_documents(ctx, text, relative, content, concat)
            output = "---\n".join(yaml_dump(document, ctx.input.get("options")) for document in documents)
        else:
            ctx.log(f"{relative}: only .json, .yml and .yaml files are merged; left as it is")
            return
        _write_text(path, relative, output)
        ctx.output("path", relative)

    @staticmethod
    def _merged_documents(ctx, text: str, relative: str, content, concat: bool) -> list:
        documents = _yaml_documents(text, f"path: {relative}")
        if not documents:
            raise ActionError(f"path: no documents found in {relative!r}. Please provide a valid YAML file.")
        if len(documents) == 1:
            return [lodash_merge(documents[0], content, concat_arrays=concat)]
        field = ctx.input.get("useDocumentIncludingField")
        if not isinstance(field, dict) or not isinstance(field.get("key"), str):
            raise ActionInputError("useDocumentIncludingField: multiple documents found in the file; give a key "
                                   "and value to find the document to merge into")
        key, value = field["key"], str(field.get("value", ""))
        merged = []
        for index, document in enumerate(documents, start=1):
            found = document.get(key) if isinstance(document, dict) else None
            if isinstance(found, bool) or not isinstance(found, str | int | float):
                raise ActionError(f"path: document {index} of {relative!r}: the value at {key!r} defined in "
                                  "useDocumentIncludingField must be a string or a number.")
            matches = (str(found) if not isinstance(found, float) or not found.is_integer() else str(int(found))) \
                == value
            merged.append(lodash_merge(document, content, concat_arrays=concat) if matches else document)
        return merged


class SerializeYaml(Action):
    id = "roadiehq:utils:serialize:yaml"
    description = "Allows performing serialization on an object"
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["data"], "properties": {
        "data": {"title": "Data", "description": "Input data to perform serialization on."},
        "replacer": {"title": "Replacer", "type": "array", "items": {"type": "string"}},
        "options": _YAML_OPTIONS}}
    output_schema = {"type": "object", "properties": {"serialized": {"type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        ctx.output("serialized", yaml_dump(ctx.input.get("data"), ctx.input.get("options")))


class SerializeJson(Action):
    id = "roadiehq:utils:serialize:json"
    description = "Allows performing serialization on an object"
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["data"], "properties": {
        "data": {"title": "Data", "description": "Input data to perform serialization on."},
        "replacer": {"title": "Replacer", "type": "array", "items": {"type": "string"}},
        "space": {"title": "Space", "type": ["string", "number"]}}}
    output_schema = {"type": "object", "properties": {"serialized": {"type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        ctx.output("serialized", json_stringify(ctx.input.get("data"), ctx.input.get("replacer"),
                                                ctx.input.get("space")))


class Jsonata(Action):
    id = "roadiehq:utils:jsonata"
    description = ("Allows performing JSONata operations and transformations on input objects and produces the "
                   "output result as a step output.")
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["data", "expression"], "properties": {
        "data": {"description": "Input data to be transformed"},
        "expression": {"type": "string", "description": "JSONata expression to perform on the input"}}}
    output_schema = {"type": "object", "properties": {"result": {"description": "Output result from JSONata"}}}

    def run(self, ctx: ActionContext) -> None:
        ctx.output("result", _jsonata(ctx, ctx.input.get("data")))


class JsonataJson(Action):
    id = "roadiehq:utils:jsonata:json:transform"
    description = ("Allows performing JSONata operations and transformations on a JSON file in the workspace. "
                   "The result can be read from the `result` step output.")
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["path", "expression"], "properties": {
        "path": _PATH, "expression": {"type": "string"},
        "replacer": {"type": "array", "items": {"type": "string"}}, "space": {"type": ["string", "number"]},
        "as": {"type": "string", "enum": ["string", "object"], "default": "string"}}}
    output_schema = {"type": "object", "properties": {"result": {"type": ["string", "object"]}}}

    def run(self, ctx: ActionContext) -> None:
        relative, path = _path_input(ctx)
        result = _jsonata(ctx, _parse_json(_read_text(path, relative), f"path: {relative}"))
        if ctx.input.get("as") == "object":
            ctx.output("result", result)
        else:
            ctx.output("result", json_stringify(result, ctx.input.get("replacer"), ctx.input.get("space")))


class JsonataYaml(Action):
    id = "roadiehq:utils:jsonata:yaml:transform"
    description = ("Allows performing JSONata operations and transformations on a YAML file in the workspace. "
                   "The result can be read from the `result` step output.")
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["path", "expression"], "properties": {
        "path": _PATH, "expression": {"type": "string"}, "options": _YAML_OPTIONS}}
    output_schema = {"type": "object", "properties": {"result": {"type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        relative, path = _path_input(ctx)
        result = _jsonata(ctx, _parse_yaml(_read_text(path, relative), f"path: {relative}"))
        ctx.output("result", yaml_dump(result, ctx.input.get("options")))


class Zip(FileAction):
    id = "roadiehq:utils:zip"
    description = "Zips the content of the path"
    input_schema = {"type": "object", "required": ["path"], "properties": {
        "path": {"title": "Path", "type": "string", "description": "Relative path you would like to zip"},
        "outputPath": {"title": "Output Path", "type": "string",
                       "description": "The name of the result of the zip command"}}}
    output_schema = {"type": "object", "properties": {"outputPath": {"title": "Zip Path", "type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        relative, source = _path_input(ctx)
        output_relative, target = _path_input(ctx, "outputPath")
        if not os.path.lexists(source):
            raise ActionInputError(f"path: File {relative} does not exist. Can't zip it.")
        members = self._members(ctx, source, target)
        total = 0
        partial = target.with_name(target.name + ".partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for file, name in members:
                    ctx.check_cancelled()
                    total += file.stat().st_size
                    if total > MAX_ZIP_BYTES:
                        raise ActionError(f"path: {relative!r} holds more than {MAX_ZIP_BYTES // (1024 * 1024)} MB")
                    archive.write(file, name)
            os.replace(partial, target)  # a retry finds either no archive or a whole one
        except OSError as exc:
            raise ActionError(f"outputPath: writing {output_relative!r} failed: {exc.strerror or exc}") from None
        finally:
            partial.unlink(missing_ok=True)
        ctx.log(f"Zipped {len(members)} files of {relative} into {output_relative}")
        ctx.output("outputPath", output_relative)

    @staticmethod
    def _members(ctx: ActionContext, source: Path, target: Path) -> list[tuple[Path, str]]:
        # adm-zip's addLocalFolder puts the folder's content at the archive's root; addLocalFile the file.
        if source.is_symlink():
            raise ActionInputError("path: is a link; only files and directories inside the workspace are zipped")
        if source.is_file():
            return [(source, source.name)]
        members = []
        for current, dirnames, filenames in os.walk(source, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                file = Path(current) / name
                if file.is_symlink():
                    ctx.log(f"Skipped the link {file.relative_to(source).as_posix()}")
                    continue
                if file in (target, target.with_name(target.name + ".partial")):
                    continue  # the archive itself, when it is written inside the folder it zips
                members.append((file, file.relative_to(source).as_posix()))
        return members


class Sleep(Action):
    id = "roadiehq:utils:sleep"
    description = "Halts the scaffolding for the given amount of seconds"
    input_schema = {"type": "object", "required": ["amount"], "properties": {
        "amount": {"title": "Sleep Amount", "type": "number",
                   "description": "How much seconds should this step take."}}}
    output_schema = {"type": "object", "properties": {}}

    def run(self, ctx: ActionContext) -> None:
        amount = ctx.input.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or math.isnan(amount) or amount < 0:
            raise ActionInputError("amount: must be a number of seconds")
        if amount > MAX_SLEEP_SECONDS:
            raise ActionInputError(f"amount: sleep amount can not be greater than maxSleep. amount: {amount}, "
                                   f"maxSleep: {MAX_SLEEP_SECONDS}")
        ctx.log(f"Waiting {amount:g} seconds")
        until = time.monotonic() + amount
        while (left := until - time.monotonic()) > 0:
            ctx.check_cancelled()
            time.sleep(min(left, 0.2))


ACTIONS = [WriteFile(), AppendFile(), ParseFile(), MergeJson(), Merge(), SerializeYaml(), SerializeJson(),
           Jsonata(), JsonataJson(), JsonataYaml(), Zip(), Sleep()]
