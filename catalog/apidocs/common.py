"""What the API readers share: parsing untrusted definition text, local `$ref` resolution with cycle
protection, a size budget, schemas drawn as nested lists, examples, Markdown descriptions.

Every text that reaches the page is escaped here or passes through core.sanitize; nothing is
fetched (a `$ref` to another file or URL is named, never followed).
"""

import json
from dataclasses import dataclass

import markdown
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import GraphQLLexer, JsonLexer, ProtoBufLexer, TextLexer, YamlLexer

from catalog.lib.safe_yaml import YamlError, load_documents
from core.sanitize import block_external_images, sanitize

MAX_SOURCE = 2_000_000  # characters; larger definitions are shown unhighlighted
MAX_DEFINITION = 5_000_000  # characters; larger definitions are not parsed at all
MAX_REF_CHAIN = 32  # $ref -> $ref -> ... hops before we call it a loop
MAX_SCHEMA_DEPTH = 8  # nesting shown inline; deeper levels are named, not drawn
MAX_PROPERTIES = 100  # properties drawn per object
MAX_ENUM = 20
MAX_EXAMPLE = 6000  # characters of one example
MAX_DESCRIPTION = 20_000  # characters of one description
MAX_MARKDOWN = 400  # descriptions rendered as Markdown per document; the rest are plain text
BUDGET = 6000  # schema fields drawn per document: a huge document stays fast


class DefinitionError(ValueError):
    """The definition cannot be read; the message is shown to the person."""


def text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def scalar(value) -> str:
    """A short display string for a YAML scalar (version numbers are often read as floats)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value).strip()
    return ""


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def source_text(definition) -> str:
    if isinstance(definition, str):
        return definition
    if definition is None:
        return ""
    try:
        return json.dumps(definition, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(definition)[:MAX_SOURCE]


def highlighted(source: str, api_type: str) -> SafeString:
    if len(source) > MAX_SOURCE:
        lexer = TextLexer()
    elif api_type == "graphql":
        lexer = GraphQLLexer()
    elif api_type == "grpc":
        lexer = ProtoBufLexer()
    elif source.lstrip().startswith(("{", "[")):
        lexer = JsonLexer()
    elif api_type in ("openapi", "asyncapi") or ":" in source:
        lexer = YamlLexer()
    else:
        lexer = TextLexer()
    return mark_safe(highlight(source, lexer, HtmlFormatter(cssclass="highlight")))  # noqa: S308 - Pygments escapes


def parse(definition):
    """The definition as Python data: a mapping as stored, or JSON / YAML text (one document)."""
    if isinstance(definition, dict):
        return definition
    if not isinstance(definition, str) or not definition.strip():
        raise DefinitionError("The API has no definition text.")
    if len(definition) > MAX_DEFINITION:
        raise DefinitionError(f"The definition is larger than {MAX_DEFINITION:,} characters; only its source is shown.")
    source = definition.strip()
    if source.startswith("{"):
        try:
            return json.loads(source)
        except RecursionError:
            raise DefinitionError("The definition is nested too deeply to read.") from None
        except ValueError as exc:
            raise DefinitionError(f"The definition is not valid JSON: {exc}") from None
    try:
        documents = load_documents(source)
    except YamlError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise DefinitionError(f"The definition is not valid YAML{where}: {exc.message}") from None
    if len(documents) != 1:
        raise DefinitionError("The definition must hold exactly one YAML document.")
    return documents[0].data


def description_html(value, *, limit: int = MAX_DESCRIPTION) -> SafeString | str:
    """CommonMark-ish Markdown (as OpenAPI and AsyncAPI descriptions are), sanitised, remote images as links."""
    source = text(value)
    if not source:
        return ""
    if len(source) > limit:
        source = source[:limit] + "…"
    try:
        rendered = markdown.markdown(source, extensions=["tables", "fenced_code"], output_format="html")
    except Exception:  # noqa: BLE001 - a Markdown bug must not break the page; show the text instead
        rendered = f"<p>{escape(source)}</p>"
    return mark_safe(block_external_images(sanitize(rendered)))  # noqa: S308 - sanitised by nh3 just above


@dataclass
class Budget:
    left: int = BUDGET

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


class Document:
    """A parsed definition: resolves its own `#/...` references and nothing else."""

    def __init__(self, root: dict):
        self.root = root
        self.budget = Budget()
        self.markdown_left = MAX_MARKDOWN

    def describe(self, value) -> SafeString | str:
        """A description as sanitised HTML (Markdown while the document's allowance lasts, then plain text)."""
        if not text(value):
            return ""
        self.markdown_left -= 1
        if self.markdown_left >= 0:
            return description_html(value)
        source = text(value)[:MAX_DESCRIPTION]
        return mark_safe(f"<p>{escape(source)}</p>")  # noqa: S308 - escaped

    def pointer(self, ref: str):
        if not ref.startswith("#/"):
            return None
        node = self.root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node

    def deref(self, node) -> tuple[object, str, str]:
        """(target, name of the first $ref or "", problem or "") following a chain of $refs."""
        seen: list[str] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#"):
                return None, ref, "external reference, not fetched"
            if ref in seen or len(seen) >= MAX_REF_CHAIN:
                return None, ref, "circular reference"
            seen.append(ref)
            target = self.pointer(ref)
            if target is None:
                return None, ref, "reference to nothing in this document"
            node = target
        return node, (seen[0].rsplit("/", 1)[-1] if seen else ""), ""


# --- Schemas drawn as nested lists -----------------------------------------------------------------


def _type_of(schema: dict) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = " | ".join(scalar(k) for k in kind if scalar(k))
    kind = scalar(kind)
    if not kind:
        if isinstance(schema.get("properties"), dict):
            kind = "object"
        elif "items" in schema:
            kind = "array"
    fmt = scalar(schema.get("format"))
    if fmt:
        kind = f"{kind or 'any'} ({fmt})"
    if schema.get("nullable") is True:
        kind += " | null"
    return kind


def _short_json(value, limit: int = 120) -> str:
    try:
        dumped = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        dumped = str(value)
    return dumped if len(dumped) <= limit else dumped[: limit - 1] + "…"


def _field(name: str, kind: str, *, required=False, ref="", note="", schema=None, inner="") -> str:
    parts = ['<li class="field">']
    if name:
        parts.append(f"<code>{escape(name)}</code> ")
    if kind:
        parts.append(f'<span class="type">{escape(kind)}</span>')
    if ref:
        parts.append(f' <span class="note">→ {escape(ref)}</span>')
    if required:
        parts.append(' <span class="req">required</span>')
    schema = schema or {}
    if schema.get("deprecated") is True:
        parts.append(' <span class="badge badge-warn">deprecated</span>')
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        values = schema["enum"][:MAX_ENUM]
        more = f" (+{len(schema['enum']) - MAX_ENUM})" if len(schema["enum"]) > MAX_ENUM else ""
        parts.append(f' <span class="note">one of {escape(", ".join(_short_json(v, 40) for v in values))}{more}</span>')
    if "default" in schema:
        parts.append(f' <span class="note">default {escape(_short_json(schema["default"]))}</span>')
    if "example" in schema and not isinstance(schema.get("example"), (dict, list)):
        parts.append(f' <span class="note">e.g. {escape(_short_json(schema["example"]))}</span>')
    if note:
        parts.append(f' <span class="note">({escape(note)})</span>')
    desc = text(schema.get("description")) if schema else ""
    if desc:  # plain text: a schema can hold thousands of these, Markdown is kept for the larger texts
        desc = desc if len(desc) <= 500 else desc[:499] + "…"
        parts.append(f'<div class="note">{escape(desc)}</div>')
    parts.append(inner)
    parts.append("</li>")
    return "".join(parts)


def _schema_items(doc: Document, raw, *, name: str, required: bool, depth: int, stack: tuple[str, ...]) -> str:
    """One <li> for `raw` (a schema or a $ref to one), its properties nested inside."""
    if not doc.budget.take():
        return '<li class="field note">… (more fields not shown: the definition is too large)</li>' \
            if doc.budget.left == -1 else ""
    ref = raw.get("$ref") if isinstance(raw, dict) and isinstance(raw.get("$ref"), str) else ""
    if ref and ref in stack:
        return _field(name, ref.rsplit("/", 1)[-1], required=required, note="circular: shown above")
    schema, ref_name, problem = doc.deref(raw)
    if problem:
        return _field(name, ref_name.rsplit("/", 1)[-1] or "?", required=required, note=f"{problem}: {ref_name}")
    if isinstance(schema, bool):
        return _field(name, "any" if schema else "nothing", required=required)
    if not isinstance(schema, dict):
        return _field(name, "?", required=required, note="not a schema")
    stack = (*stack, ref) if ref else stack
    kind = _type_of(schema)
    children: list[str] = []
    if depth >= MAX_SCHEMA_DEPTH:
        has_more = any(k in schema for k in ("properties", "items", "allOf", "oneOf", "anyOf"))
        return _field(name, kind or ref_name, required=required, ref=ref_name, schema=schema,
                      note="nested deeper than shown here; see the source" if has_more else "")
    for combiner in ("allOf", "oneOf", "anyOf"):
        options = as_list(schema.get(combiner))
        if not options:
            continue
        if combiner == "allOf":
            kind = kind or "object"
            children += [_schema_items(doc, option, name="", required=False, depth=depth + 1, stack=stack)
                         for option in options[:MAX_PROPERTIES]]
        else:
            label = "one of" if combiner == "oneOf" else "any of"
            kind = f"{kind} {label}".strip() if kind else label
            children += [_schema_items(doc, option, name=f"option {i + 1}", required=False, depth=depth + 1,
                                       stack=stack) for i, option in enumerate(options[:MAX_PROPERTIES])]
    properties = as_dict(schema.get("properties"))
    required_names = {r for r in as_list(schema.get("required")) if isinstance(r, str)}
    for i, (prop, sub) in enumerate(properties.items()):
        if i >= MAX_PROPERTIES:
            children.append(f'<li class="field note">… {len(properties) - MAX_PROPERTIES} more properties</li>')
            break
        children.append(_schema_items(doc, sub, name=str(prop), required=prop in required_names, depth=depth + 1,
                                      stack=stack))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        children.append(_schema_items(doc, extra, name="{key}", required=False, depth=depth + 1, stack=stack))
    if "items" in schema:
        items = schema["items"]
        item_ref = items.get("$ref") if isinstance(items, dict) and isinstance(items.get("$ref"), str) else ""
        item_schema, _, _ = doc.deref(items) if not (item_ref and item_ref in stack) else (None, "", "")
        if item_ref:
            item_name = item_ref.rsplit("/", 1)[-1]
        else:
            item_name = _type_of(item_schema) if isinstance(item_schema, dict) else ""
        if item_name:
            kind = f"array of {item_name}"
        children.append(_schema_items(doc, items, name="[item]", required=False, depth=depth + 1, stack=stack))
    inner = f'<ul class="schema plain">{"".join(children)}</ul>' if children else ""
    return _field(name, kind or ("any" if not ref_name else ""), required=required, ref=ref_name, schema=schema,
                  inner=inner)


def schema_html(doc: Document, raw) -> SafeString:
    """A schema (or a $ref to one) drawn as a nested list; bounded in depth, fields and reference chains."""
    return mark_safe(f'<ul class="schema plain">{_schema_items(doc, raw, name="", required=False, depth=0, stack=())}'
                     "</ul>")  # noqa: S308 - every text above goes through escape() or sanitize()


def example_html(value) -> SafeString:
    if isinstance(value, str):
        source = value
    else:
        try:
            source = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            source = str(value)
    if len(source) > MAX_EXAMPLE:
        source = source[:MAX_EXAMPLE] + "\n… (example shortened)"
    lexer = JsonLexer() if source.lstrip().startswith(("{", "[")) else TextLexer()
    return mark_safe(highlight(source, lexer, HtmlFormatter(cssclass="highlight")))  # noqa: S308 - Pygments escapes


def examples(doc: Document, holder: dict) -> list[tuple[str, SafeString]]:
    """`example` and `examples` of a media type, parameter or message ($refs resolved), at most five."""
    found: list[tuple[str, SafeString]] = []
    if "example" in holder:
        found.append(("example", example_html(holder["example"])))
    raw = holder.get("examples")
    if isinstance(raw, dict):
        for name, item in list(raw.items())[:5]:
            target, _, problem = doc.deref(item)
            if problem:
                continue
            value = target.get("value") if isinstance(target, dict) and "value" in target else target
            label = text(target.get("summary")) if isinstance(target, dict) else ""
            found.append((label or str(name), example_html(value)))
    elif isinstance(raw, list):
        for i, item in enumerate(raw[:5]):
            target, _, problem = doc.deref(item)
            if not problem:
                found.append((f"example {i + 1}", example_html(target)))
    return found[:5]
