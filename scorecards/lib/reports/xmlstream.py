"""Streaming XML through defusedxml: a handler sees each element's start and end, no tree is built.

Safety rules (tested in test_reports_hostile.py):
- entity declarations are refused (defusedxml's forbid_entities): no XXE, no billion laughs;
- external references are refused (forbid_external), and nothing is ever fetched;
- a DOCTYPE with an internal subset (`<!DOCTYPE x [ ... ]>`) is refused; a bare DOCTYPE naming an
  external DTD is accepted, because JaCoCo writes one in every report
  (`<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">`); it is never read;
- nesting deeper than MAX_DEPTH and more than MAX_ELEMENTS elements are refused.
Every error names the file and the line.
"""

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from scorecards.lib.reports.base import ReportError, Source

MAX_DEPTH = 256
MAX_ELEMENTS = 20_000_000


def local(tag: str) -> str:
    """`{namespace}name` -> `name`."""
    return tag.rpartition("}")[2]


class Handler:
    """Subclasses implement on_start/on_end; `self.line` is the current line, `self.stack` the open
    elements' local names (the current one last). expat calls start/end directly."""

    def __init__(self, filename: str):
        self.filename = filename
        self.stack: list[str] = []
        self.count = 0
        self.line_of = lambda: None

    @property
    def line(self) -> int | None:
        return self.line_of()

    def error(self, message: str, *, field: str = "") -> ReportError:
        return ReportError(message, filename=self.filename, line=self.line, field=field)

    # --- ElementTree's target protocol ---------------------------------------------------------
    # Element names on_start wants to see (None: all). The root element is always seen. Elements
    # outside it cost a count and a stack entry only: their attributes are not even made a dict.
    wanted: frozenset | None = None

    def start(self, tag: str, attrs: list) -> None:
        name = tag.rpartition("}")[2]
        self.count += 1
        if self.count > MAX_ELEMENTS or len(self.stack) >= MAX_DEPTH:
            if self.count > MAX_ELEMENTS:
                raise self.error(f"more than {MAX_ELEMENTS:,} elements: expected a report of bounded size")
            raise self.error(f"elements nested deeper than {MAX_DEPTH}: expected a report, not a nesting bomb")
        self.stack.append(name)
        if self.wanted is None or name in self.wanted or self.count == 1:
            self.on_start(name, dict(zip(attrs[::2], attrs[1::2], strict=True)))

    def end(self, tag: str) -> None:
        self.on_end(self.stack.pop())

    def detach(self) -> None:
        """Stop element events: the handler has what it needs; expat still checks the rest is
        well-formed (at C speed; the size limit bounds it). Set by stream()."""

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None

    def on_start(self, name: str, attrib: dict) -> None:  # pragma: no cover - overridden
        pass

    def on_end(self, name: str) -> None:
        pass


def _no_internal_subset(filename: str, parser):
    def handler(name, sysid, pubid, has_internal_subset):
        if has_internal_subset:
            raise ReportError(
                "a DOCTYPE with an internal subset ([...]) is refused: reports must not declare entities or a "
                "DTD of their own", filename=filename, line=parser.CurrentLineNumber)
    return handler


def stream(source: Source, handler: Handler) -> None:
    """Feed the source to the handler chunk by chunk."""
    parser = DefusedXMLParser(target=handler, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    expat = parser.parser
    expat.StartDoctypeDeclHandler = _no_internal_subset(source.filename, expat)
    # defusedxml's guards are expat's entity and external-reference handlers, set above; element events
    # go straight from expat to the handler (ElementTree's own callbacks cost twice the parse), and
    # text is not needed. ordered_attributes: attributes arrive as [name, value, name, value, ...].
    expat.StartElementHandler = handler.start
    expat.EndElementHandler = handler.end
    expat.CharacterDataHandler = None
    expat.DefaultHandlerExpand = None  # an undefined entity is dropped, never expanded or fetched
    handler.line_of = lambda: expat.CurrentLineNumber

    def detach() -> None:
        expat.StartElementHandler = expat.EndElementHandler = None

    handler.detach = detach
    fed = 0
    try:
        for chunk in source.chunks():
            fed += len(chunk.strip()) if fed == 0 else len(chunk)
            parser.feed(chunk)
        if not fed:
            raise ReportError("empty report: expected an XML document", filename=source.filename)
        parser.close()
    except ReportError:
        raise
    except DefusedXmlException as exc:
        kind = type(exc).__name__
        what = {"EntitiesForbidden": "entity declarations are refused (XXE, entity expansion)",
                "ExternalReferenceForbidden": "external references are refused (XXE)",
                "DTDForbidden": "DTDs are refused"}.get(kind, "refused by the XML safety rules")
        raise ReportError(f"{what}: {exc}", filename=source.filename, line=expat.CurrentLineNumber) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        message = str(exc).split(": line")[0]
        raise ReportError(f"malformed XML ({message}): expected a complete, well-formed XML document",
                          filename=source.filename, line=line) from None
    if not handler.count:
        raise ReportError("empty report: expected an XML document", filename=source.filename)


def expect_root(handler: Handler, name: str, expected: tuple[str, ...], format_label: str) -> None:
    """Called on the first element: refuse a report of another kind, saying which it looks like."""
    if name in expected:
        return
    looks = {"coverage": "a Cobertura report", "report": "a JaCoCo report", "testsuites": "a JUnit report",
             "testsuite": "a JUnit report"}.get(name, "")
    hint = f" (it looks like {looks}: check the format parameter)" if looks else ""
    wanted = " or ".join(f"<{e}>" for e in expected)
    raise handler.error(f"expected {format_label} with root element {wanted}, found <{name}>{hint}")
