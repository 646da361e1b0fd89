"""Sample answers for a template's parameter schema, for dry runs of real templates in tests.

Defaults and enums first, then a value of the right type; strings with a pattern try a few
candidates until one matches. Pickers get values in the form Backstage stores.
"""

import re

from django.conf import settings

STRING_CANDIDATES = ["example-service", "example", "exampleservice", "abc", "Example", "example.com", "a1",
                     "com.example", "1.0.0", "v1", "EXAMPLE", "ex"]
PICKER_VALUES = {
    "EntityPicker": "component:default/example",
    "OwnerPicker": "group:default/team-payments",
    "OwnedEntityPicker": "component:default/example",
    "MyGroupsPicker": "group:default/team-payments",
    "EntityNamePicker": "example-service",
}


def _string(prop: dict) -> str:
    field = prop.get("ui:field")
    if field == "RepoUrlPicker":
        hosts = (prop.get("ui:options") or {}).get("allowedHosts") or [settings.PAVED_GIT_HOST]
        owners = (prop.get("ui:options") or {}).get("allowedOwners") or ["acme"]
        return f"{hosts[0]}?owner={owners[0]}&repo=example-service"
    if field in PICKER_VALUES:
        return PICKER_VALUES[field]
    pattern = prop.get("pattern")
    min_length = prop.get("minLength", 0)
    for candidate in STRING_CANDIDATES:
        if len(candidate) < min_length or len(candidate) > prop.get("maxLength", 10_000):
            continue
        if pattern is None or re.search(pattern, candidate):
            return candidate
    return "x" * max(min_length, 1)


def sample_value(prop: dict):
    if not isinstance(prop, dict):
        return "example"
    if "default" in prop:
        return prop["default"]
    if prop.get("enum"):
        return prop["enum"][0]
    kind = prop.get("type", "string")
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return prop.get("minimum", 1)
    if kind == "array":
        if prop.get("ui:field") == "EntityTagsPicker":
            return ["example"]
        items = prop.get("items") or {}
        if items.get("enum"):
            return [items["enum"][0]]
        return [sample_value(items)] if prop.get("minItems") else []
    if kind == "object":
        return sample_values(prop)
    return _string(prop)


def sample_values(schema: dict) -> dict:
    values = {}
    for name, prop in (schema.get("properties") or {}).items():
        values[name] = sample_value(prop)
    return values
