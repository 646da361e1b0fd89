"""Render an API entity's `spec.definition` for its page, completely and safely.

- OpenAPI 2 and 3: servers, security schemes, every operation with its parameters, request body,
  responses (schemas, headers, examples) and the document's schemas; `$ref`s are resolved inside the
  document only (never fetched), with cycle protection and a size and depth budget.
- AsyncAPI 2 and 3: servers, channels with their operations and messages (payload and headers
  schemas, examples).
- GraphQL SDL and gRPC proto: the source highlighted by Pygments, with an outline of its types or
  services. Anything else: the highlighted source.

Descriptions are Markdown, sanitised by core.sanitize. A definition that cannot be read gives a
message, never an exception.
"""

import re
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from catalog.apidocs import asyncapi, openapi
from catalog.apidocs.common import DefinitionError, Document, highlighted, parse, scalar, source_text, text

__all__ = ["ApiDoc", "api_doc", "highlighted"]

REMOTE_PLACEHOLDERS = ("$openapi", "$asyncapi", "$graphql", "$grpc")


@dataclass
class ApiDoc:
    type: str
    title: str = ""
    version: str = ""
    spec_version: str = ""
    description: SafeString | str = ""
    servers: list[str] = field(default_factory=list)
    operations: list = field(default_factory=list)
    operations_left_out: int = 0
    security_schemes: list = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    schemas: list[tuple[str, SafeString]] = field(default_factory=list)
    schemas_left_out: int = 0
    channels: list = field(default_factory=list)
    channels_left_out: int = 0
    outline: list[tuple[str, str]] = field(default_factory=list)  # GraphQL types / gRPC services: (kind, name)
    source: SafeString | str = ""
    error: str = ""

    @property
    def has_reference(self) -> bool:
        return bool(self.operations or self.channels or self.outline)


def _info(doc: ApiDoc, document: Document) -> None:
    info = document.root.get("info") if isinstance(document.root.get("info"), dict) else {}
    doc.title, doc.version = text(info.get("title")), scalar(info.get("version"))
    doc.description = document.describe(info.get("description"))


def _openapi(doc: ApiDoc, data: dict) -> None:
    if not ("openapi" in data or "swagger" in data):
        doc.error = "The definition is not an OpenAPI document (it has no `openapi` or `swagger` field)."
        return
    v2 = "swagger" in data and "openapi" not in data
    document = Document(data)
    doc.spec_version = ("Swagger " if v2 else "OpenAPI ") + scalar(data.get("swagger" if v2 else "openapi"))
    _info(doc, document)
    doc.servers = openapi.servers(document, v2=v2)
    doc.security_schemes = openapi.security_schemes(document, v2=v2)
    doc.security = openapi._security(data.get("security")) if "security" in data else []
    doc.operations, doc.operations_left_out = openapi.operations(document, v2=v2)
    doc.schemas, doc.schemas_left_out = openapi.schemas(document, v2=v2)
    if not doc.operations:
        doc.error = "The OpenAPI definition has no operations under `paths`."


def _asyncapi(doc: ApiDoc, data: dict) -> None:
    if "asyncapi" not in data:
        doc.error = "The definition is not an AsyncAPI document (it has no `asyncapi` field)."
        return
    document = Document(data)
    _info(doc, document)
    doc.servers = asyncapi.servers(document)
    doc.channels, doc.channels_left_out, major = asyncapi.channels(document)
    doc.spec_version = f"AsyncAPI {scalar(data.get('asyncapi'))}"
    if not doc.channels:
        doc.error = "The AsyncAPI definition has no channels."


GRAPHQL_OUTLINE = re.compile(r"^[ \t]*(?:extend[ \t]+)?(type|input|enum|interface|union|scalar)[ \t]+(\w+)", re.M)
PROTO_OUTLINE = re.compile(r"^[ \t]*(service|message|enum)[ \t]+(\w+)", re.M)
PROTO_RPC = re.compile(r"\brpc[ \t]+(\w+)[ \t]*\([ \t]*(stream[ \t]+)?([\w.]+)[ \t]*\)[ \t]*returns[ \t]*"
                       r"\([ \t]*(stream[ \t]+)?([\w.]+)[ \t]*\)")
MAX_OUTLINE = 300


def _outline(api_type: str, source: str) -> list[tuple[str, str]]:
    source = source[:500_000]
    if api_type == "graphql":
        return [(m.group(1), m.group(2)) for m in GRAPHQL_OUTLINE.finditer(source)][:MAX_OUTLINE]
    found = [(m.group(1), m.group(2)) for m in PROTO_OUTLINE.finditer(source)][:MAX_OUTLINE]
    found += [("rpc", f"{m.group(1)}({m.group(2) or ''}{m.group(3)}) → {m.group(4) or ''}{m.group(5)}")
              for m in PROTO_RPC.finditer(source)][:MAX_OUTLINE]
    return found


def api_doc(*, api_type: str, definition) -> ApiDoc:
    """What the API tab shows for `spec.type` and `spec.definition`."""
    api_type = (api_type if isinstance(api_type, str) else "").lower()
    source = source_text(definition)
    doc = ApiDoc(type=api_type or "unknown", source=highlighted(source, api_type) if source else "")
    if isinstance(definition, dict) and set(definition) & set(REMOTE_PLACEHOLDERS):
        key = sorted(set(definition) & set(REMOTE_PLACEHOLDERS))[0]
        doc.error = (f"The definition is a `{key}` placeholder pointing elsewhere ({str(definition[key])[:200]}); "
                     "Paved does not fetch remote definitions. Use `$text` with a file next to the entity.")
        return doc
    if api_type in ("graphql", "grpc"):
        if not source:
            doc.error = "The API has no definition text."
        else:
            doc.outline = _outline(api_type, source)
        return doc
    if api_type not in ("openapi", "asyncapi"):
        if not source:
            doc.error = "The API has no definition text."
        return doc
    try:
        data = parse(definition)
    except DefinitionError as exc:
        doc.error = str(exc)
        return doc
    if not isinstance(data, dict):
        doc.error = f"The definition is not a{'n OpenAPI' if api_type == 'openapi' else 'n AsyncAPI'} document."
        return doc
    try:
        (_openapi if api_type == "openapi" else _asyncapi)(doc, data)
    except RecursionError:
        doc.error = "The definition is nested too deeply to show as a reference; its source is below."
        doc.operations, doc.channels, doc.schemas = [], [], []
    return doc
