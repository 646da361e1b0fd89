"""Scorecard files: read untrusted YAML, validate it, and normalise it for the scoring engine.

The envelope follows Backstage's:

    apiVersion: paved.dev/v1
    kind: Scorecard
    metadata: {name, title, description}
    spec:
      appliesTo: kind=component,spec.type=service      # the catalog's filter language
      facts: [custom.fact]                             # extra JSON facts CI posts (optional)
      grades: {A: 90, B: 75, C: 60, D: 40}             # optional; F is everything below
      requiredCap: C                                   # best grade when a required check fails
      categories:
        - key, title, weight (points of 100), required (bool)
          checks: [{key, title, expr, weight, partial, missing, fix: {text, url}}]
      levels: [{key, title, checks: [...], minScore}]  # lowest first

Every error names the file, the line and the field (`service.yaml:14: spec.categories[2].weight:
...`); a file with any error yields no definition at all, so nothing half-valid is stored.
"""

import re
from dataclasses import dataclass

import yaml

from catalog.lib.safe_yaml import YamlError, load_documents
from scorecards.lib import expressions
from scorecards.lib.facts_vocabulary import FACT_KEY, fact_known

API_VERSIONS = ("paved.dev/v1", "paved.dev/v1alpha1")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
DEFAULT_GRADES = [["A", 90], ["B", 75], ["C", 60], ["D", 40]]
GRADE = re.compile(r"^[A-Z][+-]?$")
MAX_CATEGORIES = 30
MAX_CHECKS = 200
MAX_LEVELS = 10
MAX_TEXT = 2000


class DefinitionError(ValueError):
    """The file cannot be used; `errors` lists every problem as (line, field, message)."""

    def __init__(self, filename: str, errors: list[tuple[int | None, str, str]]):
        self.filename = filename
        self.errors = errors
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        out = []
        for line, field, message in self.errors:
            where = f"{self.filename}:{line}" if line else self.filename
            out.append(f"{where}: {field}: {message}" if field else f"{where}: {message}")
        return out


@dataclass
class _Lines:
    """Line numbers of the YAML nodes, by field path, from libyaml's node graph."""

    by_path: dict[tuple, int]
    start: int

    def of(self, *path) -> int:
        while path:
            if path in self.by_path:
                return self.by_path[path]
            path = path[:-1]
        return self.start


def _line_map(raw: bytes, start: int) -> _Lines:
    by_path: dict[tuple, int] = {}
    try:
        root = yaml.compose(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:  # pragma: no cover - load_documents read it already
        return _Lines(by_path, start)
    stack = [((), root)]
    seen = 0
    while stack and seen < 50_000:  # load_documents bounded the size; this only guards the walk
        path, node = stack.pop()
        seen += 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*path, str(key_node.value))
                by_path.setdefault(child, key_node.start_mark.line + 1)
                stack.append((child, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                by_path.setdefault(child, item.start_mark.line + 1)
                stack.append((child, item))
    return _Lines(by_path, start)


def _field(*path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Validator:
    def __init__(self, filename: str, lines: _Lines):
        self.filename = filename
        self.lines = lines
        self.errors: list[tuple[int | None, str, str]] = []

    def error(self, path: tuple, message: str) -> None:
        self.errors.append((self.lines.of(*path), _field(*path), message))

    def text(self, data: dict, path: tuple, key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error((*path, key), "is required")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error((*path, key), f"expected a string, found {type(value).__name__}")
            return ""
        value = str(value).strip()
        if len(value) > limit:
            self.error((*path, key), f"longer than {limit} characters")
            return ""
        if required and not value:
            self.error((*path, key), "is required")
        return value

    def number(self, data: dict, path: tuple, key: str, *, default: float | None = None) -> float | None:
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error((*path, key), f"expected a number, found {value!r}")
            return None
        if value < 0 or value > 100:
            self.error((*path, key), f"expected a number between 0 and 100, found {value}")
            return None
        return value

    def mapping(self, value, path: tuple) -> dict:
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, found {type(value).__name__}")
            return {}
        return value

    def sequence(self, value, path: tuple, *, limit: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"expected a list, found {type(value).__name__}")
            return []
        if len(value) > limit:
            self.error(path, f"at most {limit} entries are accepted, found {len(value)}")
            return value[:limit]
        return value

    def expression(self, source: str, path: tuple, extra: set[str]) -> str:
        try:
            tree = expressions.parse(source)
        except expressions.ExpressionError as exc:
            self.error(path, f"the expression does not parse at {exc}")
            return ""
        for fact, column in expressions.paths_of(tree):
            if not fact_known(fact, extra):
                self.error(path, f"column {column}: unknown fact {fact!r} (declare facts CI posts under spec.facts)")
        return source


def _check(v: _Validator, raw, path: tuple, extra: set[str], keys: set[str], required: bool) -> dict | None:
    data = v.mapping(raw, path)
    if not data:
        return None
    key = v.text(data, path, "key", required=True, limit=100)
    if key and not KEY.match(key):
        v.error((*path, "key"), f"{key!r} must be lower case letters, digits, '-' or '_'")
    elif key in keys:
        v.error((*path, "key"), f"duplicate check key {key!r}")
    keys.add(key)
    expr = v.text(data, path, "expr", required=True, limit=expressions.MAX_LENGTH)
    if expr:
        expr = v.expression(expr, (*path, "expr"), extra)
    partial = v.text(data, path, "partial", limit=expressions.MAX_LENGTH)
    if partial:
        partial = v.expression(partial, (*path, "partial"), extra)
    weight = data.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0 or weight > 100:
        v.error((*path, "weight"), f"expected a number between 0 and 100, found {weight!r}")
        weight = 0
    fix = data.get("fix") or {}
    fix = v.mapping(fix, (*path, "fix")) if fix else {}
    fix_url = v.text(fix, (*path, "fix"), "url", limit=2000) if fix else ""
    if fix_url and not (fix_url.startswith(("https://", "http://", "/"))):
        v.error((*path, "fix", "url"), f"{fix_url!r} must be an http(s) URL or a path starting with /")
        fix_url = ""
    for unknown in sorted(set(data) - {"key", "title", "expr", "partial", "weight", "fix", "missing", "required",
                                       "description"}):
        v.error((*path, unknown), "unknown field; expected key, title, expr, partial, weight, missing, fix")
    return {
        "key": key,
        "title": v.text(data, path, "title", limit=200) or key,
        "description": v.text(data, path, "description"),
        "expr": expr,
        "partial": partial,
        "weight": weight,
        "required": bool(data.get("required", required)),
        "missing": v.text(data, path, "missing", limit=100) or key,
        "fix": {"text": v.text(fix, (*path, "fix"), "text", limit=500) if fix else "", "url": fix_url},
    }


def _categories(v: _Validator, spec: dict, extra: set[str]) -> list[dict]:
    path = ("spec", "categories")
    raw = v.sequence(spec.get("categories"), path, limit=MAX_CATEGORIES)
    if not raw:
        v.error(path, "at least one category is required")
        return []
    categories, check_keys, category_keys, total, count = [], set(), set(), 0.0, 0
    for index, item in enumerate(raw):
        cpath = (*path, index)
        data = v.mapping(item, cpath)
        if not data:
            continue
        key = v.text(data, cpath, "key", required=True, limit=100)
        if key and not KEY.match(key):
            v.error((*cpath, "key"), f"{key!r} must be lower case letters, digits, '-' or '_'")
        elif key in category_keys:
            v.error((*cpath, "key"), f"duplicate category key {key!r}")
        category_keys.add(key)
        required = data.get("required", False)
        if not isinstance(required, bool):
            v.error((*cpath, "required"), f"expected true or false, found {required!r}")
            required = False
        weight = v.number(data, cpath, "weight", default=0 if required else None)
        if weight is None and not required:
            if "weight" not in data:
                v.error((*cpath, "weight"), "is required (points out of 100)")
            weight = 0
        total += weight or 0
        checks_raw = v.sequence(data.get("checks"), (*cpath, "checks"), limit=MAX_CHECKS)
        if not checks_raw:
            v.error((*cpath, "checks"), "at least one check is required")
        count += len(checks_raw)
        checks = [check for i, raw_check in enumerate(checks_raw)
                  if (check := _check(v, raw_check, (*cpath, "checks", i), extra, check_keys, required)) is not None]
        if weight and checks and not sum(c["weight"] for c in checks):
            v.error((*cpath, "checks"), "the check weights of a weighted category sum to 0")
        categories.append({"key": key, "title": v.text(data, cpath, "title", limit=200) or key,
                           "weight": weight or 0, "required": required, "checks": checks})
    if count > MAX_CHECKS:
        v.error(path, f"at most {MAX_CHECKS} checks are accepted, found {count}")
    if categories and abs(total - 100) > 1e-6:
        weights = " + ".join(f"{c['key']} {c['weight']:g}" for c in categories if c["weight"])
        v.error(path, f"the category weights must sum to 100, found {total:g} ({weights})")
    return categories


def _grades(v: _Validator, spec: dict) -> list[list]:
    raw = spec.get("grades")
    if raw is None:
        return [list(g) for g in DEFAULT_GRADES]
    data = v.mapping(raw, ("spec", "grades"))
    grades = []
    for letter, threshold in data.items():
        if not GRADE.match(str(letter)) or str(letter) == "F":
            v.error(("spec", "grades", letter), f"{letter!r} is not a grade letter (A-E, optionally + or -; F is "
                                                "everything below the lowest)")
            continue
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 100:
            v.error(("spec", "grades", letter), f"expected a minimum score between 0 and 100, found {threshold!r}")
            continue
        grades.append([str(letter), threshold])
    grades.sort(key=lambda g: -g[1])
    return grades


def _levels(v: _Validator, spec: dict, check_keys: set[str]) -> list[dict]:
    path = ("spec", "levels")
    levels, seen = [], set()
    for index, item in enumerate(v.sequence(spec.get("levels"), path, limit=MAX_LEVELS)):
        lpath = (*path, index)
        data = v.mapping(item, lpath)
        if not data:
            continue
        key = v.text(data, lpath, "key", required=True, limit=50)
        if key in seen:
            v.error((*lpath, "key"), f"duplicate level {key!r}")
        seen.add(key)
        checks = v.sequence(data.get("checks"), (*lpath, "checks"), limit=MAX_CHECKS)
        for ci, check in enumerate(checks):
            if check not in check_keys:
                v.error((*lpath, "checks", ci), f"unknown check {check!r}")
        min_score = v.number(data, lpath, "minScore", default=0)
        levels.append({"key": key, "title": v.text(data, lpath, "title", limit=50) or key.title(),
                       "checks": [str(c) for c in checks], "min_score": min_score or 0})
    return levels


def parse_definition(raw: bytes | str, *, filename: str) -> dict:
    """The normalised definition of a scorecard file; DefinitionError naming file, line and field."""
    raw_bytes = raw.encode() if isinstance(raw, str) else raw
    try:
        documents = load_documents(raw_bytes)
    except YamlError as exc:
        raise DefinitionError(filename, [(exc.line, "", exc.message)]) from None
    documents = [d for d in documents if d.data is not None]
    if len(documents) != 1:
        raise DefinitionError(filename, [(None, "", f"expected one YAML document, found {len(documents)}")])
    document = documents[0]
    v = _Validator(filename, _line_map(raw_bytes, document.line))
    data = v.mapping(document.data, ())
    if not data:
        raise DefinitionError(filename, v.errors)
    if data.get("apiVersion") not in API_VERSIONS:
        v.error(("apiVersion",), f"expected one of {', '.join(API_VERSIONS)}, found {data.get('apiVersion')!r}")
    if data.get("kind") != "Scorecard":
        v.error(("kind",), f"expected Scorecard, found {data.get('kind')!r}")
    metadata = v.mapping(data.get("metadata"), ("metadata",))
    name = v.text(metadata, ("metadata",), "name", required=True, limit=100)
    if name and not NAME.match(name):
        v.error(("metadata", "name"), f"{name!r} must be lower case letters, digits and '-' (at most 100)")
    spec = v.mapping(data.get("spec"), ("spec",))
    extra = set()
    for index, key in enumerate(v.sequence(spec.get("facts"), ("spec", "facts"), limit=200)):
        if not isinstance(key, str) or not FACT_KEY.match(key):
            v.error(("spec", "facts", index), f"{key!r} is not a fact key ([a-z0-9_.-]+)")
        else:
            extra.add(key)
    applies_to = v.text(spec, ("spec",), "appliesTo", limit=1000)
    categories = _categories(v, spec, extra)
    check_keys = {c["key"] for cat in categories for c in cat["checks"]}
    grades = _grades(v, spec)
    cap = v.text(spec, ("spec",), "requiredCap", limit=2) or "C"
    if cap != "F" and cap not in {g[0] for g in grades}:
        v.error(("spec", "requiredCap"), f"{cap!r} is not one of the grades")
    levels = _levels(v, spec, check_keys)
    if v.errors:
        raise DefinitionError(filename, v.errors)
    return {
        "name": name,
        "title": v.text(metadata, ("metadata",), "title", limit=200) or name,
        "description": v.text(metadata, ("metadata",), "description"),
        "applies_to": applies_to,
        "facts": sorted(extra),
        "categories": categories,
        "grades": grades,
        "required_cap": cap,
        "levels": levels,
    }
