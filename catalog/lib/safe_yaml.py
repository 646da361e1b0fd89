"""Parse untrusted multi-document YAML into plain Python values.

libyaml's CSafeLoader does the parsing (it is about ten times faster than the pure-Python
loader); on top of it we refuse what Backstage's `yaml` parser refuses or what could hurt
us: duplicate keys, alias bombs (more than 100 aliases per file), nesting deeper than 64,
non-mapping keys and non-UTF-8 bytes. The checks walk libyaml's composed node graph, so the
Python constructor only ever sees documents that passed. Every error names the line.
"""

from dataclasses import dataclass

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml is present on every supported platform
    from yaml import SafeLoader as _BaseLoader

MAX_ALIASES = 100
MAX_DEPTH = 64
MAX_EXPANDED = 200_000


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


def _check_node(root) -> None:
    """Refuse duplicate keys, documents nested too deeply, and aliases that expand too far.

    The walk follows aliases as the JSON we serve would expand them, so a "billion laughs"
    file is caught after MAX_EXPANDED steps instead of exhausting memory later. It is
    iterative: a recursive walk is exactly what a deep document would crash.
    """
    stack = [(root, 1)]
    seen: set[int] = set()
    aliases = 0
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        if visited > MAX_EXPANDED:
            raise YamlError(f"aliases (*refs) expand this document to more than {MAX_EXPANDED} values",
                            line=root.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", line=node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            continue
        if id(node) in seen:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlError(f"more than {MAX_ALIASES} aliases (*refs) in one document",
                                line=node.start_mark.line + 1)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in keys:
                        raise YamlError(f"duplicate key {key.value!r}", line=key.start_mark.line + 1)
                    keys.add(key.value)
                elif not isinstance(key, yaml.ScalarNode):
                    raise YamlError("a mapping key must be a plain value, not a list or mapping",
                                    line=key.start_mark.line + 1)
                stack.append((value, depth + 1))
        else:
            stack.extend((child, depth + 1) for child in node.value)


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise YamlError("the file is binary, not YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(f"the file is not valid UTF-8 (byte {exc.start + 1})", line=line) from None
    return text


def load_documents(raw: bytes | str) -> list[Document]:
    """All documents of a YAML stream; empty documents are skipped, as Backstage does."""
    text = _decode(raw) if isinstance(raw, bytes) else raw
    loader = _BaseLoader(text)
    documents: list[Document] = []
    index = 0
    try:
        while loader.check_node():
            index += 1
            node = loader.get_node()
            if node is None:
                continue
            _check_node(node)
            data = loader.construct_document(node)
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
