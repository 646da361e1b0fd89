"""Regular expressions that come from templates, schemas, entities or users, run in linear time.

Why RE2 rather than a timeout: Python's `re` backtracks, so `^(a+)+$` (or Backstage's own
entity-name pattern) against forty characters and a `!` runs for minutes; a timeout cannot stop
it, because `re` holds the GIL inside one C call that no signal or thread interrupts, and killing
the worker is the outage we are avoiding. RE2 (google-re2) compiles to automata and matches in
time linear in the text, whatever the pattern. The price is the few constructs that need
backtracking (lookahead, lookbehind, backreferences): those are refused with a message naming the
field, so the template's author can rewrite the pattern.

Linear is not free: the slow path (RE2's NFA) costs about text length times program size. So
each match is bounded (`MAX_COST`: a pattern refuses to check a text it would take more than
~0.2 s on, with a clear message), and the regex work of one web request shares a budget
(`regex_budget`, installed by `RegexBudgetMiddleware`): once spent, the remaining checks fail
fast with a message instead of holding the worker. Together no request spends more than about
a second on regular expressions.

Patterns are written for JavaScript (JSON Schema's `pattern` is ECMA-262, as Backstage's form
runs it): `ecma_to_re2` translates the differences that matter (`\\uXXXX`, `\\u{...}`, `\\cX`,
`\\s`, `.`, `[^]`, `[]`) and explains what RE2 cannot do.
"""

import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import re2
from jsonschema import FormatChecker, ValidationError
from jsonschema.validators import extend

MAX_PATTERN_LENGTH = 1000  # characters; real template patterns are a few dozen
MAX_MEMORY = 1 << 20  # RE2's memory budget per pattern: a bigger program fails to compile, quickly
MAX_COST = 10_000_000  # text bytes x program size for one match: ~0.2 s at RE2's slowest
REQUEST_BUDGET = 0.5  # seconds of regex work per request; one more match at most adds MAX_COST

# ECMA-262's WhiteSpace and LineTerminator: what JavaScript's \s matches (RE2's \s is ASCII only).
_ECMA_SPACE = r"\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}"
_ECMA_DOT = r"[^\n\r\x{2028}\x{2029}]"  # JavaScript's `.` stops at every line terminator
_LOOKAROUND = {"(?=": "a lookahead (?=...)", "(?!": "a negative lookahead (?!...)",
               "(?<=": "a lookbehind (?<=...)", "(?<!": "a negative lookbehind (?<!...)"}
_UNSUPPORTED = ("; patterns run with RE2, which matches in linear time and so cannot look around "
                "or refer back: rewrite it without that construct")

_budget: ContextVar[list[float] | None] = ContextVar("regex_budget", default=None)


class PatternError(ValueError):
    """A pattern that cannot be used, or a text it cannot check in time. `reason` reads after
    the field's name ("uses a lookahead..."); str() puts `where` in front."""

    def __init__(self, reason: str, *, where: str = ""):
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason = reason
        self.where = where


class Pattern:
    """A compiled pattern; `search` answers whether it matches anywhere in a text."""

    def __init__(self, source: str, compiled):
        self.source = source
        self._compiled = compiled
        self.size = compiled.programsize

    def search(self, text: str, *, where: str = "") -> bool:
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
        if size * self.size > MAX_COST:
            limit = MAX_COST // self.size
            raise PatternError(f"is too long to check against the pattern {self.source} "
                               f"(at most about {limit:,} characters)", where=where)
        with _spending(where):
            return self._compiled.search(text) is not None

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"


def compile_pattern(pattern: str, *, where: str) -> Pattern:
    """The pattern (ECMA-262 syntax) compiled for linear-time matching; PatternError naming
    `where` (the field, "properties.name.pattern") when it cannot be."""
    if not isinstance(pattern, str):
        raise PatternError(f"must be a string, not {type(pattern).__name__}", where=where)
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"is longer than {MAX_PATTERN_LENGTH} characters", where=where)
    with _spending(where):
        compiled, reason = _compile(pattern)
    if compiled is None:
        raise PatternError(reason, where=where)
    return compiled


def pattern_search(pattern: str | Pattern, text: str, *, where: str) -> bool:
    """Whether `pattern` matches anywhere in `text` (JSON Schema's `pattern`: unanchored)."""
    compiled = pattern if isinstance(pattern, Pattern) else compile_pattern(pattern, where=where)
    return compiled.search(text, where=where)


@contextmanager
def regex_budget(seconds: float | None = None):
    """Share `seconds` (REQUEST_BUDGET) of regex work among everything inside; nested budgets keep
    the outer one."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set([REQUEST_BUDGET if seconds is None else seconds])
    try:
        yield
    finally:
        _budget.reset(token)


class RegexBudgetMiddleware:
    """Gives each request one `regex_budget`, so no request holds a worker on regex work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with regex_budget():
            return self.get_response(request)


def linear_validator(base):
    """`base` (a jsonschema validator class, Draft7Validator) with `pattern`, `patternProperties`,
    `additionalProperties` and the `regex` format run here instead of with Python's `re`.

    A pattern that cannot be used becomes a ValidationError whose `cause` is the PatternError.
    `check_schema` picks the meta-schema's own format checker: pass it `format_checker=
    validator.FORMAT_CHECKER` so a schema's patterns are compiled here when it is checked.
    """
    checker = FormatChecker(())
    checker.checkers = {**base.FORMAT_CHECKER.checkers}
    checker.checks("regex", raises=PatternError)(_is_regex)
    keywords = {"pattern": _pattern, "patternProperties": _pattern_properties,
                "additionalProperties": _additional_properties}
    return extend(base, validators=keywords, format_checker=checker)


def _is_regex(instance) -> bool:
    return not isinstance(instance, str) or compile_pattern(instance, where="") is not None


def _pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    try:
        if not pattern_search(pattern, instance, where=""):
            yield ValidationError(f"{instance!r} does not match {pattern!r}")
    except PatternError as exc:
        yield ValidationError(exc.reason, cause=exc)


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            try:
                matched = pattern_search(pattern, key, where="")
            except PatternError as exc:
                yield ValidationError(f"property name {key!r} {exc.reason}", cause=exc)
                return
            if matched:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator, allowed, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    known, patterns = schema.get("properties", {}), list(schema.get("patternProperties", {}))
    try:
        extras = [key for key in instance
                  if key not in known and not any(pattern_search(p, key, where="") for p in patterns)]
    except PatternError as exc:
        yield ValidationError(exc.reason, cause=exc)
        return
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif allowed is False and extras:
        names = ", ".join(repr(extra) for extra in sorted(extras, key=str))
        yield ValidationError(f"Additional properties are not allowed ({names} unexpected)")


@contextmanager
def _spending(where: str):
    remaining = _budget.get()
    if remaining is not None and remaining[0] <= 0:
        raise PatternError("could not be checked: this request's patterns took too long to evaluate",
                           where=where)
    started = time.perf_counter()
    try:
        yield
    finally:
        if remaining is not None:
            remaining[0] -= time.perf_counter() - started


@lru_cache(maxsize=128)  # each entry may hold up to MAX_MEMORY: at most ~128 MB per process
def _compile(pattern: str) -> tuple[Pattern | None, str]:
    """(compiled, "") or (None, why not); failures are cached too, they are the costly ones."""
    try:
        translated = ecma_to_re2(pattern)
    except PatternError as exc:
        return None, exc.reason
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported to the author, not to stderr
    options.never_capture = True  # only "does it match": lets RE2 answer with its DFA
    options.max_mem = MAX_MEMORY
    try:
        return Pattern(pattern, re2.compile(translated, options)), ""
    except re2.error as exc:
        return None, _explain(exc)


def _explain(exc: Exception) -> str:
    detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
    if "too large" in detail:
        return "is too large to run (simplify its repetitions or character classes)"
    if "repetition" in detail:
        return f"is not a valid regular expression ({detail}; repetition counts go up to 1000)"
    return f"is not a valid regular expression ({detail})"


def ecma_to_re2(pattern: str) -> str:
    """ECMA-262 (JavaScript, with the `u` flag's code points) syntax as RE2 syntax."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            text, i = _escape(pattern, i, in_class)
            out.append(text)
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "(":
            for opener, name in _LOOKAROUND.items():
                if pattern.startswith(opener, i):
                    raise PatternError(f"uses {name}" + _UNSUPPORTED)
            out.append(char)
        elif char == "[" and pattern.startswith("[^]", i):
            out.append("(?s:.)")  # JavaScript: any character at all
            i += 2
        elif char == "[" and pattern.startswith("[]", i):
            out.append(r"[^\x00-\x{10ffff}]")  # JavaScript: matches nothing
            i += 1
        elif char == "[":
            in_class = True
            out.append(char)
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
        elif char == ".":
            out.append(_ECMA_DOT)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """The RE2 text for the escape at pattern[i] ("\\"), and the index after it."""
    nxt = pattern[i + 1:i + 2]
    if nxt == "u":
        unit = re.match(r"\\u\{([0-9A-Fa-f]{1,6})\}|\\u([0-9A-Fa-f]{4})(?:\\u([dD][c-fC-F][0-9A-Fa-f]{2}))?",
                        pattern[i:])
        if unit is None:
            raise PatternError(r"has an invalid \u escape; expected \uXXXX or \u{X...}")
        code = int(unit.group(1) or unit.group(2), 16)
        if unit.group(3) and 0xD800 <= code <= 0xDBFF:  # a UTF-16 surrogate pair: one code point
            code = 0x10000 + ((code - 0xD800) << 10) + (int(unit.group(3), 16) - 0xDC00)
        elif unit.group(3):
            return rf"\x{{{code:x}}}", i + 6  # not a pair: the second escape is read on its own
        return rf"\x{{{code:x}}}", i + unit.end()
    if nxt == "c" and pattern[i + 2:i + 3].isascii() and pattern[i + 2:i + 3].isalpha():
        return rf"\x{{{ord(pattern[i + 2]) % 32:02x}}}", i + 3
    if nxt == "0" and not pattern[i + 2:i + 3].isdigit():
        return r"\x00", i + 2
    if nxt == "s":
        return (_ECMA_SPACE if in_class else f"[{_ECMA_SPACE}]"), i + 2
    if nxt == "S" and not in_class:
        return f"[^{_ECMA_SPACE}]", i + 2
    if nxt == "b" and in_class:
        return r"\x08", i + 2  # JavaScript: backspace inside a class
    if not in_class and (nxt.isdigit() or pattern.startswith("k<", i + 1)):
        raise PatternError(f"uses a backreference (\\{nxt}...)" + _UNSUPPORTED)
    return pattern[i:i + 2], i + 2
