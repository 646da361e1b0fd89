"""Posted inputs of one parameter step, read back into typed answers.

Each property is read the way `forms.fields` rendered it (same widget choice), so a checkbox
becomes a boolean, a number input an int or float, checkboxes a list of enum members, lines a
list of strings, a JSON textarea the list or object it holds. Input that cannot be converted is
kept as typed: validation then names the field and what was expected. Which fields count is
decided by the step's conditions applied to the posted answers themselves.
"""

import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from catalog.lib.refs import RefError, parse_ref
from scaffolding.forms.fields import encode_option, field_for
from scaffolding.forms.schema import (
    all_properties,
    as_dict,
    as_list,
    is_present,
    resolve,
    schema_type,
    ui_field,
    ui_options,
)

SEPARATORS = re.compile(r"[\s,]+")
MAX_ITEMS = 200
MASK_CHAR = "*"


@dataclass
class ParsedStep:
    values: dict  # answers of the shown, non-secret fields
    secrets: dict  # dotted name -> answer, for the secret fields answered
    errors: list[dict] = field(default_factory=list)  # input that could not be read (bad JSON)
    choices: dict = field(default_factory=dict)  # oneOf/anyOf path -> chosen option
    step_names: set[str] = field(default_factory=set)  # top-level names this step can hold


@dataclass
class _Reader:
    data: object
    context: dict
    choices: dict
    kept: dict
    secrets: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)


def parse_step(schema: dict, data, *, context: dict | None = None, kept_secrets: dict | None = None) -> ParsedStep:
    """Read a posted step. `data` is a QueryDict (or a dict of lists); `context` holds the answers
    of the other steps, which conditions may read; `kept_secrets` the secrets given earlier, kept
    when their (never pre-filled) password input comes back empty."""
    schema = as_dict(schema)
    reader = _Reader(data=data, context=context or {}, choices=_choices(data), kept=kept_secrets or {})
    values = _parse_object(schema, reader, "", 0)
    return ParsedStep(values=values, secrets=reader.secrets, errors=reader.errors, choices=reader.choices,
                      step_names=set(all_properties(schema)))


def _choices(data) -> dict:
    chosen = {}
    for key in data:
        if key.startswith("__choice."):
            try:
                chosen[key.removeprefix("__choice.")] = int(_get(data, key))
            except ValueError:
                continue
    return chosen


def _get(data, key: str) -> str:
    value = data.get(key, "")
    if isinstance(value, list):  # a plain dict of lists, as tests and the API build them
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def _getlist(data, key: str) -> list[str]:
    values = data.getlist(key) if hasattr(data, "getlist") else data.get(key, [])
    values = values if isinstance(values, list) else [values]
    return [v for v in values if isinstance(v, str)][:MAX_ITEMS]


def _parse_object(schema: dict, reader: _Reader, prefix: str, depth: int) -> dict:
    shown_before: set[str] | None = None
    parsed: dict = {}
    # The answers decide which conditional fields are shown, and the shown fields decide the
    # answers: read until the set is stable (real templates settle in one or two rounds).
    for _ in range(4):
        answers = parsed if prefix else {**reader.context, **parsed}
        shown = resolve(schema, answers, reader.choices, prefix)["properties"]
        if set(shown) == shown_before:
            break
        shown_before = set(shown)
        parsed = {}
        for name, prop in shown.items():
            value = _parse_field(prop, prefix + name, reader, depth)
            if is_present(value) or value is False:
                parsed[name] = value
    return parsed


def _parse_field(prop: dict, name: str, reader: _Reader, depth: int):
    data = reader.data
    widget = field_for(prop, name).widget
    text = _get(data, name)
    kind = schema_type(prop)
    if widget == "password":
        # Backstage's SecretWidget: the answer is a mask of the same length, the secret goes apart.
        text = text or str(reader.kept.get(name) or "")
        if text:
            reader.secrets[name] = text
        return MASK_CHAR * len(text) if text else None
    if widget == "object":
        return _parse_object(prop, reader, name + ".", depth + 1) or None if depth < 8 else None
    if widget == "checkbox":
        return name in data and text not in ("", "false")
    if widget in ("radio", "select") and kind == "boolean":
        return {"true": True, "false": False}.get(text)
    if widget in ("radio", "select"):
        members = {encode_option(m): m for m in as_list(prop.get("enum"))}
        return members.get(text, text or None)
    if widget == "checkboxes":
        members = {encode_option(m): m for m in as_list(as_dict(prop.get("items")).get("enum"))}
        return [members.get(v, v) for v in dict.fromkeys(_getlist(data, name))]
    if widget == "multi":
        return _parse_multi(prop, name, data)
    if widget == "repo_url":
        return _parse_repo_url(name, data)
    if widget == "entity":
        return _expand_ref(prop, text.strip()) or None
    if widget == "lines":
        return _parse_lines(prop, text)
    if widget == "json":
        return _parse_json(name, text, prop, reader.errors)
    if widget == "number" or (widget == "hidden" and kind in ("integer", "number")):
        return _parse_number(kind, text.strip())
    if widget == "hidden" and kind == "boolean":
        return {"true": True, "false": False}.get(text.strip().lower(), text or None)
    if widget == "textarea":
        return text.replace("\r\n", "\n") or None
    return text.strip() or None


def _parse_number(kind: str, text: str):
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text  # validation reports "must be a number"
    if not math.isfinite(number):
        return text
    if kind == "integer" or re.fullmatch(r"[+-]?\d+", text):
        return int(number) if number.is_integer() else text if kind == "integer" else number
    return number


def _parse_lines(prop: dict, text: str) -> list | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()][:MAX_ITEMS]
    item_kind = schema_type(as_dict(prop.get("items")))
    if item_kind in ("integer", "number"):
        lines = [_parse_number(item_kind, line) for line in lines]
    return lines or None


def _parse_json(name: str, text: str, prop: dict, errors: list[dict]):
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        title = str(prop.get("title") or name.rsplit(".", 1)[-1])
        errors.append({"field": name, "message": f"{title} must be valid JSON ({exc.msg} at line {exc.lineno})"})
        return text
    return value


def _parse_multi(prop: dict, name: str, data) -> list | None:
    items = _getlist(data, name) + SEPARATORS.split(_get(data, name + "__add"))
    picker = ui_field(prop)
    cleaned = []
    for item in items:
        item = item.strip()
        if item:
            cleaned.append(_expand_ref(prop, item) if picker == "MultiEntityPicker" else item)
    return list(dict.fromkeys(cleaned)) or None


def _parse_repo_url(name: str, data) -> str | None:
    host, owner, repo = (_get(data, f"{name}__{part}").strip() for part in ("host", "owner", "repo"))
    if not (owner or repo):
        return None
    return f"{host}?{urlencode({'owner': owner, 'repo': repo})}"


def _expand_ref(prop: dict, text: str) -> str:
    """A typed `payments` as `group:default/payments` when the picker names a default kind, the
    short form Backstage stores (stringifyEntityRef: kind lower case, namespace and name as is)."""
    if not text:
        return ""
    options = ui_options(prop)
    default_kind = options.get("defaultKind") or ("Group" if ui_field(prop) == "OwnerPicker" else None)
    default_namespace = options.get("defaultNamespace") or "default"
    try:
        ref = parse_ref(text, default_kind=default_kind if isinstance(default_kind, str) else None,
                        default_namespace=default_namespace if isinstance(default_namespace, str) else "default")
    except RefError:
        return text  # allowArbitraryValues: kept as typed
    return str(ref)
