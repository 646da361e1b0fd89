"""OpenCost's allocation response read one allocation at a time.

`{"code": 200, "data": [{"<name>": {allocation}, ...}, ...]}` can be hundreds of megabytes for a large
cluster (one allocation per pod and window step). json.load would hold all of it, several times its size
in Python objects; this reader walks the outer object and the `data` list and decodes each allocation on
its own with json's raw_decode, over a buffer that only ever holds the current allocation.
"""

import json
from collections.abc import Iterator
from typing import TextIO

CHUNK = 1 << 16
MAX_VALUE = 16 << 20  # characters of one allocation (or one top-level field other than data)
_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


class JsonStreamError(ValueError):
    def __init__(self, message: str, *, line: int, column: int):
        super().__init__(message)
        self.line = line
        self.column = column


class _Reader:
    def __init__(self, stream: TextIO):
        self.stream = stream
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0  # newlines in the text already dropped from the buffer
        self.column_before = 0  # characters since the last dropped newline

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = self.stream.read(CHUNK)
        if not data:
            self.eof = True
            return False
        dropped = self.buf[:self.pos]
        newlines = dropped.count("\n")
        self.lines_before += newlines
        self.column_before = (len(dropped) - dropped.rfind("\n") - 1) if newlines else self.column_before + len(dropped)
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def error(self, message: str, at: int | None = None) -> JsonStreamError:
        at = self.pos if at is None else at
        newline = self.buf.rfind("\n", 0, at)
        line = self.lines_before + self.buf.count("\n", 0, at) + 1
        column = at - newline if newline >= 0 else self.column_before + at + 1
        return JsonStreamError(message, line=line, column=column)

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            raise self.error(f"expected {what}, found {found or 'the end of the file'!r}")
        self.pos += 1

    def value(self) -> object:
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self.error(f"{exc.msg} (is the file truncated?)", exc.pos) from None
                if len(self.buf) - self.pos > MAX_VALUE:
                    raise self.error(f"{exc.msg}, or one value longer than {MAX_VALUE:,} characters",
                                     exc.pos) from None
                self._fill()
                continue
            if end == len(self.buf) and not self.eof and self._fill():
                continue  # a number may go on in the next chunk: decode it again whole
            self.pos = end
            return value


def opencost_allocations(stream: TextIO) -> Iterator[tuple[int, str, object]]:
    """(window step, allocation name, allocation) for every allocation of the response, in order."""
    reader = _Reader(stream)
    first = reader.peek()
    if first == "[":
        yield from _data(reader)
    elif first == "{":
        reader.pos += 1
        seen_data = False
        while reader.peek() != "}":
            key = reader.value()
            if not isinstance(key, str):
                raise reader.error("expected a field name")
            reader.expect(":", "':'")
            if key == "data":
                seen_data = True
                yield from _data(reader)
            else:
                reader.value()
            if reader.peek() == ",":
                reader.pos += 1
            elif reader.peek() != "}":
                raise reader.error("expected ',' or '}'" + (" (is the file truncated?)" if reader.eof else ""))
        reader.pos += 1
        if not seen_data:
            raise reader.error("expected OpenCost's response: an object with a 'data' list")
    else:
        raise reader.error("expected OpenCost's response: a JSON object with a 'data' list")
    if reader.peek():
        raise reader.error("unexpected text after the response")


def _data(reader: _Reader) -> Iterator[tuple[int, str, object]]:
    if reader.peek() == "n":
        reader.value()  # "data": null (no allocations)
        return
    reader.expect("[", "the 'data' list")
    step = 0
    while reader.peek() != "]":
        if not reader.peek():
            raise reader.error("the file ends inside the 'data' list (is it truncated?)")
        if reader.peek() == "{":
            reader.pos += 1
            while reader.peek() != "}":
                name = reader.value()
                if not isinstance(name, str):
                    raise reader.error("expected an allocation's name")
                reader.expect(":", "':'")
                yield step, name, reader.value()
                if reader.peek() == ",":
                    reader.pos += 1
                elif reader.peek() != "}":
                    raise reader.error("expected ',' or '}' after an allocation"
                                       + (" (is the file truncated?)" if not reader.peek() else ""))
            reader.pos += 1
        else:
            value = reader.value()
            if value is not None:
                raise reader.error(f"data[{step}]: expected an object of named allocations")
        step += 1
        if reader.peek() == ",":
            reader.pos += 1
        elif reader.peek() != "]":
            raise reader.error("expected ',' or ']' in the 'data' list"
                               + (" (is the file truncated?)" if not reader.peek() else ""))
    reader.pos += 1
