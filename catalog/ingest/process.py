"""Walk a location: read files, follow `kind: Location` entities, resolve placeholders,
validate each document and compute its relations. No database access here: the result is
handed to `catalog.ingest.store`, which writes it in one transaction.

A file whose combined hash (its bytes plus the files its placeholders include) matches the
previous run is not parsed again; its child locations are still followed, from the list
stored with it, because they may have changed on their own.
"""

import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import orjson

from catalog.ingest.readers import ReadError, read_target, resolve_relative
from catalog.lib.flatten import flatten_entity
from catalog.lib.refs import entity_key
from catalog.lib.relations import Edge, entity_relations
from catalog.lib.safe_yaml import YamlError, load_documents
from catalog.lib.validation import FieldError, validate_entity

MANAGED_BY_LOCATION = "backstage.io/managed-by-location"
MANAGED_BY_ORIGIN = "backstage.io/managed-by-origin-location"
SOURCE_LOCATION = "backstage.io/source-location"
ORPHAN = "backstage.io/orphan"
PLACEHOLDERS = {"$text", "$json", "$yaml"}
MAX_FILES = 20_000

Reader = Callable[[str, str], bytes]


@dataclass(slots=True)
class Problem:
    source: str
    message: str
    document: int | None = None
    entity_key: str = ""
    field: str = ""


@dataclass(slots=True)
class Emitted:
    key: str
    body: dict
    source: str
    content_hash: str
    edges: list[Edge]
    search: list[tuple[str, str | None]]


@dataclass(slots=True)
class FileState:
    ref: str
    sha256: str
    targets: list[str]  # child location refs (type:target) from Location entities
    includes: list[str]  # placeholder targets, part of the hash
    entity_count: int = 0
    parsed: bool = True  # False: unchanged since the last run, not parsed again
    failed: bool = False  # could not be read or parsed: keep what it emitted before


@dataclass
class LocationResult:
    entities: dict[str, Emitted] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, FileState] = field(default_factory=dict)
    fatal: str = ""  # the root itself could not be read

    def problems_for(self, source: str) -> list[Problem]:
        return [p for p in self.problems if p.source == source]


def split_ref(ref: str) -> tuple[str, str]:
    location_type, _, target = ref.partition(":")
    return location_type, target


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(body: dict) -> str:
    return _sha(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))


def json_safe(body: dict) -> dict:
    """A JSON-only deep copy: YAML dates become ISO strings and integer keys strings.

    Raises TypeError for values JSON cannot hold (`!!binary`), reported as a field error.
    """
    return orjson.loads(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS))


class _PlaceholderError(Exception):
    pass


def _resolve_placeholders(data, *, file_ref: str, reader: Reader, includes: list[str], path: str = ""):
    """Replace `{$text|$json|$yaml: target}` with the target's content, as Backstage does.

    Other single-`$` keys are left alone (JSON Schema's `$ref`, for instance), like Backstage.
    """
    if isinstance(data, list):
        return [
            _resolve_placeholders(v, file_ref=file_ref, reader=reader, includes=includes, path=f"{path}[{i}]")
            for i, v in enumerate(data)
        ]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        (key, value), = data.items()
        if key in PLACEHOLDERS and isinstance(value, str):
            base_type, base_target = split_ref(file_ref)
            target_type, target = resolve_relative(base_type, base_target, value)
            target_ref = f"{target_type}:{target}"
            try:
                raw = reader(target_type, target)
            except ReadError as exc:
                raise _PlaceholderError(f"{path}: {key} could not read {value!r}: {exc}") from None
            includes.append(target_ref)
            return _decode_placeholder(key, raw, path=path, value=value)
    return {
        k: _resolve_placeholders(v, file_ref=file_ref, reader=reader, includes=includes, path=f"{path}.{k}".lstrip("."))
        for k, v in data.items()
    }


def _decode_placeholder(key: str, raw: bytes, *, path: str, value: str):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _PlaceholderError(f"{path}: {key} {value!r} is not UTF-8 text") from None
    if key == "$text":
        return text
    if key == "$json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise _PlaceholderError(f"{path}: $json {value!r} is not valid JSON: {exc}") from None
    try:
        documents = load_documents(text)
    except YamlError as exc:
        raise _PlaceholderError(f"{path}: $yaml {value!r} is not valid YAML: {exc.message}") from None
    if len(documents) != 1:
        raise _PlaceholderError(f"{path}: $yaml {value!r} must hold exactly one document")
    return documents[0].data


def root_location_entity(location_type: str, target: str) -> dict:
    """The Location entity Backstage generates for every registered location."""
    ref = f"{location_type}:{target}"
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Location",
        "metadata": {
            "name": "generated-" + hashlib.sha1(ref.encode()).hexdigest(),
            "namespace": "default",
            "annotations": {MANAGED_BY_LOCATION: ref, MANAGED_BY_ORIGIN: ref},
        },
        "spec": {"type": location_type, "target": target},
    }


def _annotate(body: dict, *, file_ref: str, origin_ref: str) -> None:
    metadata = body["metadata"]
    metadata.setdefault("namespace", "default")
    annotations = dict(metadata.get("annotations") or {})
    annotations[MANAGED_BY_LOCATION] = file_ref
    annotations[MANAGED_BY_ORIGIN] = origin_ref
    location_type, target = split_ref(file_ref)
    if location_type == "url" and SOURCE_LOCATION not in annotations:
        annotations[SOURCE_LOCATION] = "url:" + target.rsplit("/", 1)[0] + "/"
    annotations.pop(ORPHAN, None)
    metadata["annotations"] = annotations
    for computed in ("uid", "etag", "generation"):
        metadata.pop(computed, None)
    body.pop("relations", None)
    body.pop("status", None)


def emit_entity(body: dict, *, source: str) -> tuple[Emitted | None, list[FieldError]]:
    """Validate an annotated entity and compute what the store needs; errors if invalid."""
    try:
        body = json_safe(body)
    except (TypeError, orjson.JSONEncodeError) as exc:
        return None, [FieldError("", f"holds a value JSON cannot represent ({exc}); use plain strings")]
    errors = validate_entity(body)
    if errors:
        return None, errors
    metadata = body["metadata"]
    kind = body["kind"].lower()
    namespace = metadata.get("namespace", "default")
    key = entity_key(kind, namespace, metadata["name"])
    edges, ref_problems = entity_relations(kind=kind, namespace=namespace, self_key=key, spec=body.get("spec") or {})
    if ref_problems:
        return None, [FieldError(p.split(":", 1)[0], p.split(":", 1)[1].strip()) for p in ref_problems]
    edges = list(dict.fromkeys(edges))  # `dependsOn: [a, a]` is one relation
    return Emitted(key, body, source, content_hash(body), edges, flatten_entity(body)), []


def _document_key(data) -> str:
    """Best-effort identity of an invalid document, to pin its error on a stored entity."""
    try:
        metadata = data["metadata"]
        return entity_key(str(data["kind"]), str(metadata.get("namespace") or "default"), str(metadata["name"]))
    except (KeyError, TypeError, AttributeError):
        return ""


def location_targets(body: dict, file_ref: str) -> list[str]:
    """The files a Location entity points at, as location refs resolved against its own file."""
    spec = body.get("spec") or {}
    base_type, base_target = split_ref(file_ref)
    location_type = spec.get("type") or base_type
    targets = [spec["target"]] if isinstance(spec.get("target"), str) else []
    targets += [t for t in spec.get("targets") or [] if isinstance(t, str)]
    refs = []
    for target in targets:
        if location_type != base_type and location_type in ("file", "url"):
            refs.append(f"{location_type}:{target}")
        else:
            refs.append("{}:{}".format(*resolve_relative(base_type, base_target, target)))
    return refs


def process_location(
    location_type: str,
    target: str,
    *,
    previous: dict[str, tuple[str, list[str], list[str]]] | None = None,
    reader: Reader = read_target,
) -> LocationResult:
    """Read everything a registered location points at.

    `previous` maps file ref -> (hash, child targets, includes) from the last run; files
    whose hash is unchanged are marked `parsed=False` and not parsed again. Files are read
    level by level (a Location's targets form the next level), in parallel when there are
    many; results are merged in a fixed order so "first one wins" does not depend on timing.
    """
    previous = previous or {}
    origin_ref = f"{location_type}:{target}"
    result = LocationResult()
    root = root_location_entity(location_type, target)
    emitted, _ = emit_entity(root, source=origin_ref)
    result.entities[emitted.key] = emitted

    level = [origin_ref]
    while level:
        batch = []
        for file_ref in dict.fromkeys(level):
            if file_ref in result.files or file_ref in batch:
                continue  # a Location that points back at a file already read
            if len(result.files) + len(batch) >= MAX_FILES:
                result.problems.append(Problem(file_ref, f"more than {MAX_FILES} files under one location; stopped"))
                break
            batch.append(file_ref)
        level = []
        for file_ref, outcome in zip(batch, _read_files(batch, previous, reader, origin_ref), strict=True):
            _merge(outcome, result)
            if outcome.state.failed and file_ref == origin_ref:
                result.fatal = outcome.problems[-1].message
            level.extend(outcome.state.targets)
    return result


@dataclass(slots=True)
class FileOutcome:
    state: FileState
    problems: list[Problem]
    entities: list[Emitted]


PARALLEL_MIN_FILES = 16


def _read_files(batch: list[str], previous: dict, reader: Reader, origin_ref: str) -> list[FileOutcome]:
    jobs = [(ref, previous.get(ref), origin_ref) for ref in batch]
    # Parsing is CPU-bound Python: a big import uses every core. Not inside daemonic
    # processes (Celery's prefork children may not fork), and only with the real reader
    # (test readers are closures that do not cross a process boundary).
    if len(batch) >= PARALLEL_MIN_FILES and reader is read_target and not multiprocessing.current_process().daemon:
        workers = min(os.cpu_count() or 1, 8)
        if workers > 1:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                packed = pool.map(_read_file_job, jobs, chunksize=max(1, len(jobs) // (workers * 4)))
                return [_unpack(outcome) for outcome in packed]
    return [_read_file(ref, previous=prev, reader=reader, origin_ref=origin) for ref, prev, origin in jobs]


def _read_file_job(job) -> tuple[FileState, list[Problem], bytes]:
    """Runs in a pool process. Entities travel back as one JSON document: pickling thousands
    of small dicts and unpickling them cost as much as parsing them in the first place."""
    file_ref, previous, origin_ref = job
    outcome = _read_file(file_ref, previous=previous, reader=read_target, origin_ref=origin_ref)
    packed = orjson.dumps([
        [em.key, em.body, em.source, em.content_hash, [[e.source, e.type, e.target] for e in em.edges], em.search]
        for em in outcome.entities
    ])
    return outcome.state, outcome.problems, packed


def _unpack(packed: tuple[FileState, list[Problem], bytes]) -> FileOutcome:
    state, problems, data = packed
    entities = [
        Emitted(key, body, source, chash, [Edge(*edge) for edge in edges], [tuple(row) for row in search])
        for key, body, source, chash, edges, search in orjson.loads(data)
    ]
    return FileOutcome(state, problems, entities)


def _merge(outcome: FileOutcome, result: LocationResult) -> None:
    state = outcome.state
    result.files[state.ref] = state
    result.problems.extend(outcome.problems)
    for emitted in outcome.entities:
        if emitted.key in result.entities:
            state.entity_count -= 1
            result.problems.append(Problem(
                state.ref, f"{emitted.key} is emitted twice in this location (first by "
                f"{result.entities[emitted.key].source}); the first one is kept", entity_key=emitted.key,
            ))
            continue
        result.entities[emitted.key] = emitted


def _failed_state(file_ref: str, previous) -> FileState:
    # Keep following the child locations it had, so their entities are not orphaned by it.
    return FileState(file_ref, "", list(previous[1]) if previous else [], [], failed=True)


def _read_file(file_ref, *, previous, reader: Reader, origin_ref: str) -> FileOutcome:
    problems: list[Problem] = []
    file_type, file_target = split_ref(file_ref)
    try:
        raw = reader(file_type, file_target)
    except ReadError as exc:
        problems.append(Problem(file_ref, str(exc)))
        return FileOutcome(_failed_state(file_ref, previous), problems, [])
    if previous:
        old_hash, old_targets, old_includes = previous
        if _combined_hash(raw, old_includes, reader) == old_hash:
            unchanged = FileState(file_ref, old_hash, list(old_targets), list(old_includes), parsed=False)
            return FileOutcome(unchanged, [], [])
    try:
        documents = load_documents(raw)
    except YamlError as exc:
        where = f" at line {exc.line}" if exc.line else ""
        problems.append(Problem(file_ref, f"{exc.message}{where}", document=exc.document))
        return FileOutcome(_failed_state(file_ref, previous), problems, [])
    state = FileState(file_ref, "", [], [])
    entities: list[Emitted] = []
    # Walking every document for placeholders costs a fifth of a big import; skip files without any.
    has_placeholders = any(marker in raw for marker in (b"$text", b"$json", b"$yaml"))
    for document in documents:
        emitted = _emit_document(document, file_ref=file_ref, state=state, reader=reader, problems=problems,
                                 origin_ref=origin_ref, has_placeholders=has_placeholders)
        if emitted is not None:
            entities.append(emitted)
    state.sha256 = _combined_hash(raw, state.includes, reader)
    return FileOutcome(state, problems, entities)


def _emit_document(document, *, file_ref, state: FileState, reader: Reader, problems: list[Problem],
                   origin_ref: str, has_placeholders: bool = True) -> Emitted | None:
    data = document.data
    key = _document_key(data)

    def problem(message: str, field_name: str = "") -> None:
        problems.append(Problem(file_ref, message, document=document.index, entity_key=key, field=field_name))

    if not isinstance(data, dict):
        problem(f"document {document.index} (line {document.line}): expected an entity mapping, "
                f"got {type(data).__name__}")
        return None
    try:
        if has_placeholders:
            data = _resolve_placeholders(data, file_ref=file_ref, reader=reader, includes=state.includes)
    except _PlaceholderError as exc:
        problem(str(exc))
        return None
    if isinstance(data.get("metadata"), dict):
        _annotate(data, file_ref=file_ref, origin_ref=origin_ref)
    emitted, errors = emit_entity(data, source=file_ref)
    if errors:
        for error in errors:
            problem(f"document {document.index} (line {document.line}): {error}", error.field)
        return None
    state.entity_count += 1
    if emitted.body["kind"].lower() == "location":
        state.targets.extend(location_targets(emitted.body, file_ref))
    return emitted


def _combined_hash(raw: bytes, includes: list[str], reader: Reader) -> str:
    digest = hashlib.sha256(raw)
    for include in includes:
        include_type, include_target = split_ref(include)
        try:
            digest.update(include.encode() + b"\0" + reader(include_type, include_target))
        except ReadError:
            digest.update(include.encode() + b"\0<unreadable>")
    return digest.hexdigest()
