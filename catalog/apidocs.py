"""Render an API entity's `spec.definition` for its page.

OpenAPI (YAML or JSON text) becomes a list of operations; AsyncAPI, GraphQL, gRPC and
anything else are shown as highlighted source (Pygments escapes the text). A definition that
cannot be read gives a message, never an exception.
"""

import json
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import GraphQLLexer, JsonLexer, ProtoBufLexer, TextLexer, YamlLexer

from catalog.lib.safe_yaml import YamlError, load_documents

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
MAX_SOURCE = 2_000_000  # characters; larger definitions are shown unhighlighted


@dataclass
class Parameter:
    name: str
    location: str = ""
    required: bool = False
    description: str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str = ""
    operation_id: str = ""
    deprecated: bool = False
    parameters: list[Parameter] = field(default_factory=list)


@dataclass
class ApiDoc:
    type: str
    title: str = ""
    version: str = ""
    description: str = ""
    servers: list[str] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    source: SafeString | str = ""
    error: str = ""


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _source_text(definition) -> str:
    if isinstance(definition, str):
        return definition
    if definition is None:
        return ""
    try:
        return json.dumps(definition, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(definition)


def highlighted(text: str, api_type: str) -> SafeString:
    if len(text) > MAX_SOURCE:
        lexer = TextLexer()
    elif api_type == "graphql":
        lexer = GraphQLLexer()
    elif api_type == "grpc":
        lexer = ProtoBufLexer()
    elif text.lstrip().startswith(("{", "[")):
        lexer = JsonLexer()
    elif api_type in ("openapi", "asyncapi") or ":" in text:
        lexer = YamlLexer()
    else:
        lexer = TextLexer()
    return mark_safe(highlight(text, lexer, HtmlFormatter(cssclass="highlight")))  # noqa: S308 - Pygments escapes


def _parse(definition):
    if isinstance(definition, dict):
        return definition
    if not isinstance(definition, str) or not definition.strip():
        raise ValueError("The API has no definition text.")
    text = definition.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(f"The definition is not valid JSON: {exc}") from None
    try:
        documents = load_documents(text)
    except YamlError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise ValueError(f"The definition is not valid YAML{where}: {exc.message}") from None
    if len(documents) != 1:
        raise ValueError("The definition must hold exactly one YAML document.")
    return documents[0].data


def _local_ref(root: dict, ref: str):
    """The target of a local `#/a/b` JSON pointer, or None (remote refs are not fetched)."""
    if not ref.startswith("#/"):
        return None
    node = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _parameters(raw, root: dict) -> list[Parameter]:
    params = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            target = _local_ref(root, item["$ref"])
            if not isinstance(target, dict):
                params.append(Parameter(name=item["$ref"].rsplit("/", 1)[-1], location="$ref"))
                continue
            item = target
        if not isinstance(item, dict):
            continue
        params.append(Parameter(name=_text(item.get("name")) or "?", location=_text(item.get("in")),
                                required=item.get("required") is True, description=_text(item.get("description"))))
    return params


def _operations(paths, root: dict) -> list[Operation]:
    operations = []
    if not isinstance(paths, dict):
        return operations
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        shared = _parameters(item.get("parameters"), root)
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            own = _parameters(op.get("parameters"), root)
            names = {(p.name, p.location) for p in own}
            operations.append(Operation(
                method=method.upper(), path=str(path), summary=_text(op.get("summary")) or _text(op.get("description")),
                operation_id=_text(op.get("operationId")), deprecated=op.get("deprecated") is True,
                parameters=[p for p in shared if (p.name, p.location) not in names] + own,
            ))
    return operations


def api_doc(*, api_type: str, definition) -> ApiDoc:
    """What the API tab shows for `spec.type` and `spec.definition`."""
    api_type = (api_type if isinstance(api_type, str) else "").lower()
    text = _source_text(definition)
    doc = ApiDoc(type=api_type or "unknown", source=highlighted(text, api_type) if text else "")
    if api_type != "openapi":
        if not text:
            doc.error = "The API has no definition text."
        return doc
    try:
        data = _parse(definition)
    except ValueError as exc:
        doc.error = str(exc)
        return doc
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        doc.error = "The definition is not an OpenAPI document (it has no `openapi` or `swagger` field)."
        return doc
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    doc.title, doc.version = _text(info.get("title")), _text(str(info.get("version") or ""))
    doc.description = _text(info.get("description"))
    servers = data.get("servers") if isinstance(data.get("servers"), list) else []
    doc.servers = [_text(s.get("url")) for s in servers if isinstance(s, dict) and _text(s.get("url"))]
    doc.operations = _operations(data.get("paths"), data)
    if not doc.operations:
        doc.error = "The OpenAPI definition has no operations under `paths`."
    return doc
