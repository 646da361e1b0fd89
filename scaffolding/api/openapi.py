"""The OpenAPI 3 description of the scaffolder API, served at GET /api/scaffolder/v2/openapi.json."""

from core.openapi import body, document, errors, json_of, path, query, ref

OBJECT = {"type": "object", "additionalProperties": True}
STRING = {"type": "string"}
STATUS = {"type": "string", "enum": ["open", "processing", "completed", "failed", "cancelled"]}
TASK_ID = path("taskId", "The task's id (a UUID).")
AFTER = {"name": "after", "in": "query", "description": "Only events with a larger id.",
         "schema": {"type": "integer", "minimum": 0}}

SCHEMAS = {
    "Action": {"type": "object", "required": ["id", "schema"], "properties": {
        "id": STRING, "description": STRING, "examples": {"type": "array", "items": OBJECT},
        "schema": {"type": "object", "properties": {"input": OBJECT, "output": OBJECT}}}},
    "TaskStep": {"type": "object", "required": ["id", "name", "action"], "additionalProperties": True,
                 "properties": {"id": STRING, "name": STRING, "action": STRING, "input": OBJECT,
                                "if": {"oneOf": [STRING, {"type": "boolean"}]}, "each": {}}},
    "TaskSpec": {"type": "object", "required": ["apiVersion", "steps", "output", "parameters"], "properties": {
        "apiVersion": {"type": "string", "enum": ["scaffolder.backstage.io/v1beta3"]},
        "steps": {"type": "array", "items": ref("TaskStep")}, "output": OBJECT, "parameters": OBJECT,
        "templateInfo": {"type": "object", "properties": {"entityRef": STRING, "baseUrl": STRING,
                                                          "entity": {"type": "object",
                                                                     "properties": {"metadata": OBJECT}}}},
        "user": {"type": "object", "properties": {"ref": {"type": "string", "nullable": True},
                                                  "entity": OBJECT}}}},
    "Task": {"type": "object", "required": ["id", "spec", "status", "createdAt"], "properties": {
        "id": {"type": "string", "format": "uuid"}, "spec": ref("TaskSpec"), "status": STATUS,
        "createdAt": {"type": "string", "format": "date-time"},
        "lastHeartbeatAt": {"type": "string", "format": "date-time", "nullable": True},
        "createdBy": {"type": "string", "nullable": True}}},
    "TaskEvent": {"type": "object", "required": ["id", "taskId", "body", "type", "createdAt"], "properties": {
        "id": {"type": "integer"}, "taskId": {"type": "string", "format": "uuid"},
        "body": {"type": "object", "additionalProperties": True,
                 "properties": {"message": STRING, "stepId": STRING, "status": STRING}},
        "type": {"type": "string", "enum": ["log", "completion", "cancelled", "recovered"]},
        "createdAt": {"type": "string", "format": "date-time"}}},
    "ValidationErrors": {"type": "object", "required": ["errors"], "properties": {"errors": {
        "type": "array", "items": {"type": "object", "required": ["property", "message", "stack"], "properties": {
            "property": {"type": "string", "description": "e.g. `instance.name`"}, "message": STRING,
            "name": {"type": "string", "description": "The JSON Schema keyword that failed."},
            "argument": {}, "stack": STRING,
            "step": {"type": "integer", "description": "Paved: the parameter step (form page), from 0."},
            "field": {"type": "string", "description": "Paved: the field's dotted path."}}}}}},
    "File": {"type": "object", "required": ["path", "base64Content"], "properties": {
        "path": STRING, "base64Content": {"type": "string", "format": "byte"}, "executable": {"type": "boolean"}}},
    "Error": {"type": "object", "required": ["error", "response"], "properties": {
        "error": {"type": "object", "required": ["name", "message"], "properties": {"name": STRING, "message": STRING}},
        "request": {"type": "object", "nullable": True,
                    "properties": {"method": STRING, "url": STRING}},
        "response": {"type": "object", "properties": {"statusCode": {"type": "integer"}}}}},
}
RESPONSES = {
    f"Error{code}": json_of(ref("Error"), text)
    for code, text in [(400, "Invalid input (InputError)"), (401, "No or invalid credentials (AuthenticationError)"),
                       (403, "Not the task's creator or staff, or a failed CSRF check (NotAllowedError)"),
                       (404, "No such template or task (NotFoundError)"),
                       (409, "The task is not in a state that allows this (ConflictError)"),
                       (413, "The request body is too large (PayloadTooLargeError)"),
                       (503, "No worker finished the dry run in time (ServiceUnavailableError)")]
}
PATHS = {
    "/templates/{namespace}/{kind}/{name}/parameter-schema": {"get": {
        "operationId": "GetTemplateParameterSchema",
        "summary": "The template's parameter steps, one JSON Schema per form page.",
        "parameters": [path("namespace", "Template namespace"), path("kind", "Always `template`"),
                       path("name", "Template name")],
        "responses": {"200": json_of({"type": "object", "required": ["title", "steps"], "properties": {
            "title": STRING, "description": STRING, "steps": {"type": "array", "items": {
                "type": "object", "properties": {"title": STRING, "description": STRING, "schema": OBJECT}}}}}),
            **errors(400, 401, 404)},
    }},
    "/actions": {"get": {"operationId": "ListActions", "summary": "The installed actions and their schemas.",
                         "responses": {"200": json_of({"type": "array", "items": ref("Action")}), **errors(401)}}},
    "/tasks": {
        "get": {
            "operationId": "ListTasks", "summary": "Tasks, newest first.",
            "parameters": [query("createdBy", "User entity refs of the creators.", STRING, repeat=True),
                           query("status", "Task statuses.", STATUS, repeat=True),
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                                       "maximum": 1000, "default": 1000}},
                           {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": json_of({"type": "object", "required": ["tasks", "totalTasks"], "properties": {
                "tasks": {"type": "array", "items": ref("Task")}, "totalTasks": {"type": "integer"}}}),
                **errors(400, 401)},
        },
        "post": {
            "operationId": "CreateTask", "summary": "Run a template with these answers; a worker picks it up.",
            "requestBody": body({"type": "object", "required": ["templateRef"], "properties": {
                "templateRef": {"type": "string", "example": "template:default/backend-service"},
                "values": OBJECT, "secrets": {"type": "object", "additionalProperties": STRING}}}),
            "responses": {"201": json_of({"type": "object", "properties": {"id": {"type": "string",
                                                                               "format": "uuid"}}}, "Created"),
                          "400": json_of({"oneOf": [ref("ValidationErrors"), ref("Error")]},
                                       "Values that fail the parameter schemas, or a malformed body"),
                          **errors(401, 403, 404, 413)},
        },
    },
    "/tasks/{taskId}": {"get": {"operationId": "GetTask", "summary": "The task, without its secrets.",
                                "parameters": [TASK_ID],
                                "responses": {"200": json_of(ref("Task")), **errors(401, 404)}}},
    "/tasks/{taskId}/events": {"get": {
        "operationId": "ListTaskEvents",
        "summary": "Events after `after`; waits up to 30 s for one while the task is running.",
        "parameters": [TASK_ID, AFTER],
        "responses": {"200": json_of({"type": "array", "items": ref("TaskEvent")}), **errors(400, 401, 404)},
    }},
    "/tasks/{taskId}/eventstream": {"get": {
        "operationId": "StreamTaskEvents",
        "summary": "Server-sent events (`event: <type>`, `data: <TaskEvent>`) until the task finishes.",
        "parameters": [TASK_ID, AFTER, {"name": "Last-Event-ID", "in": "header", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "An event stream",
                              "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                      **errors(400, 401, 404)},
    }},
    "/tasks/{taskId}/cancel": {"post": {
        "operationId": "CancelTask", "parameters": [TASK_ID],
        "responses": {"200": json_of({"type": "object", "properties": {"status": {"type": "string",
                                                                                "enum": ["cancelled"]}}}),
                      **errors(401, 403, 404, 409)},
    }},
    "/tasks/{taskId}/retry": {"post": {
        "operationId": "RetryTask", "summary": "Run a failed or cancelled task again from the step that failed.",
        "parameters": [TASK_ID],
        "responses": {"201": json_of({"type": "object", "properties": {"id": STRING}}, "Queued again"),
                      **errors(401, 403, 404, 409)},
    }},
    "/dry-run": {"post": {
        "operationId": "DryRun", "summary": "Run a template given inline without side effects; waits for the result.",
        "requestBody": body({"type": "object", "required": ["template", "values", "directoryContents"],
                              "properties": {"template": OBJECT, "values": OBJECT,
                                             "secrets": {"type": "object", "additionalProperties": STRING},
                                             "directoryContents": {"type": "array", "items": ref("File")}}}),
        "responses": {"200": json_of({"type": "object", "properties": {
            "log": {"type": "array", "items": {"type": "object", "properties": {"body": OBJECT}}},
            "directoryContents": {"type": "array", "items": ref("File")}, "output": OBJECT,
            "steps": {"type": "array", "items": ref("TaskStep")}, "status": STATUS, "error": STRING}}),
            "400": json_of({"oneOf": [ref("ValidationErrors"), ref("Error")]}, "Invalid values or template"),
            **errors(401, 403, 413, 503)},
    }},
}
OPENAPI = document(title="Paved scaffolder API", version="2",
                   description="Backstage's scaffolder REST API (v2), as served by Paved.",
                   server="/api/scaffolder/v2", paths=PATHS, schemas=SCHEMAS, responses=RESPONSES)
