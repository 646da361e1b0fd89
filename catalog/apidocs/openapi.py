"""OpenAPI 2 (Swagger) and 3.x read into what the API tab draws: servers, security schemes,
operations with parameters, request bodies, responses (schemas and examples) and the schemas."""

from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from catalog.apidocs.common import (
    Document,
    as_dict,
    as_list,
    examples,
    scalar,
    schema_html,
    text,
)

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
MAX_OPERATIONS = 500
MAX_SCHEMAS = 150


@dataclass
class Parameter:
    name: str
    location: str = ""
    required: bool = False
    description: SafeString | str = ""
    type: str = ""
    deprecated: bool = False
    schema: SafeString | str = ""
    examples: list[tuple[str, SafeString]] = field(default_factory=list)


@dataclass
class Media:
    type: str
    schema: SafeString | str = ""
    examples: list[tuple[str, SafeString]] = field(default_factory=list)


@dataclass
class Body:
    description: SafeString | str = ""
    required: bool = False
    contents: list[Media] = field(default_factory=list)


@dataclass
class Response:
    status: str
    description: SafeString | str = ""
    contents: list[Media] = field(default_factory=list)
    headers: list[Parameter] = field(default_factory=list)

    @property
    def status_class(self) -> str:
        return self.status[:1] if self.status[:1] in "12345" else "d"


@dataclass
class Operation:
    method: str
    path: str
    summary: str = ""
    description: SafeString | str = ""
    operation_id: str = ""
    deprecated: bool = False
    tags: list[str] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    request_body: Body | None = None
    responses: list[Response] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    anchor: str = ""


@dataclass
class SecurityScheme:
    name: str
    type: str
    details: list[str] = field(default_factory=list)
    description: SafeString | str = ""
    scopes: list[tuple[str, str]] = field(default_factory=list)


def _type_label(doc: Document, schema) -> str:
    target, ref_name, problem = doc.deref(schema)
    if ref_name:
        return ref_name
    if not isinstance(target, dict):
        return ""
    kind = scalar(target.get("type"))
    if kind == "array":
        item, item_ref, _ = doc.deref(target.get("items"))
        inner = item_ref or (scalar(item.get("type")) if isinstance(item, dict) else "")
        return f"array of {inner}" if inner else "array"
    fmt = scalar(target.get("format"))
    return f"{kind} ({fmt})" if kind and fmt else kind


def _parameter(doc: Document, raw, *, v2: bool) -> Parameter | None:
    item, ref_name, problem = doc.deref(raw)
    if problem:
        return Parameter(name=ref_name.rsplit("/", 1)[-1] or "?", location="$ref", description=problem)
    if not isinstance(item, dict):
        return None
    schema = item.get("schema")
    if v2 and schema is None:  # Swagger 2 puts type/format/items on the parameter itself
        schema = {k: v for k, v in item.items() if k in ("type", "format", "items", "enum", "default")}
    location = text(item.get("in"))
    return Parameter(
        name=text(item.get("name")) or scalar(item.get("name")) or "?", location=location,
        required=item.get("required") is True or location == "path",
        description=doc.describe(item.get("description")), type=_type_label(doc, schema) if schema else "",
        deprecated=item.get("deprecated") is True,
        schema=schema_html(doc, schema) if isinstance(schema, dict) and _is_structured(doc, schema) else "",
        examples=examples(doc, item) if location != "body" else [],
    )


def _is_structured(doc: Document, schema) -> bool:
    target, ref_name, _ = doc.deref(schema)
    return bool(ref_name) or (isinstance(target, dict) and any(k in target for k in ("properties", "allOf", "oneOf",
                                                                                    "anyOf", "items")))


def _media(doc: Document, content) -> list[Media]:
    found = []
    for media_type, raw in list(as_dict(content).items())[:10]:
        media, _, problem = doc.deref(raw)
        media = as_dict(media)
        found.append(Media(type=str(media_type), schema=schema_html(doc, media["schema"]) if "schema" in media else "",
                           examples=examples(doc, media)))
    return found


def _request_body(doc: Document, raw) -> Body | None:
    body, ref_name, problem = doc.deref(raw)
    if problem:
        return Body(description=f"{problem}: {ref_name}")
    if not isinstance(body, dict):
        return None
    return Body(description=doc.describe(body.get("description")), required=body.get("required") is True,
                contents=_media(doc, body.get("content")))


def _headers(doc: Document, raw) -> list[Parameter]:
    found = []
    for name, header in list(as_dict(raw).items())[:30]:
        target, _, _ = doc.deref(header)
        target = as_dict(target)
        schema = target.get("schema", {k: v for k, v in target.items() if k in ("type", "format")})
        found.append(Parameter(name=str(name), location="header", required=target.get("required") is True,
                               description=doc.describe(target.get("description")), type=_type_label(doc, schema)))
    return found


def _responses(doc: Document, raw, *, v2: bool, produces: list[str]) -> list[Response]:
    found = []
    for status, item in list(as_dict(raw).items())[:50]:
        if str(status).startswith("x-"):
            continue
        response, ref_name, problem = doc.deref(item)
        if problem:
            found.append(Response(status=str(status), description=f"{problem}: {ref_name}"))
            continue
        response = as_dict(response)
        if v2:
            contents = []
            if "schema" in response or "examples" in response:
                named = as_dict(response.get("examples"))
                drawn = schema_html(doc, response["schema"]) if "schema" in response else ""
                media_types = list(dict.fromkeys([*(produces or ["application/json"])[:5], *list(named)[:5]]))
                contents = [Media(type=str(media_type), schema=drawn,
                                  examples=examples(doc, {"example": named[media_type]}) if media_type in named else [])
                            for media_type in media_types]
        else:
            contents = _media(doc, response.get("content"))
        found.append(Response(status=str(status), description=doc.describe(response.get("description")),
                              contents=contents, headers=_headers(doc, response.get("headers"))))
    return sorted(found, key=lambda r: (r.status == "default", r.status))


def _security(requirements) -> list[str]:
    if requirements == []:
        return ["none (public)"]
    found = []
    for requirement in as_list(requirements):
        if not isinstance(requirement, dict):
            continue
        if not requirement:
            found.append("none (optional)")
            continue
        parts = []
        for name, scopes in requirement.items():
            scopes = [scalar(s) for s in as_list(scopes) if scalar(s)]
            parts.append(f"{name} ({', '.join(scopes)})" if scopes else str(name))
        found.append(" + ".join(parts))
    return found


def _anchor(method: str, path: str, index: int) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in f"{method}-{path}".lower()).strip("-")
    return f"op-{index}-{cleaned[:60]}"


def operations(doc: Document, *, v2: bool) -> tuple[list[Operation], int]:
    """The operations in path order, and how many were left out past MAX_OPERATIONS."""
    root = doc.root
    found: list[Operation] = []
    left_out = 0
    consumes = [scalar(c) for c in as_list(root.get("consumes")) if scalar(c)]
    produces = [scalar(c) for c in as_list(root.get("produces")) if scalar(c)]
    for path, raw_item in as_dict(root.get("paths")).items():
        item, _, problem = doc.deref(raw_item)
        if not isinstance(item, dict):
            continue
        shared = [p for p in (_parameter(doc, r, v2=v2) for r in as_list(item.get("parameters"))) if p]
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            if len(found) >= MAX_OPERATIONS:
                left_out += 1
                continue
            own = [p for p in (_parameter(doc, r, v2=v2) for r in as_list(op.get("parameters"))) if p]
            names = {(p.name, p.location) for p in own}
            params = [p for p in shared if (p.name, p.location) not in names] + own
            body = None
            if v2:
                raw_body = None
                for raw in as_list(op.get("parameters")) + as_list(item.get("parameters")):
                    target = doc.deref(raw)[0]
                    if isinstance(target, dict) and target.get("in") == "body":
                        raw_body = target
                        break
                if raw_body is not None:
                    media_types = [scalar(c) for c in as_list(op.get("consumes")) if scalar(c)] or consumes \
                        or ["application/json"]
                    body = Body(description=doc.describe(raw_body.get("description")),
                                required=raw_body.get("required") is True,
                                contents=[Media(type=media_types[0], examples=examples(doc, raw_body),
                                                schema=schema_html(doc, raw_body.get("schema", {})))])
                params = [p for p in params if p.location != "body"]
            else:
                body = _request_body(doc, op.get("requestBody")) if "requestBody" in op else None
            op_produces = [scalar(c) for c in as_list(op.get("produces")) if scalar(c)] or produces
            summary = text(op.get("summary"))
            found.append(Operation(
                method=method.upper(), path=str(path), summary=summary,
                description=doc.describe(op.get("description")),
                operation_id=text(op.get("operationId")), deprecated=op.get("deprecated") is True,
                tags=[scalar(t) for t in as_list(op.get("tags")) if scalar(t)][:10], parameters=params,
                request_body=body, responses=_responses(doc, op.get("responses"), v2=v2, produces=op_produces),
                security=_security(op.get("security", root.get("security"))),
                anchor=_anchor(method, str(path), len(found)),
            ))
    return found, left_out


def security_schemes(doc: Document, *, v2: bool) -> list[SecurityScheme]:
    raw = doc.root.get("securityDefinitions") if v2 else as_dict(doc.root.get("components")).get("securitySchemes")
    found = []
    for name, item in list(as_dict(raw).items())[:30]:
        scheme, ref_name, problem = doc.deref(item)
        if not isinstance(scheme, dict):
            found.append(SecurityScheme(name=str(name), type="?", details=[problem or "not a security scheme"]))
            continue
        details = []
        for key, label in (("scheme", "scheme"), ("bearerFormat", "bearer format"), ("in", "in"), ("name", "name"),
                           ("openIdConnectUrl", "OpenID Connect URL"), ("flow", "flow"),
                           ("authorizationUrl", "authorization URL"), ("tokenUrl", "token URL")):
            if scalar(scheme.get(key)):
                details.append(f"{label}: {scalar(scheme.get(key))}")
        scopes = [(str(k), scalar(v)) for k, v in as_dict(scheme.get("scopes")).items()]
        for flow_name, flow in as_dict(scheme.get("flows")).items():
            flow = as_dict(flow)
            urls = [f"{label} {scalar(flow.get(key))}" for key, label in (
                ("authorizationUrl", "authorization URL"), ("tokenUrl", "token URL"), ("refreshUrl", "refresh URL"))
                if scalar(flow.get(key))]
            details.append(f"{flow_name} flow" + (f": {', '.join(urls)}" if urls else ""))
            scopes += [(str(k), scalar(v)) for k, v in as_dict(flow.get("scopes")).items()]
        found.append(SecurityScheme(name=str(name), type=scalar(scheme.get("type")) or "?", details=details,
                                    description=doc.describe(scheme.get("description")), scopes=scopes[:50]))
    return found


def schemas(doc: Document, *, v2: bool) -> tuple[list[tuple[str, SafeString]], int]:
    raw = doc.root.get("definitions") if v2 else as_dict(doc.root.get("components")).get("schemas")
    items = list(as_dict(raw).items())
    shown = [(str(name), schema_html(doc, {"$ref": f"#/{'definitions' if v2 else 'components/schemas'}/"
                                                 f"{str(name).replace('~', '~0').replace('/', '~1')}"}))
             for name, _ in items[:MAX_SCHEMAS]]
    return shown, max(0, len(items) - MAX_SCHEMAS)


def servers(doc: Document, *, v2: bool) -> list[str]:
    root = doc.root
    if v2:
        host = text(root.get("host"))
        if not host:
            return []
        base = text(root.get("basePath"))
        schemes = [scalar(s) for s in as_list(root.get("schemes")) if scalar(s)] or ["https"]
        return [f"{scheme}://{host}{base}" for scheme in schemes[:4]]
    found = []
    for server in as_list(root.get("servers"))[:20]:
        if isinstance(server, dict) and text(server.get("url")):
            description = text(server.get("description"))
            found.append(text(server["url"]) + (f" — {description}" if description else ""))
    return found
