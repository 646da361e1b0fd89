"""Example values from a JSON Schema, for the outputs of actions skipped in a dry run.

Backstage's dry run does the same (generateExampleOutput): later steps that read
`steps.x.output.remoteUrl` still get a value of the right type.
"""

from typing import Any

MAX_DEPTH = 6


def example_from_schema(schema: Any, depth: int = 0) -> Any:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    for key in ("examples", "example", "default", "const"):
        if key in schema:
            value = schema[key]
            return value[0] if key == "examples" and isinstance(value, list) and value else value
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        return {name: example_from_schema(sub, depth + 1) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        item = example_from_schema(schema.get("items"), depth + 1)
        return [] if item is None else [item]
    return {"string": "example", "integer": 0, "number": 0, "boolean": False}.get(kind)
