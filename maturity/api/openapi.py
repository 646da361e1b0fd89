"""The OpenAPI 3 description of the maturity API, served at GET /api/maturity/openapi.json."""

from core.openapi import document, errors, json_of, query, ref

NUMBER = {"type": "number", "nullable": True}
LEVEL = {"type": "integer", "minimum": 0, "maximum": 3, "nullable": True}
SCHEMAS = {
    "Dimension": {
        "type": "object",
        "required": ["key", "title", "unit", "value", "level", "source", "thresholds"],
        "properties": {
            "key": {"type": "string"}, "title": {"type": "string"},
            "unit": {"type": "string", "enum": ["percent", "hours", "days"]},
            "value": NUMBER, "level": LEVEL,
            "source": {"type": "string", "enum": ["computed", "answered", "none"]},
            "evidence": {"type": "string"}, "needs": {"type": "string", "description": "What data is missing."},
            "links": {"type": "array", "items": {"type": "object", "properties": {
                "label": {"type": "string"}, "url": {"type": "string"}}}},
            "thresholds": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3,
                           "description": "The values Level 1, 2 and 3 need."},
            "thresholdsCustom": {"type": "boolean"},
            "answeredBy": {"type": "string", "nullable": True},
            "answeredAt": {"type": "string", "format": "date-time", "nullable": True},
        },
    },
    "Assessment": {
        "type": "object", "required": ["level", "dimensions"],
        "properties": {
            "teamRef": {"type": "string", "nullable": True}, "computedAt": {"type": "string", "format": "date-time"},
            "level": LEVEL, "levelName": {"type": "string"}, "howYouKnow": {"type": "string"},
            "toReachNext": {"type": "array", "items": {"type": "string"}}, "scored": {"type": "integer"},
            "provisional": {"type": "boolean", "description": "Some dimensions are not scored yet."},
            "dimensions": {"type": "array", "items": ref("Dimension")},
            "painPoints": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["survey", "theme", "check"]}, "title": {"type": "string"},
                "detail": {"type": "string"}, "change": NUMBER}}},
            "themes": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "count": {"type": "integer"}}}},
        },
    },
    "Error": {"type": "object", "required": ["error", "response"], "properties": {
        "error": {"type": "object", "properties": {"name": {"type": "string"}, "message": {"type": "string"}}},
        "response": {"type": "object", "properties": {"statusCode": {"type": "integer"}}}}},
}
RESPONSES = {f"Error{code}": json_of(ref("Error"), text) for code, text in [
    (400, "Invalid input (InputError)"), (401, "No or invalid credentials (AuthenticationError)"),
    (403, "Not allowed (NotAllowedError)"), (405, "Method not allowed (NotAllowedError)")]}
PATHS = {
    "/assessment": {"get": {
        "operationId": "GetAssessment",
        "summary": "The platform maturity assessment: eight dimensions scored 0–3 with evidence, the overall level "
                   "and the top pain points (organisation, or one team).",
        "parameters": [query("team", "A catalog Group ref that owns components, e.g. group:default/team-a.")],
        "responses": {"200": json_of(ref("Assessment")), **errors(400, 401, 403, 405)},
    }},
}
OPENAPI = document(title="Paved maturity API", version="1",
                   description="The platform maturity assessment (read-only).", server="/api/maturity",
                   paths=PATHS, schemas=SCHEMAS, responses=RESPONSES)
