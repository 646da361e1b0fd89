"""Building blocks of the OpenAPI 3 documents the APIs serve (catalog, scaffolder).

Each API keeps its own document; these helpers only spell the repetitive parts once. Every
document must define `components.responses.Error<code>` for the codes passed to `errors`.
"""


def ref(name: str) -> dict:
    """A reference to a schema under components.schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_of(schema: dict, description: str = "OK") -> dict:
    """A JSON response with this schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def body(schema: dict) -> dict:
    """A required JSON request body."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict:
    """References to the document's shared error responses, by status code."""
    return {str(code): {"$ref": f"#/components/responses/Error{code}"} for code in codes}


def path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def query(name: str, description: str, schema: dict | None = None, *, repeat: bool = False) -> dict:
    """A query parameter; `repeat` for Backstage's repeated form (`?filter=a&filter=b`)."""
    schema = schema or {"type": "string"}
    if repeat:
        return {"name": name, "in": "query", "description": description, "style": "form", "explode": True,
                "schema": {"type": "array", "items": schema}}
    return {"name": name, "in": "query", "description": description, "schema": schema}


SELF = {"get": {"operationId": "GetOpenApi", "summary": "This document.",
                "responses": {"200": json_of({"type": "object"}), **errors(401)}}}


def document(*, title: str, version: str, description: str, server: str, paths: dict, schemas: dict,
             responses: dict) -> dict:
    """The whole document: Bearer-token security, Backstage's error envelope, and `paths` plus
    `/openapi.json` itself."""
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version,
                 "description": f"{description} Errors use Backstage's envelope. "
                                "Unknown methods answer 405 NotAllowedError."},
        "servers": [{"url": server}],
        "security": [{"bearerAuth": []}],
        "paths": {**paths, "/openapi.json": SELF},
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token from your Paved profile page."}},
        },
    }
