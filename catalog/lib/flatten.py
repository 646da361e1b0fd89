"""Flatten an entity into (key, value) pairs the way Backstage's search table does.

`spec.providesApis` = ["a", "b"] gives two rows with the same key, so a filter on a
dotted path matches any element of an array. Values are lower case; values longer than
200 characters are indexed by key only (so "exists" filters still work on them).

Left out, because an indexed column or table answers them: `kind` (Entity.kind),
`metadata.uid` (Entity.uid) and `relations.*` (the Relation table, which also holds the
relations other entities point at this one). Every row costs index upkeep on import.
"""

MAX_KEY = 200
MAX_VALUE = 200
SKIP_KEYS = {"kind", "metadata.uid", "metadata.etag", "metadata.generation"}


def flatten_entity(body: dict) -> list[tuple[str, str | None]]:
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
    return list(dict.fromkeys(rows))
