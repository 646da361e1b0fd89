"""Reads nunjucks' `r/body/flags` literals, which Jinja's lexer has no syntax for.

The extension's `preprocess` runs before Jinja lexes a template: inside `${{ }}` and `{% %}` (never
in text, comments, string literals or `{% raw %}`), a token that starts with `r/` is read as
nunjucks/src/lexer.js reads it: the body runs to the first `/` not preceded by a backslash, then
any of the flags g, i, m, y follow. It becomes `paved_regexp('body', 'flags')`, which the sandbox
(sandbox.py `_Harden`) compiles once, when the template compiles, into regexp.JsRegExp; a pattern
RE2 cannot run fails the template there, with a message naming the literal.

A token starts where nunjucks starts one: at the start of the code, after white space, after a
string literal or after one of lexer.js's delimiter characters, so `chr/2` stays a division and
`x r/a/` is a literal. Line breaks in a body are kept as line breaks after the call, so the line
numbers of later errors do not move.
"""

from __future__ import annotations

import re

from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension

CALL = "paved_regexp"
_DELIMITERS = set("()[]{}%*-+~/#,:|.<>=!")  # lexer.js delimChars
_SPACE = set(" \n\t\r\u00a0")  # lexer.js whitespaceChars
_FLAGS = set("gimy")  # lexer.js POSSIBLE_FLAGS
_RAW = re.compile(r"[-+]?\s*raw\s*[-+]?%}")
_ENDRAW = re.compile(r"{%[-+]?\s*endraw\s*[-+]?%}")
_OPEN = {"(": ")", "[": "]", "{": "}"}


def _literal(text: str) -> str:
    # Jinja decodes string literals with unicode-escape: escape exactly what it would read back.
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def rewrite(source: str, variable_start: str, name: str | None = None) -> str:
    """`source` with every regular-expression literal in code replaced by a `paved_regexp` call."""
    if "r/" not in source:
        return source
    out: list[str] = []
    i, size = 0, len(source)
    # The next place of each opener, looked up again only once passed: one scan of the text in all.
    following = {marker: source.find(marker) for marker in (variable_start, "{%", "{#")}
    while i < size:
        for marker, at in following.items():
            if at != -1 and at < i:
                following[marker] = source.find(marker, i)
        starts = [(at, marker) for marker, at in following.items() if at != -1]
        if not starts:
            break
        at, marker = min(starts)
        out.append(source[i:at + len(marker)])
        i = at + len(marker)
        if marker == "{#":
            end = source.find("#}", i)
            end = size if end == -1 else end + 2
            out.append(source[i:end])
            i = end
            continue
        if marker == "{%" and _RAW.match(source, i):
            found = _ENDRAW.search(source, i)
            end = size if found is None else found.end()
            out.append(source[i:end])
            i = end
            continue
        i = _code(source, i, "}}" if marker == variable_start else "%}", out, name)
    out.append(source[i:])
    return "".join(out)


def _code(source: str, i: int, closer: str, out: list[str], name: str | None) -> int:
    """Copy one `${{ }}` or `{% %}` body to `out`, rewriting literals; returns the index after it."""
    end = source.find(closer, i)
    if end != -1:
        chunk = source[i:end]
        # No quote or brace can hide the first closer, and no literal is inside: copy it as it is.
        if "r/" not in chunk and "'" not in chunk and '"' not in chunk and "{" not in chunk:
            out.append(chunk + closer)
            return end + len(closer)
    size, boundary, depth = len(source), True, []
    while i < size:
        char = source[i]
        if not depth and source.startswith(closer, i):
            out.append(closer)
            return i + len(closer)
        if char in "'\"":
            end = i + 1
            while end < size and source[end] != char:
                end += 2 if source[end] == "\\" else 1
            out.append(source[i:end + 1])
            i, boundary = end + 1, True
            continue
        if boundary and char == "r" and source.startswith("r/", i):
            i = _regex(source, i, out, name)
            boundary = False
            continue
        if char in _OPEN:
            depth.append(_OPEN[char])
        elif depth and char == depth[-1]:
            depth.pop()
        out.append(char)
        boundary = char in _SPACE or char in _DELIMITERS
        i += 1
    return i


def _regex(source: str, i: int, out: list[str], name: str | None) -> int:
    start, i = i, i + 2
    body: list[str] = []
    while True:
        if i >= len(source):
            line = source.count("\n", 0, start) + 1
            raise TemplateSyntaxError(f"the regular expression {source[start:start + 40]!r} has no closing /",
                                      line, name)
        if source[i] == "/" and source[i - 1] != "\\":
            i += 1
            break
        body.append(source[i])
        i += 1
    flags = []
    while i < len(source) and source[i] in _FLAGS:
        flags.append(source[i])
        i += 1
    text = "".join(body)
    out.append(f"{CALL}({_literal(text)}, {_literal(''.join(flags))})" + "\n" * text.count("\n"))
    return i


class RegexLiterals(Extension):
    """Jinja extension: nunjucks' regular-expression literals (see the module docstring).

    It runs before the other preprocessing (js_ternary.py's `?:`), so a `?`, `:` or quote inside a
    pattern (`r/^https?:/`) is already inside a string literal when that one reads the expression."""

    priority = 10  # Jinja runs extensions' preprocess in ascending priority; the default is 100

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return rewrite(source, self.environment.variable_start_string, name)
