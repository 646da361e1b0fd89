"""Backstage's scaffolder filters, and the JavaScript value rules the template engine follows.

Backstage templates are nunjucks, so values behave as JavaScript values: `${{ flag }}` prints
"true", a list prints "a,b", `dump` is `JSON.stringify`. The functions here are pure; the sandbox
in `scaffolding.lib.expressions` registers them (with its size limits) under Backstage's names:

    parseRepoUrl, parseEntityRef, pick, projectSlug  (scaffolder-backend's default filters)
    dump                                              (nunjucks built-in, JSON.stringify)
    jsonify                                           (added by fetch:template's cookiecutterCompat)

Every filter passes an undefined value through unchanged, so `${{ parameters.missing | parseRepoUrl }}`
is undefined (rendered as "") rather than an error. Bad values raise FilterError naming the value
and the form that was expected.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import Undefined

from scaffolding.actions.base import ActionInputError
from scaffolding.lib.expressions.undefined import JsUndefined
from scaffolding.lib.repo_url import repo_url_parse

DEFAULT_LIMIT = 1 << 20  # characters (and items) a converted value may hold
ENTITY_REF_FORM = "[<kind>:][<namespace>/]<name>"
_OMIT = object()  # what JSON.stringify leaves out: undefined and functions


class FilterError(ValueError):
    """A filter got a value it cannot handle; the message names the value and the expected form."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


# --- Backstage's filters ---------------------------------------------------------------------------


def parse_repo_url(url: Any) -> Any:
    """`parseRepoUrl`: "github.com?owner=o&repo=r" -> {"host", "owner", "repo", ...}; absent keys are left out.

    The rules are `scaffolding.lib.repo_url`'s, the same the RepoUrlPicker and the publish actions
    use; only the owner is not demanded where Backstage's filter does not demand it (a GitLab
    project id, Gitea, Bitbucket, Azure).
    """
    if isinstance(url, Undefined):
        return url
    try:
        return repo_url_parse(url, field_name="parseRepoUrl", require_owner=False, allow_subgroups=None).as_dict()
    except ActionInputError as exc:
        raise FilterError(str(exc)) from None


def parse_entity_ref(ref: Any, context: Any = None) -> Any:
    """`parseEntityRef`: "component:default/web" -> {"kind", "namespace", "name"}, casing kept as given.

    `context` may give `defaultKind` and `defaultNamespace` (which itself defaults to "default").
    """
    if isinstance(ref, Undefined):
        return ref
    context = context if isinstance(context, Mapping) else {}
    default_kind = context.get("defaultKind")
    default_namespace = context.get("defaultNamespace") or "default"
    if isinstance(ref, Mapping):
        kind, namespace, name = ref.get("kind"), ref.get("namespace"), ref.get("name")
    elif isinstance(ref, str) and ref:
        kind, namespace, name = _split_ref(ref)
    else:
        raise FilterError(f"parseEntityRef: expected an entity reference {ENTITY_REF_FORM}, got {_show(ref)}")
    kind = kind or default_kind
    namespace = namespace or default_namespace
    for field, value in (("kind", kind), ("namespace", namespace), ("name", name)):
        if not isinstance(value, str) or not value:
            hint = ' (e.g. start it with "component:", or pass {"defaultKind": ...})' if field == "kind" else ""
            raise FilterError(f"parseEntityRef: {_show(ref)} has no {field}{hint}")
    return {"kind": kind, "namespace": namespace, "name": name}


def _split_ref(ref: str) -> tuple[str | None, str | None, str]:
    colon, slash = ref.find(":"), ref.find("/")
    if slash != -1 and slash < colon:
        colon = -1  # a "/" before the ":" means the rest is all name
    kind = ref[:colon] if colon != -1 else None
    namespace = ref[colon + 1:slash] if slash != -1 else None
    name = ref[max(colon + 1, slash + 1):]
    if kind == "" or namespace == "" or name == "":
        raise FilterError(f"parseEntityRef: {_show(ref)} is not of the form {ENTITY_REF_FORM}")
    return kind, namespace, name


_PATH_PART = re.compile(r"[^.\[\]]+|\[(\d+)\]")


def pick(obj: Any, path: Any) -> Any:
    """`pick` (lodash `get`): the value at "a.b[0].c" (or a list of keys), undefined when absent."""
    if isinstance(obj, Undefined):
        return obj
    if isinstance(path, (list, tuple)):
        keys = [str(key) for key in path]
    elif isinstance(path, (str, int)) and not isinstance(path, bool):
        keys = [m.group(1) or m.group(0) for m in _PATH_PART.finditer(str(path))]
    else:
        raise FilterError(f"pick: expected a key path such as \"a.b\", got {_show(path)}")
    current = obj
    for key in keys:
        if isinstance(current, Mapping) and key in current:
            current = current[key]
        elif isinstance(current, (list, tuple)) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return JsUndefined(hint=f"pick: {'.'.join(keys)!r} is not present")
    return current


def project_slug(repo_url: Any) -> Any:
    """`projectSlug`: "gitlab.com?owner=g&repo=r" -> "g/r"."""
    if isinstance(repo_url, Undefined):
        return repo_url
    parsed = parse_repo_url(repo_url)
    return f"{parsed.get('owner', '')}/{parsed.get('repo', '')}"


# --- JavaScript values ------------------------------------------------------------------------------


class _Counter:
    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def add(self, amount: int) -> None:
        self.used += amount
        if self.used > self.limit:
            raise FilterError(f"the value is larger than the limit of {self.limit} characters")


def _js_number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def js_string(value: Any, *, limit: int = DEFAULT_LIMIT) -> str:
    """`String(value)`: what nunjucks prints. null/undefined -> "", true -> "true", [1, 2] -> "1,2"."""
    counter = _Counter(limit)
    try:
        return _js_string(value, counter)
    except RecursionError:
        raise FilterError("the value is nested too deeply to print") from None


def _js_string(value: Any, counter: _Counter) -> str:
    if isinstance(value, str):
        counter.add(len(value))
        return str(value)
    if value is None or isinstance(value, Undefined):
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = _js_number(value)
    elif isinstance(value, Mapping):
        text = "[object Object]"
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray)):
        parts = []
        for item in value:
            counter.add(1)
            parts.append(_js_string(item, counter))
        return ",".join(parts)
    else:
        text = str(value)
    counter.add(len(text))
    return text


def to_json(value: Any, *, limit: int = DEFAULT_LIMIT) -> Any:
    """A JSON-safe copy following JSON.stringify: undefined and functions are dropped from objects and
    become null in lists; NaN and infinities become null; tuples and iterators become lists.

    The top level returns `Undefined` when JSON.stringify would return undefined.
    """
    counter = _Counter(limit)
    try:
        result = _to_json(value, counter)
    except RecursionError:
        raise FilterError("the value is nested too deeply") from None
    return Undefined() if result is _OMIT else result


def _to_json(value: Any, counter: _Counter) -> Any:
    counter.add(1)
    if isinstance(value, str):
        counter.add(len(value))
        return str(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Undefined) or callable(value):
        return _OMIT
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            converted = _to_json(item, counter)
            if converted is not _OMIT:
                result[_js_string(key, counter)] = converted
        return result
    if isinstance(value, (bytes, bytearray)):
        return _to_json(bytes(value).decode("utf-8", "replace"), counter)
    if isinstance(value, Iterable):
        items = []
        for item in value:
            converted = _to_json(item, counter)
            items.append(None if converted is _OMIT else converted)
        return items
    return _to_json(str(value), counter)


def dump(value: Any, spaces: Any = None, *, limit: int = DEFAULT_LIMIT) -> Any:
    """nunjucks `dump`: `JSON.stringify(value, null, spaces)`; unlike Jinja's `tojson`, no HTML escaping."""
    converted = to_json(value, limit=limit)
    if isinstance(converted, Undefined):
        return converted
    indent: int | str | None = None
    if isinstance(spaces, (int, float)) and not isinstance(spaces, bool) and spaces >= 1:
        indent = min(int(spaces), 10)  # JSON.stringify caps the indent at 10
    elif isinstance(spaces, str) and spaces:
        indent = spaces[:10]
    separators = (",", ": ") if indent is not None else (",", ":")
    try:
        text = json.dumps(converted, ensure_ascii=False, indent=indent, separators=separators)
    except ValueError as exc:  # an integer too long to print
        raise FilterError(f"dump: {exc}") from None
    if len(text) > limit:
        raise FilterError(f"dump: the JSON is larger than the limit of {limit} characters")
    return text


def jsonify(value: Any, *, limit: int = DEFAULT_LIMIT) -> Any:
    """cookiecutterCompat's `jsonify`: JSON.stringify without indentation."""
    return dump(value, limit=limit)


BACKSTAGE_FILTERS = {
    "parseRepoUrl": parse_repo_url,
    "parseEntityRef": parse_entity_ref,
    "pick": pick,
    "projectSlug": project_slug,
}
