"""The OpenAPI 3 description of the facts API, served at GET /api/facts/openapi.json."""

from core.openapi import body, document, errors, json_of, query, ref

FORMATS = ["cobertura", "jacoco", "lcov", "sarif", "trivy", "grype", "junit", "openslo", "json"]
ENTITY_REF = query("entityRef", "Entity reference: `kind:namespace/name`, `kind:name` or `name` (kind component, "
                                "namespace default).")
FACT_VALUE = {"description": "A JSON scalar, or a list or object of them (at most 4 deep, 8 KB)."}

SCHEMAS = {
    "FactItem": {
        "type": "object", "required": ["entityRef", "facts"], "additionalProperties": False,
        "properties": {
            "entityRef": {"type": "string"},
            "facts": {"type": "object", "maxProperties": 1000, "additionalProperties": FACT_VALUE,
                      "description": "Keys: dotted lower-case names ([a-z0-9_-] segments), at most 200 characters."},
            "source": {"type": "string", "maxLength": 100, "default": "api"},
            "observedAt": {"type": "string", "format": "date-time", "description": "Default: now."},
        },
    },
    "FactsResult": {
        "type": "object",
        "properties": {name: {"type": "integer"} for name in
                       ("entities", "facts", "changed", "refreshed", "unchanged", "stale")},
    },
    "Fact": {
        "type": "object", "required": ["key", "value", "source", "observedAt", "recordedAt"],
        "properties": {"key": {"type": "string"}, "value": FACT_VALUE, "source": {"type": "string"},
                       "observedAt": {"type": "string", "format": "date-time"},
                       "recordedAt": {"type": "string", "format": "date-time"}},
    },
    "FactRecord": {"allOf": [ref("Fact"), {"type": "object", "properties": {
        "id": {"type": "integer"},
        "report": {"type": "object", "nullable": True, "properties": {
            "id": {"type": "integer"}, "format": {"type": "string"}, "filename": {"type": "string"}}}}}]},
    "Error": {
        "type": "object", "required": ["error", "response"],
        "properties": {
            "error": {"type": "object", "required": ["name", "message"],
                      "properties": {"name": {"type": "string"}, "message": {"type": "string"}}},
            "request": {"type": "object", "nullable": True},
            "response": {"type": "object", "properties": {"statusCode": {"type": "integer"}}},
        },
    },
}

RESPONSES = {
    f"Error{code}": json_of(ref("Error"), text)
    for code, text in [(400, "Invalid input, naming the item, field, file or line (InputError)"),
                       (401, "No or invalid credentials (AuthenticationError)"),
                       (403, "No permission on the entity, or a token without the facts scope (NotAllowedError)"),
                       (404, "Unknown entity (NotFoundError)"), (405, "Method not allowed (NotAllowedError)"),
                       (413, "Report larger than PAVED_FACTS_MAX_REPORT_BYTES (PayloadTooLargeError)")]
}

PATHS = {
    "/facts": {
        "get": {"operationId": "GetFacts", "summary": "An entity's current facts with their source and times.",
                "parameters": [ENTITY_REF],
                "responses": {"200": json_of({"type": "object", "properties": {
                    "entityRef": {"type": "string"}, "items": {"type": "array", "items": ref("Fact")}}}),
                    **errors(400, 401, 403, 404, 405)}},
        "post": {"operationId": "PostFacts",
                 "summary": "Facts about many entities, all or nothing (a token with the facts scope, a read-write "
                            "token or a session with its CSRF token).",
                 "requestBody": body({"type": "object", "required": ["items"], "properties": {
                     "items": {"type": "array", "maxItems": 10000, "items": ref("FactItem")}}}),
                 "responses": {"200": json_of(ref("FactsResult")), **errors(400, 401, 403, 405, 413)}},
    },
    "/facts/reports": {"post": {
        "operationId": "PostFactsReport",
        "summary": "A report as CI tools write it (raw body, or multipart with one or more `file` fields of one "
                   "format, added up); its facts are stored with the report as their source.",
        "parameters": [ENTITY_REF, query("format", "The report's format; detected from the content when left out.",
                                         {"type": "string", "enum": FORMATS}),
                       query("filename", "The report's file name, for messages and provenance.")],
        "requestBody": {"required": True, "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "array", "maxItems": 100, "items": {"type": "string", "format": "binary"}}}}}}},
        "responses": {"201": json_of({"type": "object", "properties": {
            "report": {"type": "object"}, "summary": {"type": "string"},
            "facts": {"type": "object", "additionalProperties": FACT_VALUE}, "result": ref("FactsResult")}},
            "Stored"), **errors(400, 401, 403, 404, 405, 413)},
    }},
    "/facts/history": {"get": {
        "operationId": "GetFactsHistory", "summary": "Changes of an entity's facts, newest first.",
        "parameters": [ENTITY_REF, query("key", "Only this fact"),
                       query("limit", "Rows, default 100, at most 1000", {"type": "integer", "minimum": 1}),
                       query("before", "nextBefore of the previous page", {"type": "integer"})],
        "responses": {"200": json_of({"type": "object", "properties": {
            "entityRef": {"type": "string"}, "key": {"type": "string", "nullable": True},
            "items": {"type": "array", "items": ref("FactRecord")},
            "nextBefore": {"type": "integer", "nullable": True}}}), **errors(400, 401, 403, 404, 405)},
    }},
}

OPENAPI = document(
    title="Paved facts API", version="1",
    description="Facts about catalog entities for the scorecards: posted by CI as JSON or as the reports its tools "
                "write (Cobertura, JaCoCo, lcov, SARIF, Trivy, Grype, JUnit, OpenSLO).",
    server="/api", paths=PATHS, schemas=SCHEMAS, responses=RESPONSES,
)
# document() adds /openapi.json at the root; this one is served under /facts.
OPENAPI["paths"]["/facts/openapi.json"] = OPENAPI["paths"].pop("/openapi.json")
