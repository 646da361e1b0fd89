"""nunjucks' regular-expression literals as JavaScript RegExp values, matched by RE2 in linear time.

nunjucks/src/lexer.js reads `r/body/flags` in code (flags among g, i, m, y) and parser.js builds
`new RegExp(body, flags)`; templates use them in the `replace` filter (filters.js `replace`:
`if (old instanceof RegExp) return str.replace(old, new_)`) and in JavaScript calls such as
`r/^svc-/.test(name)` or `name.replace(r/-+/g, "_")`. regex_literals.py rewrites the literals into
a call the sandbox compiles here, once per pattern.

The patterns come from template authors, so they never reach Python's backtracking `re`: they are
translated by core.regex (ECMA-262 to RE2 syntax, refusing lookaround and backreferences, which RE2
cannot run in linear time) and compiled by RE2 with a memory cap. Each scan is sized first
(text bytes x program size, core.regex.MAX_COST) and every match found ticks the render's clock.

Flags: g (every match), i (ignore case), m (^ and $ at line breaks); y (sticky) is refused, nunjucks'
lexer knows no others. Deliberate differences: with m, ^ and $ see only \\n as a line break (JavaScript
also \\r, U+2028, U+2029); case folding is Unicode's simple folding (JavaScript without `u` folds
with toUpperCase); `lastIndex` is always 0, as a literal is a new RegExp each time nunjucks evaluates
it (compiler.js compileLiteral emits `/body/flags`), so `test` and `match` never carry state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import re2
from jinja2 import Undefined

from core.regex import (
    MAX_COST,
    MAX_MEMORY,
    MAX_PATTERN_LENGTH,
    PatternError,
    ecma_to_re2,  # the one translation of JavaScript patterns Paved has
)
from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions import jsops
from scaffolding.lib.expressions.limits import _budget, _LimitError

FLAGS = {"g": "global", "i": "ignoreCase", "m": "multiline"}


class RegExpError(ValueError):
    """A regular-expression literal that cannot be used; the message names the literal and why."""


class JsRegExp:
    """A compiled `r/body/flags`. Its members (test, source, flags...) are read through `member`."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: str, compiled: Any) -> None:
        self._source, self._flags, self._compiled = source, flags, compiled

    @property
    def is_global(self) -> bool:
        return "g" in self._flags

    @property
    def literal(self) -> str:
        return f"r/{self._source}/{self._flags}"

    def __str__(self) -> str:  # RegExp.prototype.toString
        return f"/{self._source}/{self._flags}"

    def __repr__(self) -> str:
        return self.literal


@functools.lru_cache(maxsize=256)  # each entry holds at most MAX_MEMORY of RE2 program
def compile_regexp(source: str, flags: str) -> JsRegExp:
    """`new RegExp(source, flags)`, or RegExpError saying what cannot be run and why."""
    literal = f"r/{source}/{flags}"
    if len(source) > MAX_PATTERN_LENGTH:
        raise RegExpError(f"the regular expression {literal[:60]}... is longer than {MAX_PATTERN_LENGTH} characters")
    for flag in flags:
        if flag == "y":
            raise RegExpError(f"the regular expression {literal} uses the flag y (sticky), which is not supported")
        if flag not in FLAGS:
            raise RegExpError(f"the regular expression {literal} has an unknown flag {flag!r}")
        if flags.count(flag) > 1:
            raise RegExpError(f"the regular expression {literal} repeats the flag {flag}")
    try:
        translated = ecma_to_re2(source)
    except PatternError as exc:
        raise RegExpError(f"the regular expression {literal} {exc.reason}") from None
    inline = "".join(flag for flag in "im" if flag in flags)
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_MEMORY
    try:
        compiled = re2.compile(f"(?{inline}){translated}" if inline else translated, options)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        reason = "is too large to run" if "too large" in detail else f"is not valid ({detail})"
        raise RegExpError(f"the regular expression {literal} {reason}") from None
    return JsRegExp(source, "".join(sorted(flags)), compiled)


# --- matching ------------------------------------------------------------------------------------------


def _scannable(regexp: JsRegExp, text: str) -> None:
    """RE2 is linear, but text x program can still be slow: refuse a scan over about 0.2 s up front."""
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    program = regexp._compiled.programsize
    if size * program > MAX_COST:
        raise _LimitError(f"the text ({len(text)} characters) is too long to match against {regexp.literal} "
                          f"(at most about {MAX_COST // program:,} characters)")


class _Found:
    """One match: character positions and the groups' texts (None where a group did not take part)."""

    __slots__ = ("end", "groups", "start", "whole")

    def __init__(self, start: int, end: int, whole: str, groups: tuple) -> None:
        self.start, self.end, self.whole, self.groups = start, end, whole, groups


def _matches(regexp: JsRegExp, text: str, every: bool):
    """The matches left to right, as `String.prototype.replace` with g finds them (an empty match moves
    on by one character). An ASCII text is matched as bytes: google-re2 re-maps character offsets
    for a str at every match, which costs more than the matching."""
    _scannable(regexp, text)
    budget = _budget()
    if text.isascii():
        for found in regexp._compiled.finditer(text.encode("ascii")):
            budget.visit()
            yield _Found(*found.span(), found.group(0).decode("ascii"),
                         tuple(None if group is None else group.decode("ascii") for group in found.groups()))
            if not every:
                return
        return
    for found in regexp._compiled.finditer(text):
        budget.visit()
        yield _Found(*found.span(), found.group(0), found.groups())
        if not every:
            return


def _size(size: int, what: str) -> None:
    limit = _budget().limits.output
    if size > limit:
        raise _LimitError(f"the result of {what} would be larger than the limit of {limit} characters")


def test(regexp: JsRegExp, value: Any) -> bool:
    text = jsops.to_string(value, limit=_budget().limits.output)
    _scannable(regexp, text)
    return regexp._compiled.search(text) is not None


def _template(replacement: str, groups: int, names: dict) -> list:
    """GetSubstitution (ECMA-262 22.1.3.19.1) read once: text, group numbers, and "&", "`", "'" for
    $&, $` and $'. $1..$99 and $<name> name groups; other `$` sequences stay as written."""
    parts: list = []
    i, size = 0, len(replacement)
    while i < size:
        dollar = replacement.find("$", i)
        if dollar == -1 or dollar + 1 >= size:
            parts.append(replacement[i:])
            break
        parts.append(replacement[i:dollar])
        nxt, i = replacement[dollar + 1], dollar + 2
        two = replacement[dollar + 1:dollar + 3]
        if nxt == "$":
            parts.append("$")
        elif nxt in "&`'":
            parts.append((nxt,))
        elif len(two) == 2 and two.isascii() and two.isdigit() and 1 <= int(two) <= groups:
            parts.append(int(two))
            i += 1
        elif nxt.isascii() and nxt.isdigit() and 1 <= int(nxt) <= groups:
            parts.append(int(nxt))
        elif nxt == "<" and names and replacement.find(">", i) != -1:
            end = replacement.find(">", i)
            parts.append(names.get(replacement[i:end], 0) or ("",))
            i = end + 1
        else:
            parts.append("$")
            i = dollar + 1
    return [part for part in parts if part != ""]


def _substitute(parts: list, found: _Found, text: str) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, int):
            out.append(found.groups[part - 1] or "")
        elif part[0] == "&":
            out.append(found.whole)
        elif part[0] == "`":
            out.append(text[:found.start])
        elif part[0] == "'":
            out.append(text[found.end:])
    return "".join(out)


def replace(text: str, regexp: JsRegExp, replacement: Any, *, every: bool | None = None) -> str:
    """String.prototype.replace(regexp, replacement): every match with g, else the first."""
    if callable(replacement) and not isinstance(replacement, Undefined):
        raise js.FilterError("replace: a function as the replacement is not supported")
    limit = _budget().limits.output
    replacement = jsops.to_string(replacement, limit=limit)
    parts = _template(replacement, regexp._compiled.groups, dict(regexp._compiled.groupindex))
    fixed = "".join(parts) if all(isinstance(part, str) for part in parts) else None
    out, used, previous = [], 0, 0
    for found in _matches(regexp, text, regexp.is_global if every is None else every):
        piece = fixed if fixed is not None else _substitute(parts, found, text)
        used += found.start - previous + len(piece)
        _size(used + len(text) - found.end, "replace")
        out.append(text[previous:found.start])
        out.append(piece)
        previous = found.end
    out.append(text[previous:])
    return "".join(out)


def match(text: str, regexp: JsRegExp) -> Any:
    """String.prototype.match: with g every matched text (null when none), else [match, ...groups]."""
    if regexp.is_global:
        found, used = [], 0
        for item in _matches(regexp, text, True):
            used += len(item.whole) + 1
            _size(used, "match")
            found.append(item.whole)
        return found or None
    first = next(_matches(regexp, text, False), None)
    if first is None:
        return None
    return [first.whole, *(jsops.UNDEFINED if group is None else group for group in first.groups)]


def search(text: str, regexp: JsRegExp) -> int:
    first = next(_matches(regexp, text, False), None)
    return -1 if first is None else first.start


def split(text: str, regexp: JsRegExp, cap: int) -> list:
    """String.prototype.split with a RegExp separator (ECMA-262 22.2.6.14 @@split): captures are
    spliced in; an empty match at the last split point, or at the very end, does not split."""
    if cap == 0:
        return []
    if not text:
        _scannable(regexp, text)
        return [] if regexp._compiled.match(text) is not None else [text]
    parts: list = []
    previous = 0
    for found in _matches(regexp, text, True):
        if found.end == previous or found.start >= len(text):
            continue
        parts.append(text[previous:found.start])
        parts.extend(jsops.UNDEFINED if group is None else group for group in found.groups)
        _size(len(parts), "split")
        if len(parts) >= cap:
            return parts[:cap]
        previous = found.end
    parts.append(text[previous:])
    return parts[:cap]


MEMBERS: dict[str, Callable[[JsRegExp, tuple], Any]] = {
    "test": lambda regexp, args: test(regexp, args[0] if args else jsops.UNDEFINED),
    "toString": lambda regexp, args: str(regexp),
}
PROPERTIES: dict[str, Callable[[JsRegExp], Any]] = {
    "source": lambda regexp: regexp._source,
    "flags": lambda regexp: regexp._flags,
    "global": lambda regexp: "g" in regexp._flags,
    "ignoreCase": lambda regexp: "i" in regexp._flags,
    "multiline": lambda regexp: "m" in regexp._flags,
    "sticky": lambda regexp: False,
    "lastIndex": lambda regexp: 0,
}


def member(regexp: JsRegExp, name: str) -> Any:
    """`regexp.name` as JavaScript reads it; any other name is undefined (never a Python attribute)."""
    if name in PROPERTIES:
        return PROPERTIES[name](regexp)
    method = MEMBERS.get(name)
    if method is None:
        return jsops.UNDEFINED

    def bound(*args: Any) -> Any:
        return method(regexp, args)

    bound.__name__ = bound.__qualname__ = name
    return bound
