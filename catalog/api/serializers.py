"""Build JSON responses from the stored `Entity.final` text without parsing it.

Only a `fields` projection needs the parsed entity; otherwise the stored strings are joined.
"""

import json
from collections.abc import Iterable

_MISSING = object()


def project(entity: dict, fields: list[str]) -> dict:
    """Keep only the dotted paths in `fields`: `metadata.name,kind` -> {kind, metadata: {name}}."""
    out: dict = {}
    for path in fields:
        parts = path.split(".")
        value = entity
        for part in parts:
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
            if value is _MISSING:
                break
        if value is _MISSING:
            continue
        target = out
        for part in parts[:-1]:
            nested = target.get(part)
            if not isinstance(nested, dict):
                nested = target[part] = {}
            target = nested
        target[parts[-1]] = value
    return out


def entity_text(final: str, fields: list[str]) -> str:
    if not fields:
        return final
    return json.dumps(project(json.loads(final), fields), ensure_ascii=False, separators=(",", ":"))


def entities_text(finals: Iterable[str | None], fields: list[str]) -> str:
    """A JSON array of entities; None becomes null (by-refs)."""
    return "[" + ",".join("null" if f is None else entity_text(f, fields) for f in finals) + "]"


def entities_stream(finals: Iterable[str], fields: list[str], *, batch: int = 200):
    """The same array, in chunks, for unpaginated GET /entities."""
    yield "["
    chunk, first = [], True
    for final in finals:
        chunk.append(entity_text(final, fields))
        if len(chunk) >= batch:
            yield ("" if first else ",") + ",".join(chunk)
            chunk, first = [], False
    if chunk:
        yield ("" if first else ",") + ",".join(chunk)
    yield "]"


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
