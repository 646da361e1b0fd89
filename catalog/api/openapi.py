"""The OpenAPI 3 description of the catalog API, served at GET /api/catalog/openapi.json."""


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict | None = None, *, repeat: bool = False) -> dict:
    schema = schema or {"type": "string"}
    if repeat:
        return {"name": name, "in": "query", "description": description, "style": "form", "explode": True,
                "schema": {"type": "array", "items": schema}}
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _errors(*codes: int) -> dict:
    return {str(code): {"$ref": f"#/components/responses/Error{code}"} for code in codes}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


FILTER = _query("filter", "Backstage filter: `a=b,c=d` ANDs conditions, repeated params are ORed, a bare key "
                "means the field exists; keys and values compare case-insensitively.", repeat=True)
FIELDS = _query("fields", "Comma-separated dotted paths to keep, e.g. `metadata.name,kind`.", repeat=True)
NAME_PATH = [_path("kind", "Entity kind"), _path("namespace", "Entity namespace"), _path("name", "Entity name")]
INT = {"type": "integer", "minimum": 0}
LOCATION_INPUT = {"type": "object", "required": ["target"],
                  "properties": {"type": {"type": "string", "enum": ["url", "file"], "default": "url"},
                                 "target": {"type": "string"}}}

SCHEMAS = {
    "Entity": {
        "type": "object", "required": ["apiVersion", "kind", "metadata"], "additionalProperties": True,
        "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"},
            "metadata": {"type": "object", "additionalProperties": True, "required": ["name"],
                         "properties": {"uid": {"type": "string"}, "etag": {"type": "string"},
                                        "name": {"type": "string"}, "namespace": {"type": "string"},
                                        "title": {"type": "string"}, "description": {"type": "string"},
                                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                        "annotations": {"type": "object",
                                                        "additionalProperties": {"type": "string"}},
                                        "tags": {"type": "array", "items": {"type": "string"}}}},
            "spec": {"type": "object", "additionalProperties": True},
            "relations": {"type": "array", "items": _ref("EntityRelation")},
            "status": {"type": "object", "additionalProperties": True},
        },
    },
    "EntityRelation": {"type": "object", "required": ["type", "targetRef"],
                       "properties": {"type": {"type": "string"}, "targetRef": {"type": "string"},
                                      "target": {"type": "object"}}},
    "Location": {"type": "object", "required": ["id", "type", "target"],
                 "properties": {"id": {"type": "string", "format": "uuid"}, "type": {"type": "string"},
                                "target": {"type": "string"}}},
    "Error": {
        "type": "object", "required": ["error", "response"],
        "properties": {
            "error": {"type": "object", "required": ["name", "message"],
                      "properties": {"name": {"type": "string", "enum": [
                          "InputError", "AuthenticationError", "NotAllowedError", "NotFoundError", "ConflictError"]},
                          "message": {"type": "string"}}},
            "request": {"type": "object", "nullable": True,
                        "properties": {"method": {"type": "string"}, "url": {"type": "string"}}},
            "response": {"type": "object", "properties": {"statusCode": {"type": "integer"}}},
        },
    },
    "EntitiesQueryResponse": {
        "type": "object", "required": ["items", "totalItems", "pageInfo"],
        "properties": {"items": {"type": "array", "items": _ref("Entity")}, "totalItems": {"type": "integer"},
                       "pageInfo": {"type": "object", "properties": {"nextCursor": {"type": "string"},
                                                                     "prevCursor": {"type": "string"}}}},
    },
    "EntityAncestryResponse": {
        "type": "object", "required": ["rootEntityRef", "items"],
        "properties": {"rootEntityRef": {"type": "string"}, "items": {"type": "array", "items": {
            "type": "object", "required": ["entity", "parentEntityRefs"],
            "properties": {"entity": _ref("Entity"),
                           "parentEntityRefs": {"type": "array", "items": {"type": "string"}}}}}},
    },
    "EntityFacetsResponse": {
        "type": "object", "required": ["facets"],
        "properties": {"facets": {"type": "object", "additionalProperties": {"type": "array", "items": {
            "type": "object", "required": ["value", "count"],
            "properties": {"value": {"type": "string"}, "count": {"type": "integer"}}}}}},
    },
}

RESPONSES = {
    f"Error{code}": _json(_ref("Error"), text)
    for code, text in [(400, "Invalid input (InputError)"), (401, "No or invalid credentials (AuthenticationError)"),
                       (404, "Not found (NotFoundError)"), (405, "Method not allowed (NotAllowedError)"),
                       (409, "Conflict (ConflictError)")]
}

PATHS = {
    "/entities": {"get": {
        "operationId": "GetEntities", "summary": "List entities (unpaginated unless limit is given).",
        "parameters": [FILTER, FIELDS, _query("order", "`asc:field` or `desc:field`", repeat=True),
                       _query("offset", "Rows to skip", INT), _query("limit", "Rows to return (no cap)", INT),
                       _query("after", "Legacy cursor from the `Link: rel=next` header")],
        "responses": {"200": _json({"type": "array", "items": _ref("Entity")}), **_errors(400, 401)},
    }},
    "/entities/by-query": {"get": {
        "operationId": "GetEntitiesByQuery", "summary": "Cursor-paginated entity query.",
        "parameters": [FILTER, FIELDS,
                       _query("limit", "Page size, default 20, capped at 1000", INT),
                       _query("offset", "Rows to skip on the first page", INT),
                       _query("orderField", "`field,asc` or `field,desc` (the first one is used)", repeat=True),
                       _query("cursor", "nextCursor or prevCursor of a previous page; other query "
                                        "parameters except limit and fields are then ignored"),
                       _query("fullTextFilterTerm", "Case-insensitive substring to look for"),
                       _query("fullTextFilterFields", "Comma-separated fields for the full-text filter", repeat=True)],
        "responses": {"200": _json(_ref("EntitiesQueryResponse")), **_errors(400, 401)},
    }},
    "/entities/by-uid/{uid}": {
        "parameters": [_path("uid", "Entity uid (UUID)")],
        "get": {"operationId": "GetEntityByUid", "responses": {"200": _json(_ref("Entity")), **_errors(400, 401, 404)}},
        "delete": {"operationId": "DeleteEntityByUid",
                   "responses": {"204": {"description": "Deleted"}, **_errors(400, 401, 404)}},
    },
    "/entities/by-name/{kind}/{namespace}/{name}": {"get": {
        "operationId": "GetEntityByName", "parameters": NAME_PATH,
        "responses": {"200": _json(_ref("Entity")), **_errors(401, 404)},
    }},
    "/entities/by-name/{kind}/{namespace}/{name}/ancestry": {"get": {
        "operationId": "GetEntityAncestryByName", "parameters": NAME_PATH,
        "responses": {"200": _json(_ref("EntityAncestryResponse")), **_errors(401, 404)},
    }},
    "/entities/by-refs": {"post": {
        "operationId": "GetEntitiesByRefs", "parameters": [FILTER],
        "requestBody": _body({"type": "object", "required": ["entityRefs"], "properties": {
            "entityRefs": {"type": "array", "maxItems": 10000, "items": {"type": "string"}},
            "fields": {"type": "array", "items": {"type": "string"}}}}),
        "responses": {"200": _json({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"allOf": [_ref("Entity")], "nullable": True}}}}),
            **_errors(400, 401)},
    }},
    "/entity-facets": {"get": {
        "operationId": "GetEntityFacets",
        "parameters": [{**_query("facet", "Dotted field to count values of", repeat=True), "required": True},
                       FILTER],
        "responses": {"200": _json(_ref("EntityFacetsResponse")), **_errors(400, 401)},
    }},
    "/refresh": {"post": {
        "operationId": "RefreshEntity", "summary": "Re-read the location that provides the entity.",
        "requestBody": _body({"type": "object", "required": ["entityRef"],
                              "properties": {"entityRef": {"type": "string"}}}),
        "responses": {"200": {"description": "Refresh requested"}, **_errors(400, 401, 404)},
    }},
    "/validate-entity": {"post": {
        "operationId": "ValidateEntity",
        "requestBody": _body({"type": "object", "required": ["entity", "location"], "properties": {
            "entity": {"type": "object"}, "location": {"type": "string", "example": "url:https://..."}}}),
        "responses": {
            "200": _json({"type": "object"}, "Valid"),
            "400": _json({"oneOf": [_ref("Error"), {"type": "object", "required": ["errors"], "properties": {
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "message": {"type": "string"}}}}}}]}, "Invalid entity or input"),
            **_errors(401),
        },
    }},
    "/locations": {
        "get": {"operationId": "GetLocations", "responses": {"200": _json({"type": "array", "items": {
            "type": "object", "properties": {"data": _ref("Location")}}}), **_errors(401)}},
        "post": {
            "operationId": "CreateLocation",
            "parameters": [_query("dryRun", "`true`: read and validate the target, store nothing",
                                  {"type": "string", "enum": ["true", "false"]})],
            "requestBody": _body(LOCATION_INPUT),
            "responses": {"201": _json({"type": "object", "required": ["location", "entities"], "properties": {
                "location": _ref("Location"), "entities": {"type": "array", "items": _ref("Entity")},
                "exists": {"type": "boolean"}}}, "Created (or previewed)"), **_errors(400, 401, 409)},
        },
    },
    "/locations/{id}": {
        "parameters": [_path("id", "Location id (UUID)")],
        "get": {"operationId": "GetLocation", "responses": {"200": _json(_ref("Location")), **_errors(400, 401, 404)}},
        "delete": {"operationId": "DeleteLocation", "summary": "Remove the location and every entity it provides.",
                   "responses": {"204": {"description": "Deleted"}, **_errors(400, 401, 404)}},
    },
    "/locations/by-entity/{kind}/{namespace}/{name}": {"get": {
        "operationId": "GetLocationByEntity", "parameters": NAME_PATH,
        "responses": {"200": _json(_ref("Location")), **_errors(401, 404)},
    }},
    "/analyze-location": {"post": {
        "operationId": "AnalyzeLocation",
        "requestBody": _body({"type": "object", "required": ["location"], "properties": {
            "location": LOCATION_INPUT, "catalogFilename": {"type": "string"}}}),
        "responses": {"200": _json({"type": "object", "required": ["existingEntityFiles", "generateEntities"],
                                    "properties": {"existingEntityFiles": {"type": "array", "items": {
                                        "type": "object", "properties": {
                                            "location": LOCATION_INPUT, "isRegistered": {"type": "boolean"},
                                            "entity": _ref("Entity")}}},
                                        "generateEntities": {"type": "array", "items": {"type": "object"}}}}),
                      **_errors(400, 401)},
    }},
    "/openapi.json": {"get": {"operationId": "GetOpenApi", "summary": "This document.",
                              "responses": {"200": _json({"type": "object"}), **_errors(401)}}},
}

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Paved catalog API", "version": "1",
             "description": "Backstage's software catalog REST API, as served by Paved. Errors use Backstage's "
                            "envelope. Unknown methods answer 405 NotAllowedError."},
    "servers": [{"url": "/api/catalog"}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": RESPONSES,
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": "An API token from your Paved profile page."}},
    },
}
