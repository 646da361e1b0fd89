"""Flatten an entity into (key, value) pairs the way Backstage's search table does.

`spec.providesApis` = ["a", "b"] gives two rows with the same key, so a filter on a
dotted path matches any element of an array. Values are lower case; values longer than
200 characters are indexed by key only (so "exists" filters still work on them).
"""

MAX_KEY = 200
MAX_VALUE = 200
SKIP_KEYS = {"metadata.uid", "metadata.etag", "metadata.generation"}


def flatten_entity(body: dict, relations: list[tuple[str, str]]) -> list[tuple[str, str | None]]:
    rows: list[tuple[str, str | None]] = []
    stack: list[tuple[str, object]] = [(k, v) for k, v in body.items() if k not in ("relations", "status")]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{key}.{k}", v) for k, v in value.items())
            continue
        if isinstance(value, list):
            stack.extend((key, v) for v in value if not isinstance(v, list))
            continue
        key = key.lower()
        if len(key) > MAX_KEY or key in SKIP_KEYS:
            continue
        if value is None:
            text = None
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value).lower()
            if len(text) > MAX_VALUE:
                text = None
        rows.append((key, text))
    for relation_type, target in relations:
        rows.append((f"relations.{relation_type.lower()}", target))
    return list(dict.fromkeys(rows))
