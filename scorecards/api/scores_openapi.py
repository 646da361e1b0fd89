"""The OpenAPI 3 description of the scores API, served at GET /api/scorecards/openapi.json."""

from core.openapi import document, errors, json_of, path, query, ref

PAGING = [query("offset", "Rows to skip.", {"type": "integer", "minimum": 0}),
          query("limit", "Rows to return (1-500, default 50).", {"type": "integer", "minimum": 1, "maximum": 500})]
WEEKS = query("weeks", "Weeks of history (1-104, default 12), the last one the current week.",
              {"type": "integer", "minimum": 1, "maximum": 104})
SERIES = {"type": "array", "items": {"type": "number", "nullable": True},
          "description": "Average score per week, null where nothing was scored."}

SCHEMAS = {
    "Score": {"type": "object", "properties": {
        "entityRef": {"type": "string"}, "name": {"type": "string"}, "owner": {"type": "string", "nullable": True},
        "points": {"type": "number"}, "grade": {"type": "string"}, "level": {"type": "string", "nullable": True},
        "capped": {"type": "boolean"}, "missing": {"type": "array", "items": {"type": "string"}},
        "computedAt": {"type": "string", "format": "date-time"},
        "line": {"type": "string", "example": "search-service: B (78/100) Missing: runbook, cost labels"}}},
    "Scorecard": {"type": "object", "properties": {
        "slug": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "appliesTo": {"type": "string"}, "levels": {"type": "array", "items": {"type": "string"}},
        "grades": {"type": "object", "additionalProperties": {"type": "integer"}}, "total": {"type": "integer"},
        "computedAt": {"type": "string", "format": "date-time", "nullable": True}}},
    "Error": {"type": "object", "required": ["error", "response"], "properties": {
        "error": {"type": "object", "required": ["name", "message"],
                  "properties": {"name": {"type": "string"}, "message": {"type": "string"}}},
        "request": {"type": "object", "nullable": True},
        "response": {"type": "object", "properties": {"statusCode": {"type": "integer"}}}}},
}
RESPONSES = {f"Error{code}": json_of(ref("Error"), text) for code, text in [
    (400, "Invalid input, naming the parameter (InputError)"), (401, "No or invalid credentials"),
    (403, "scorecards.scorecard.read is not granted (NotAllowedError)"), (404, "No such scorecard or entity")]}

PATHS = {
    "/scorecards": {"get": {"operationId": "ListScorecards", "summary": "Scorecards with their grade distribution.",
                            "responses": {"200": json_of({"type": "object", "properties": {
                                "items": {"type": "array", "items": ref("Scorecard")}}}), **errors(401, 403)}}},
    "/scorecards/{slug}/scores": {"get": {
        "operationId": "ListScores", "summary": "One scorecard's scores, filtered, sorted and paged.",
        "parameters": [path("slug", "The scorecard's name."), query("owner", "A team ref, e.g. group:default/team-a."),
                       query("grade", "A letter grade."), query("failing", "A check key: entities failing it."),
                       query("q", "Text in the entity's name."),
                       query("sort", "name, owner, score, grade or level; a leading - reverses."), *PAGING],
        "responses": {"200": json_of({"type": "object", "properties": {
            "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
            "nextOffset": {"type": "integer", "nullable": True},
            "items": {"type": "array", "items": ref("Score")}}}), **errors(400, 401, 403, 404)}}},
    "/scorecards/by-entity/{kind}/{namespace}/{name}": {"get": {
        "operationId": "EntityScores", "summary": "An entity's scores with each check and weekly history.",
        "parameters": [path("kind", "Entity kind."), path("namespace", "Namespace."), path("name", "Name."), WEEKS],
        "responses": {"200": json_of({"type": "object"}), **errors(400, 401, 403, 404)}}},
    "/scorecards/{slug}/teams/{namespace}/{name}": {"get": {
        "operationId": "TeamRollup", "summary": "A team's grade distribution, worst checks and trends.",
        "parameters": [path("slug", "The scorecard's name."), path("namespace", "The group's namespace."),
                       path("name", "The group's name.")],
        "responses": {"200": json_of({"type": "object", "properties": {
            "teamTrend": SERIES, "orgTrend": SERIES}}), **errors(401, 403, 404)}}},
    "/scorecards/{slug}/history": {"get": {
        "operationId": "ScoreHistory", "summary": "Average score per week: organisation, a team or an entity.",
        "parameters": [path("slug", "The scorecard's name."), query("owner", "A team ref."),
                       query("entityRef", "An entity ref (not with owner)."), WEEKS],
        "responses": {"200": json_of({"type": "object"}), **errors(400, 401, 403, 404)}}},
}

OPENAPI = document(title="Paved scorecards API", version="1.0.0",
                   description="Scorecards, scores, team roll-ups and history for dashboards.",
                   server="/api", paths=PATHS, schemas=SCHEMAS, responses=RESPONSES)
