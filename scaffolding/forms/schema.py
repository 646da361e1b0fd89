"""Template parameter schemas (JSON Schema + react-jsonschema-form `ui:*` keys), read on the server.

One parameter step is a JSON Schema object. This module checks a step's schema, applies its
conditions (`dependencies` with `oneOf` branches, `if/then/else`, `allOf`) to the current answers
to find the fields that are shown, and validates answers with Draft 7 the way Backstage's
scaffolder backend does: every step's schema against the whole set of answers. Pickers
(`ui:field`) add the checks Backstage's field extensions make in the browser, so a value that
bypassed the form is refused all the same. Nothing here touches the database.

Every regular expression here, the template's `pattern`s included, runs with RE2 in linear time
(`core.regex`): a template or an answer cannot hold a web worker with a backtracking pattern.
"""

import re

from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError

from core.regex import PatternError, compile_pattern, linear_validator
from githost.services import STABLE_HOST
from scaffolding.actions.base import ActionInputError
from scaffolding.lib.repo_url import repo_url_parse

# Draft 7 with the schema's patterns (and the `regex` format) run by RE2, not Python's `re`.
Validator = linear_validator(Draft7Validator)

# Backstage's rules for entity names and tags (catalog-model's KubernetesValidatorFunctions).
# The name rule nests quantifiers: with Python's `re`, 40 characters and a "!" take minutes.
ENTITY_NAME_RE = compile_pattern(r"^([a-z0-9A-Z]+[-_.]?)*[a-z0-9A-Z]$", where="EntityNamePicker")
ENTITY_NAME_MAX = 63
TAG_RE = re.compile(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$")
TAG_MAX = 63
ENTITY_PICKERS = {"EntityPicker", "OwnerPicker", "OwnedEntityPicker", "MyGroupsPicker", "MultiEntityPicker"}
SCHEMA_INVALID = "the template's parameter schema is invalid"

TYPE_WORDS = {
    "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "an object", "null": "empty",
}


# --- Reading schemas defensively -------------------------------------------------------------


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def properties_of(schema: dict) -> dict:
    return {str(k): v for k, v in as_dict(as_dict(schema).get("properties")).items() if isinstance(v, dict)}


def required_of(schema: dict) -> list[str]:
    return [str(r) for r in as_list(as_dict(schema).get("required")) if isinstance(r, str)]


def ui_options(prop: dict) -> dict:
    return as_dict(prop.get("ui:options"))


def ui_field(prop: dict) -> str:
    value = prop.get("ui:field")
    return value if isinstance(value, str) else ""


def is_secret(prop: dict) -> bool:
    """A field whose answer is a secret: Backstage's `ui:field: Secret` or rjsf's password widget."""
    return ui_field(prop) == "Secret" or prop.get("ui:widget") == "password"


def schema_type(prop: dict) -> str:
    """The property's type; a list of types (["string", "null"]) reads as its first non-null one."""
    value = prop.get("type")
    if isinstance(value, list):
        value = next((t for t in value if t != "null"), "")
    if isinstance(value, str) and value:
        return value
    if "properties" in prop:
        return "object"
    if isinstance(prop.get("items"), dict):
        return "array"
    return "string"


def is_present(value) -> bool:
    # rjsf turns an emptied input into `undefined`; an empty string counts as "not answered".
    return value is not None and value != "" and value != []


def schema_problems(schema: dict) -> list[str]:
    """Why a step's schema cannot be used (empty when it can): Draft 7 meta-schema errors."""
    if not isinstance(schema, dict):
        return [f"{SCHEMA_INVALID}: a step must be an object, not {type(schema).__name__}"]
    try:
        Validator.check_schema(schema, format_checker=Validator.FORMAT_CHECKER)
    except SchemaError as exc:
        where = ".".join(str(p) for p in exc.path)
        message = exc.message
        if isinstance(exc.cause, PatternError):  # a `pattern` (or patternProperties key) RE2 refuses
            message = f"the pattern {exc.instance} {exc.cause.reason}"
        return [f"{SCHEMA_INVALID}: {f'at {where}: ' if where else ''}{message}"]
    except Exception as exc:  # a hostile schema can break the meta-validator itself (deep nesting)
        return [f"{SCHEMA_INVALID}: {exc.__class__.__name__}"]
    return []


# --- Conditions: which properties are shown for the current answers -----------------------------


def _is_valid(schema, values: dict) -> bool:
    try:
        return Validator(schema).is_valid(values)
    except Exception:  # an unresolvable $ref in a condition: the condition does not hold
        return False


def _merge_props(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for name, prop in extra.items():
        merged[name] = {**merged[name], **prop} if name in merged else prop
    return merged


def resolve(schema: dict, values: dict, choices: dict | None = None, path: str = "", depth: int = 0) -> dict:
    """The object schema shown for `values`: {"properties", "required", "choices"}.

    Conditional parts are merged in when their condition holds, as react-jsonschema-form does:
    a `dependencies` entry when its key is answered (for `oneOf`, the branch whose condition on
    that key matches, minus the key itself), `then`/`else` by whether the answers satisfy `if`,
    `allOf` items one by one. A bare `oneOf`/`anyOf` becomes a choice the person makes; `choices`
    maps its path to the chosen option (else the first option whose fields hold answers).
    """
    schema = as_dict(schema)
    values = values if isinstance(values, dict) else {}
    out = {"properties": properties_of(schema), "required": required_of(schema), "choices": []}
    if depth > 8:  # conditions nested deeper than any real template: stop, do not recurse forever
        return out

    def add(part: dict) -> None:
        sub = resolve(part, values, choices, path, depth + 1)
        out["properties"] = _merge_props(out["properties"], sub["properties"])
        out["required"] += [r for r in sub["required"] if r not in out["required"]]
        out["choices"] += sub["choices"]

    for key, dependency in as_dict(schema.get("dependencies")).items():
        if not is_present(values.get(key)):
            continue
        if isinstance(dependency, list):
            out["required"] += [str(r) for r in dependency if isinstance(r, str) and r not in out["required"]]
        elif isinstance(dependency, dict):
            branches = as_list(dependency.get("oneOf"))
            if not branches:
                add(dependency)
            for branch in branches:
                condition = properties_of(branch).get(key)
                if condition is not None and _is_valid({"properties": {key: condition}}, {key: values.get(key)}):
                    rest = {k: v for k, v in properties_of(branch).items() if k != key}
                    add({**as_dict(branch), "properties": rest})
                    break
    if "if" in schema:
        branch = schema.get("then") if _is_valid(schema.get("if"), values) else schema.get("else")
        if isinstance(branch, dict):
            add(branch)
    for part in as_list(schema.get("allOf")):
        if isinstance(part, dict):
            add(part)
    for keyword in ("oneOf", "anyOf"):
        options = [o for o in as_list(schema.get(keyword)) if isinstance(o, dict)]
        if options:
            choice_key = f"{path}{keyword}"
            chosen = _chosen_option(options, values, (choices or {}).get(choice_key))
            out["choices"].append({"key": choice_key, "selected": chosen, "options": [
                str(o.get("title") or f"Option {i + 1}") for i, o in enumerate(options)]})
            add(options[chosen])
    return out


def _chosen_option(options: list[dict], values: dict, requested) -> int:
    if isinstance(requested, int) and 0 <= requested < len(options):
        return requested
    for index, option in enumerate(options):
        if any(is_present(values.get(name)) for name in properties_of(option)):
            return index
    return 0


def all_properties(schema: dict, depth: int = 0) -> dict:
    """Every property a step may show under any condition (for lookups by name)."""
    schema = as_dict(schema)
    found = dict(properties_of(schema))
    if depth > 8:
        return found
    parts = [schema.get("then"), schema.get("else"), *as_list(schema.get("allOf")),
             *as_list(schema.get("oneOf")), *as_list(schema.get("anyOf"))]
    for dependency in as_dict(schema.get("dependencies")).values():
        if isinstance(dependency, dict):
            parts += [dependency, *as_list(dependency.get("oneOf"))]
    for part in parts:
        if isinstance(part, dict):
            for name, prop in all_properties(part, depth + 1).items():
                found.setdefault(name, prop)
    return found


def find_property(schema: dict, dotted: str) -> dict | None:
    """The schema of a field by its dotted path ("owner", "service.owner"), under any condition."""
    current: dict | None = as_dict(schema)
    for part in (dotted or "").split("."):
        current = all_properties(current).get(part) if current is not None else None
        if current is None:
            return None
    return current


def secret_fields(schema: dict) -> set[str]:
    """Dotted names of the fields whose answers are secrets (ui:field Secret, ui:widget password)."""
    names: set[str] = set()

    def walk(part: dict, prefix: str, depth: int) -> None:
        for name, prop in all_properties(part).items():
            if is_secret(prop):
                names.add(prefix + name)
            elif depth < 8 and schema_type(prop) == "object":
                walk(prop, f"{prefix}{name}.", depth + 1)

    walk(as_dict(schema), "", 0)
    return names


# --- Validation ---------------------------------------------------------------------------------


def validate_values(schema: dict, values: dict) -> list[dict]:
    """Draft 7 validation of one step's answers: [{"field": dotted path or "", "message"}].

    `values` is every answer of the template (Backstage validates each step against all of
    them). Secret fields hold their mask there ("****", as Backstage's SecretWidget writes it),
    the secret itself travels apart. `ui:*` keys and unknown formats are ignored; a broken
    schema is reported as one error, never raised.
    """
    problems = schema_problems(schema)
    if problems:
        return [{"field": "", "message": problems[0]}]
    instance = values if isinstance(values, dict) else {}
    try:
        validator = Validator(schema, format_checker=Validator.FORMAT_CHECKER)
        raw = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        errors = [_error(schema, e) for e in raw]
    except Exception as exc:  # an unresolvable $ref...
        return [{"field": "", "message": f"{SCHEMA_INVALID}: {exc}"}]
    errors += _picker_errors(schema, instance)
    unique, seen = [], set()
    for error in errors:
        key = (error["field"], error["message"])
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique


def _title(schema: dict, path: list[str]) -> str:
    prop = find_property(schema, ".".join(path)) if path else None
    if prop is None:
        return str(as_dict(schema).get("title") or "This step") if not path else path[-1]
    return str(prop.get("title") or path[-1])


def _branch_errors(error) -> list:
    """For a failed oneOf/anyOf: the errors of the branch the answers were meant for (the one that
    fails on something other than the value that picks the branch), or nothing if none is."""
    branches: dict[int, list] = {}
    for sub in error.context or []:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    candidates = [errs for errs in branches.values() if not any(e.validator in ("enum", "const") for e in errs)]
    return min(candidates, key=len) if candidates else []


def _error(schema: dict, error) -> dict:
    path = [str(p) for p in error.path]
    if error.validator in ("oneOf", "anyOf"):
        inner = _branch_errors(error)
        if inner:
            return _error(schema, inner[0])
    if error.validator == "required" or (error.validator == "dependencies"
                                         and isinstance(error.validator_value, list)):
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else ""
        field = path + [missing] if missing else path
        return {"field": ".".join(field), "message": f"{_title(schema, field)} is required"}
    return {"field": ".".join(path), "message": f"{_title(schema, path)} {_wording(error)}"}


def _wording(error) -> str:
    kind, expected = error.validator, error.validator_value
    if isinstance(error.cause, PatternError) and kind == "format":  # `format: regex` on an answer
        return f"must be a regular expression Paved can run: it {error.cause.reason}"
    if isinstance(error.cause, PatternError):  # too long to check against the pattern, or out of time
        return error.cause.reason
    if kind == "type":
        types = expected if isinstance(expected, list) else [expected]
        return "must be " + " or ".join(TYPE_WORDS.get(str(t), str(t)) for t in types)
    plural = "" if expected == 1 else "s"
    words = {
        "pattern": f"must match pattern {expected}",
        "minLength": f"must be at least {expected} character{plural}",
        "maxLength": f"must be at most {expected} character{plural}",
        "minimum": f"must be at least {expected}",
        "maximum": f"must be at most {expected}",
        "exclusiveMinimum": f"must be greater than {expected}",
        "exclusiveMaximum": f"must be less than {expected}",
        "multipleOf": f"must be a multiple of {expected}",
        "enum": "must be one of: " + ", ".join(str(v) for v in as_list(expected)),
        "const": f"must be {expected}",
        "format": f"must be a valid {expected}",
        "minItems": f"must have at least {expected} item{plural}",
        "maxItems": f"must have at most {expected} item{plural}",
        "uniqueItems": "must not contain the same item twice",
        "oneOf": "must match one of the allowed options",
        "anyOf": "must match one of the allowed options",
        "not": "has a value that is not allowed",
    }
    return words.get(kind, f"is not valid: {error.message}")


# --- Pickers: the checks Backstage's field extensions make ------------------------------------------


def _picker_errors(schema: dict, values: dict, prefix: str = "", depth: int = 0) -> list[dict]:
    errors = []
    shown = resolve(schema, values)
    for name, prop in shown["properties"].items():
        value, field = values.get(name), prefix + name
        title = str(prop.get("title") or name)
        if depth < 8 and schema_type(prop) == "object" and isinstance(value, dict):
            errors += _picker_errors(prop, value, f"{field}.", depth + 1)
        message = picker_value_error(prop, value) if is_present(value) else ""
        if message:
            errors.append({"field": field, "message": f"{title} {message}"})
    return errors


def picker_value_error(prop: dict, value) -> str:
    """Why an answer is not acceptable to the field's picker ("" when it is)."""
    picker = ui_field(prop)
    if picker == "EntityNamePicker":
        try:
            valid = isinstance(value, str) and len(value) <= ENTITY_NAME_MAX and ENTITY_NAME_RE.search(value)
        except PatternError as exc:  # this request's regex budget is spent
            return exc.reason
        if not valid:
            return ("must be 1-63 letters, digits or single '-', '_', '.' between them, "
                    "starting and ending with a letter or digit")
    elif picker == "EntityTagsPicker":
        bad = [str(t) for t in as_list(value) if not isinstance(t, str) or len(t) > TAG_MAX or not TAG_RE.match(t)]
        if bad or not isinstance(value, list):
            return f"has tags that are not valid ({', '.join(bad)}): use lower-case letters, digits and '-'"
    elif picker == "RepoUrlPicker":
        return repo_url_error(prop, value)
    elif picker in ENTITY_PICKERS:
        refs = value if picker == "MultiEntityPicker" and isinstance(value, list) else [value]
        if any(not isinstance(ref, str) or not ref.strip() or len(ref) > 320 for ref in refs):
            return "must be entity references like group:default/payments"
    return ""


def allowed_hosts(prop: dict) -> list[str]:
    hosts = [str(h) for h in as_list(ui_options(prop).get("allowedHosts")) if isinstance(h, str) and h]
    return hosts or [STABLE_HOST]  # Backstage defaults to github.com; Paved to its built-in git host


def allowed_owners(prop: dict) -> list[str]:
    return [str(o) for o in as_list(ui_options(prop).get("allowedOwners")) if isinstance(o, str) and o]


def repo_url_error(prop: dict, value) -> str:
    """The RepoUrlPicker's check: `repo_url_parse` (the rules the publish actions apply), then the
    picker's allowedHosts and allowedOwners."""
    try:
        parsed = repo_url_parse(value, allow_subgroups=None)
    except ActionInputError as exc:
        return f"is not a repository location the scaffolder accepts: {str(exc).removeprefix('repoUrl: ')}"
    hosts, owners = allowed_hosts(prop), allowed_owners(prop)
    if parsed.host not in {host.lower() for host in hosts}:
        return f"must be on one of the allowed hosts: {', '.join(hosts)}"
    if owners and parsed.owner not in owners:
        return f"owner must be one of: {', '.join(owners)}"
    return ""
