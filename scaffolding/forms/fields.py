"""The fields of one parameter step, ready for the templates to render.

`build_fields()` turns the step's schema, with its conditions applied to the current answers,
into `FormField`s: one widget per field (chosen from the type, `enum`, `ui:widget` and
`ui:field`), its current value as the input shows it, its HTML attributes and its errors.
Rendering never validates: the server does that when the step is posted.
"""

import json
import re
from dataclasses import dataclass, field

from githost.services import public_url
from scaffolding.forms.schema import (
    ENTITY_PICKERS,
    allowed_hosts,
    allowed_owners,
    as_dict,
    as_list,
    is_secret,
    resolve,
    schema_type,
    ui_field,
    ui_options,
)
from scaffolding.lib.repo_url import builtin_host, host_label, repo_url_parts

INPUT_TYPES = {"email": "email", "uri": "url", "url": "url", "date": "date", "date-time": "datetime-local",
               "time": "time", "color": "color"}
MAX_OPTIONS = 500


@dataclass
class FormField:
    name: str  # dotted path: the input's name and the key of its errors
    title: str
    widget: str
    description: str = ""
    help: str = ""
    required: bool = False
    text: str = ""  # the value as the input shows it
    checked: bool = False
    options: list[dict] = field(default_factory=list)  # {"value", "label", "selected"}
    attrs: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    children: list["FormField"] = field(default_factory=list)
    picker: str = ""  # the ui:field name for pickers
    picker_url: str = ""  # where the picker's options come from (set by the view)
    input_type: str = "text"  # the <input type> of text fields (email, url, date... from `format`)
    parts: dict = field(default_factory=dict)  # RepoUrlPicker: hosts, owners, host, owner, repo
    controls: bool = False  # other fields depend on its answer: re-render when it changes
    secret: bool = False
    secret_kept: bool = False

    @property
    def dom_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)


@dataclass
class Choice:
    """A bare oneOf/anyOf: the person picks one option, whose fields are then shown."""

    key: str
    options: list[dict]


@dataclass
class StepForm:
    fields: list[FormField]
    choices: list[Choice]
    errors: list[str]  # errors about the step as a whole


def encode_option(value) -> str:
    """The <option value> of an enum member: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def controlling_names(schema: dict) -> set[str]:
    """Answers the step's conditions read: dependency keys and properties named in `if`."""
    schema = as_dict(schema)
    names = {str(k) for k in as_dict(schema.get("dependencies"))}
    names |= set(as_dict(as_dict(schema.get("if")).get("properties")))
    for part in as_list(schema.get("allOf")):
        names |= controlling_names(part)
    return names


def build_step(schema: dict, values: dict, *, errors: list[dict] | None = None, choices: dict | None = None,
               secrets: dict | None = None, defaults: bool = True) -> StepForm:
    """The fields shown for `values`, with `errors` ([{"field", "message"}]) attached to them.
    Unanswered fields show their `default` unless `defaults` is false (the review shows answers)."""
    by_field: dict[str, list[str]] = {}
    for error in errors or []:
        by_field.setdefault(error.get("field", ""), []).append(error.get("message", ""))
    built_choices: list[Choice] = []
    fields = _fields(as_dict(schema), values if isinstance(values, dict) else {}, "", by_field, choices or {},
                     {"secrets": secrets or {}, "defaults": defaults}, built_choices, 0)
    shown = {f.name for f in walk_fields(fields)}
    step_errors = [m for name, msgs in by_field.items() if name not in shown for m in msgs]
    return StepForm(fields=fields, choices=built_choices, errors=step_errors)


def walk_fields(fields: list[FormField]):
    """Every field, nested ones (an object's children) included, parents first."""
    for f in fields:
        yield f
        yield from walk_fields(f.children)


def _fields(schema, values, prefix, by_field, choices, how, built_choices, depth) -> list[FormField]:
    shown = resolve(schema, values, choices, prefix)
    for choice in shown["choices"]:
        built_choices.append(Choice(key=choice["key"], options=[
            {"value": str(i), "label": label, "selected": i == choice["selected"]}
            for i, label in enumerate(choice["options"])]))
    controls = controlling_names(schema)
    result = []
    for name, prop in _ordered(schema, shown["properties"]):
        dotted = prefix + name
        value = values.get(name)
        if value is None and how["defaults"]:
            value = prop.get("default")
        f = _field(prop, dotted, value, name in shown["required"], how["secrets"])
        f.controls = name in controls
        f.errors = by_field.get(dotted, [])
        if f.widget == "object" and depth < 8:
            nested = values.get(name) if isinstance(values.get(name), dict) else {}
            f.children = _fields(prop, nested, dotted + ".", by_field, choices, how, built_choices, depth + 1)
        result.append(f)
    return result


def _ordered(schema: dict, props: dict) -> list[tuple[str, dict]]:
    """Properties in `ui:order` when the step gives one ("*" stands for the rest), else as written."""
    order = [str(o) for o in as_list(schema.get("ui:order"))]
    if not order:
        return list(props.items())
    rest = [n for n in props if n not in order]
    names = []
    for item in order:
        names += rest if item == "*" else ([item] if item in props else [])
    names += [n for n in rest if n not in names]
    return [(n, props[n]) for n in names]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def field_for(prop: dict, name: str) -> FormField:
    """The empty field a property renders as (parsing uses it to read the input the same way)."""
    return _field(prop, name, None, False, {})


def _field(prop: dict, name: str, value, required: bool, secrets: dict) -> FormField:
    options = ui_options(prop)
    f = FormField(name=name, title=str(prop.get("title") or name.rsplit(".", 1)[-1]), widget="text",
                  description=str(prop.get("description") or ""), help=str(prop.get("ui:help") or ""),
                  required=required, picker=ui_field(prop))
    kind, widget = schema_type(prop), prop.get("ui:widget")
    attrs = _attrs(prop, options)
    if widget == "hidden":
        f.widget, f.text = "hidden", _text(value)
    elif is_secret(prop):
        f.widget, f.secret, f.secret_kept = "password", True, bool(secrets.get(name))
    elif f.picker in ENTITY_PICKERS - {"MultiEntityPicker"}:
        f.widget, f.text = "entity", _text(value)
    elif f.picker in ("MultiEntityPicker", "EntityTagsPicker"):
        f.widget = "multi"
        f.options = [{"value": str(v), "label": str(v), "selected": True} for v in as_list(value)]
    elif f.picker == "RepoUrlPicker":
        f.widget, f.text = "repo_url", _text(value)
        hosts = allowed_hosts(prop)
        f.parts = {"hosts": [{"value": h, "label": host_label(h)} for h in hosts], "owners": allowed_owners(prop),
                   "builtin": next((h for h in hosts if builtin_host(h)), ""), "builtin_url": public_url("/git/"),
                   **repo_url_parts(value)}
    elif f.picker == "EntityNamePicker":
        f.widget, f.text = "text", _text(value)
        attrs += [("maxlength", "63")]
    elif kind == "boolean":
        _boolean(f, prop, value, widget)
    elif isinstance(prop.get("enum"), list):
        _enum(f, prop, value, widget)
    elif kind == "array":
        _array(f, prop, value, widget)
    elif kind == "object":
        f.widget = "object" if as_dict(prop.get("properties")) or prop.get("dependencies") else "json"
        f.text = _text(value) if f.widget == "json" else ""
    elif kind in ("integer", "number"):
        f.widget, f.text = "number", _text(value)
        attrs += [("step", "1" if kind == "integer" else "any")]
    else:
        f.widget, f.text = ("textarea" if widget == "textarea" else "text"), _text(value)
        if widget == "textarea":
            attrs += [("rows", str(_int(options.get("rows"), 5, 1, 40)))]
    f.input_type = next((v for k, v in attrs if k == "type"), "number" if f.widget == "number" else "text")
    f.attrs = [(k, v) for k, v in attrs if k != "type"]
    return f


def _int(value, default: int, low: int, high: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else default


def _attrs(prop: dict, options: dict) -> list[tuple[str, str]]:
    attrs = []
    placeholder = prop.get("ui:placeholder")
    if isinstance(placeholder, str) and placeholder:
        attrs.append(("placeholder", placeholder))
    if prop.get("ui:autofocus") is True:
        attrs.append(("autofocus", "autofocus"))
    for key, attr in (("minLength", "minlength"), ("maxLength", "maxlength"), ("minimum", "min"), ("maximum", "max")):
        if isinstance(prop.get(key), (int, float)) and not isinstance(prop.get(key), bool):
            attrs.append((attr, str(prop[key])))
    pattern = prop.get("pattern")
    # The HTML attribute anchors the pattern (JSON Schema's does not): only a pattern anchored at
    # both ends means the same in both, so others are left to the server.
    if isinstance(pattern, str) and pattern.startswith("^") and pattern.endswith("$") and "|" not in pattern:
        attrs.append(("pattern", pattern[1:-1]))
    fmt = prop.get("format")
    if isinstance(fmt, str) and fmt in INPUT_TYPES:
        attrs.append(("type", INPUT_TYPES[fmt]))
    if isinstance(options.get("inputType"), str) and options["inputType"] in INPUT_TYPES.values():
        attrs.append(("type", options["inputType"]))
    return attrs


def _labels(prop: dict, members: list) -> list[str]:
    names = prop.get("enumNames", prop.get("ui:enumNames"))
    names = names if isinstance(names, list) and len(names) == len(members) else None
    return [str(names[i]) if names else _text(m) for i, m in enumerate(members)]


def _boolean(f: FormField, prop: dict, value, widget) -> None:
    if widget in ("radio", "select"):
        labels = as_list(ui_options(prop).get("enumNames")) or as_list(prop.get("enumNames")) or ["Yes", "No"]
        labels = [str(x) for x in labels[:2]] if len(labels) >= 2 else ["Yes", "No"]
        f.widget = widget
        f.options = [{"value": "true", "label": labels[0], "selected": value is True},
                     {"value": "false", "label": labels[1], "selected": value is False}]
    else:
        f.widget, f.checked = "checkbox", value is True


def _enum(f: FormField, prop: dict, value, widget) -> None:
    members = as_list(prop.get("enum"))[:MAX_OPTIONS]
    labels = _labels(prop, members)
    f.widget = "radio" if widget == "radio" else "select"
    f.options = [{"value": encode_option(m), "label": labels[i], "selected": m == value}
                 for i, m in enumerate(members)]


def _array(f: FormField, prop: dict, value, widget) -> None:
    items = as_dict(prop.get("items"))
    members = as_list(items.get("enum"))[:MAX_OPTIONS]
    chosen = as_list(value)
    if members:
        labels = _labels(items, members)
        f.widget = "checkboxes"  # rjsf's multi-select and checkboxes widgets: checkboxes work without JS
        f.options = [{"value": encode_option(m), "label": labels[i], "selected": m in chosen}
                     for i, m in enumerate(members)]
    elif schema_type(items) in ("string", "integer", "number") and not items.get("properties"):
        f.widget = "lines"
        f.text = "\n".join(_text(v) for v in chosen) if isinstance(value, list) else _text(value)
    else:
        f.widget, f.text = "json", _text(value)


SECRET_MASK = "••••"


def review_rows(fields: list[FormField], *, parent: str = "") -> list[dict]:
    """[{"title", "value"}] for the review step: every shown answer as the person would read it,
    secrets masked, hidden fields left out."""
    rows = []
    for f in fields:
        title = f"{parent} › {f.title}" if parent else f.title
        if f.widget == "hidden":
            continue
        if f.widget == "object":
            rows += review_rows(f.children, parent=title)
            continue
        rows.append({"title": title, "value": _display(f), "name": f.name})
    return rows


def _display(f: FormField) -> str:
    if f.secret:
        return SECRET_MASK if f.secret_kept else ""
    if f.widget == "checkbox":
        return "Yes" if f.checked else "No"
    if f.widget in ("select", "radio", "checkboxes", "multi"):
        return ", ".join(o["label"] for o in f.options if o["selected"])
    if f.widget == "lines":
        return ", ".join(line for line in f.text.splitlines() if line)
    return f.text
