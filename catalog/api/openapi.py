"""The OpenAPI 3 description of the catalog API, served at GET /api/catalog/openapi.json."""

from core.openapi import body, document, errors, json_of, path, query, ref

FILTER = query("filter", "Backstage filter: `a=b,c=d` ANDs conditions, repeated params are ORed, a bare key "
                "means the field exists; keys and values compare case-insensitively.", repeat=True)
FIELDS = query("fields", "Comma-separated dotted paths to keep, e.g. `metadata.name,kind`.", repeat=True)
NAME_PATH = [path("kind", "Entity kind"), path("namespace", "Entity namespace"), path("name", "Entity name")]
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
            "relations": {"type": "array", "items": ref("EntityRelation")},
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
        "properties": {"items": {"type": "array", "items": ref("Entity")}, "totalItems": {"type": "integer"},
                       "pageInfo": {"type": "object", "properties": {"nextCursor": {"type": "string"},
                                                                     "prevCursor": {"type": "string"}}}},
    },
    "EntityAncestryResponse": {
        "type": "object", "required": ["rootEntityRef", "items"],
        "properties": {"rootEntityRef": {"type": "string"}, "items": {"type": "array", "items": {
            "type": "object", "required": ["entity", "parentEntityRefs"],
            "properties": {"entity": ref("Entity"),
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
    f"Error{code}": json_of(ref("Error"), text)
    for code, text in [(400, "Invalid input (InputError)"), (401, "No or invalid credentials (AuthenticationError)"),
                       (404, "Not found (NotFoundError)"), (405, "Method not allowed (NotAllowedError)"),
                       (409, "Conflict (ConflictError)")]
}

PATHS = {
    "/entities": {"get": {
        "operationId": "GetEntities", "summary": "List entities (unpaginated unless limit is given).",
        "parameters": [FILTER, FIELDS, query("order", "`asc:field` or `desc:field`", repeat=True),
                       query("offset", "Rows to skip", INT), query("limit", "Rows to return (no cap)", INT),
                       query("after", "Legacy cursor from the `Link: rel=next` header")],
        "responses": {"200": json_of({"type": "array", "items": ref("Entity")}), **errors(400, 401)},
    }},
    "/entities/by-query": {"get": {
        "operationId": "GetEntitiesByQuery", "summary": "Cursor-paginated entity query.",
        "parameters": [FILTER, FIELDS,
                       query("limit", "Page size, default 20, capped at 1000", INT),
                       query("offset", "Rows to skip on the first page", INT),
                       query("orderField", "`field,asc` or `field,desc` (the first one is used)", repeat=True),
                       query("cursor", "nextCursor or prevCursor of a previous page; other query "
                                        "parameters except limit and fields are then ignored"),
                       query("fullTextFilterTerm", "Case-insensitive substring to look for"),
                       query("fullTextFilterFields", "Comma-separated fields for the full-text filter", repeat=True)],
        "responses": {"200": json_of(ref("EntitiesQueryResponse")), **errors(400, 401)},
    }},
    "/entities/by-uid/{uid}": {
        "parameters": [path("uid", "Entity uid (UUID)")],
        "get": {"operationId": "GetEntityByUid", "responses": {"200": json_of(ref("Entity")), **errors(400, 401, 404)}},
        "delete": {"operationId": "DeleteEntityByUid",
                   "responses": {"204": {"description": "Deleted"}, **errors(400, 401, 404)}},
    },
    "/entities/by-name/{kind}/{namespace}/{name}": {"get": {
        "operationId": "GetEntityByName", "parameters": NAME_PATH,
        "responses": {"200": json_of(ref("Entity")), **errors(401, 404)},
    }},
    "/entities/by-name/{kind}/{namespace}/{name}/ancestry": {"get": {
        "operationId": "GetEntityAncestryByName", "parameters": NAME_PATH,
        "responses": {"200": json_of(ref("EntityAncestryResponse")), **errors(401, 404)},
    }},
    "/entities/by-refs": {"post": {
        "operationId": "GetEntitiesByRefs", "parameters": [FILTER],
        "requestBody": body({"type": "object", "required": ["entityRefs"], "properties": {
            "entityRefs": {"type": "array", "maxItems": 10000, "items": {"type": "string"}},
            "fields": {"type": "array", "items": {"type": "string"}}}}),
        "responses": {"200": json_of({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"allOf": [ref("Entity")], "nullable": True}}}}),
            **errors(400, 401)},
    }},
    "/entity-facets": {"get": {
        "operationId": "GetEntityFacets",
        "parameters": [{**query("facet", "Dotted field to count values of", repeat=True), "required": True},
                       FILTER],
        "responses": {"200": json_of(ref("EntityFacetsResponse")), **errors(400, 401)},
    }},
    "/refresh": {"post": {
        "operationId": "RefreshEntity", "summary": "Re-read the location that provides the entity.",
        "requestBody": body({"type": "object", "required": ["entityRef"],
                              "properties": {"entityRef": {"type": "string"}}}),
        "responses": {"200": {"description": "Refresh requested"}, **errors(400, 401, 404)},
    }},
    "/validate-entity": {"post": {
        "operationId": "ValidateEntity",
        "requestBody": body({"type": "object", "required": ["entity", "location"], "properties": {
            "entity": {"type": "object"}, "location": {"type": "string", "example": "url:https://..."}}}),
        "responses": {
            "200": json_of({"type": "object"}, "Valid"),
            "400": json_of({"oneOf": [ref("Error"), {"type": "object", "required": ["errors"], "properties": {
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "message": {"type": "string"}}}}}}]}, "Invalid entity or input"),
            **errors(401),
        },
    }},
    "/locations": {
        "get": {"operationId": "GetLocations", "responses": {"200": json_of({"type": "array", "items": {
            "type": "object", "properties": {"data": ref("Location")}}}), **errors(401)}},
        "post": {
            "operationId": "CreateLocation",
            "parameters": [query("dryRun", "`true`: read and validate the target, store nothing",
                                  {"type": "string", "enum": ["true", "false"]})],
            "requestBody": body(LOCATION_INPUT),
            "responses": {"201": json_of({"type": "object", "required": ["location", "entities"], "properties": {
                "location": ref("Location"), "entities": {"type": "array", "items": ref("Entity")},
                "exists": {"type": "boolean"}}}, "Created (or previewed)"), **errors(400, 401, 409)},
        },
    },
    "/locations/{id}": {
        "parameters": [path("id", "Location id (UUID)")],
        "get": {"operationId": "GetLocation", "responses": {"200": json_of(ref("Location")), **errors(400, 401, 404)}},
        "delete": {"operationId": "DeleteLocation", "summary": "Remove the location and every entity it provides.",
                   "responses": {"204": {"description": "Deleted"}, **errors(400, 401, 404)}},
    },
    "/locations/by-entity/{kind}/{namespace}/{name}": {"get": {
        "operationId": "GetLocationByEntity", "parameters": NAME_PATH,
        "responses": {"200": json_of(ref("Location")), **errors(401, 404)},
    }},
    "/analyze-location": {"post": {
        "operationId": "AnalyzeLocation",
        "requestBody": body({"type": "object", "required": ["location"], "properties": {
            "location": LOCATION_INPUT, "catalogFilename": {"type": "string"}}}),
        "responses": {"200": json_of({"type": "object", "required": ["existingEntityFiles", "generateEntities"],
                                    "properties": {"existingEntityFiles": {"type": "array", "items": {
                                        "type": "object", "properties": {
                                            "location": LOCATION_INPUT, "isRegistered": {"type": "boolean"},
                                            "entity": ref("Entity")}}},
                                        "generateEntities": {"type": "array", "items": {"type": "object"}}}}),
                      **errors(400, 401)},
    }},
}

OPENAPI = document(title="Paved catalog API", version="1",
                   description="Backstage's software catalog REST API, as served by Paved.",
                   server="/api/catalog", paths=PATHS, schemas=SCHEMAS, responses=RESPONSES)
