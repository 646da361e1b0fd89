"""The JavaScript string and array members nunjucks lets Backstage templates use.

nunjucks' runtime.js `memberLookup(obj, val)` returns `obj[val]`, binding it when it is a function,
so `${{ parameters.name.replaceAll(' ', '-') }}` calls String.prototype.replaceAll and
`${{ parameters.tags.length }}` reads Array.prototype.length. `member(obj, name)` answers the same
lookups for Python str, list and tuple values with ECMA-262's semantics (cited per method below);
names that are not JavaScript members return MISSING and the sandbox falls back to Jinja.

Everything stays inside the sandbox's limits: results that can grow (padStart, padEnd, repeat,
replace, replaceAll, concat, join) are sized before or while they are built. `replace`, `replaceAll`,
`split`, `match` and `search` also take nunjucks' `r/.../flags` literals, run by RE2 (regexp.py);
the literals' own members (`r/^svc-/.test(name)`, `.source`, `.flags`) are regexp.member's.

Deliberate differences: lengths and indexes count Unicode code points, not UTF-16 code units (they
differ only for characters outside the Basic Multilingual Plane); methods that take a callback (map,
filter, find...) or mutate (push, sort, reverse) are not provided: nunjucks has no syntax for a
callback and the sandbox refuses mutation.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections.abc import Callable
from typing import Any

from jinja2 import Undefined

from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions import jsops, regexp
from scaffolding.lib.expressions.limits import _budget, _LimitError
from scaffolding.lib.expressions.opaque import refuse_secrets

MISSING = object()


def _limit() -> int:
    return _budget().limits.output


def _size(size: int | float, what: str) -> None:
    if size > _limit():
        raise _LimitError(f"the result of {what} would be larger than the limit of {_limit()} characters")


def _text(value: Any) -> str:
    return jsops.to_string(value, limit=_limit())


def _arg(args: tuple, index: int) -> Any:
    return args[index] if len(args) > index else jsops.UNDEFINED


def _clamp(position: Any, length: int, default: int) -> int:
    """A relative index (negative counts from the end) clamped to [0, length], as slice() reads it."""
    number = jsops.to_integer(position, default)
    if number < 0:
        number = max(length + number, 0)
    return int(min(number, length))


def _bound(position: Any, length: int, default: int) -> int:
    """An absolute position clamped to [0, length] (substring, startsWith, includes, indexOf)."""
    number = jsops.to_integer(position, default)
    return int(min(max(number, 0), length))


# --- String.prototype -----------------------------------------------------------------------------


def _substitution(matched: str, position: int, text: str, replacement: str) -> str:
    """GetSubstitution (ECMA-262 22.1.3.19.1) for a string pattern: $$, $&, $` and $'; no captures."""
    if "$" not in replacement:
        return replacement
    out, i = [], 0
    while i < len(replacement):
        char = replacement[i]
        nxt = replacement[i + 1] if i + 1 < len(replacement) else ""
        if char == "$" and nxt in ("$", "&", "`", "'"):
            out.append({"$": "$", "&": matched, "`": text[:position],
                        "'": text[position + len(matched):]}[nxt])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _replace(text: str, args: tuple, every: bool) -> str:
    """String.prototype.replace / replaceAll with a string pattern (22.1.3.19, 22.1.3.20)."""
    refuse_secrets("passing it to a function or method", *args)
    if isinstance(_arg(args, 0), regexp.JsRegExp):
        if every and not args[0].is_global:
            raise js.FilterError(f"replaceAll must be called with a global RegExp, got {args[0].literal}")
        return regexp.replace(text, args[0], _arg(args, 1))
    pattern, replacement = _text(_arg(args, 0)), _arg(args, 1)
    if callable(replacement):
        raise js.FilterError("replace: a function as the replacement is not supported")
    replacement = _text(replacement)
    if "$`" not in replacement and "$'" not in replacement:
        # The substitution is the same at every match: size it, then let str.replace do the work
        # ("abc".replace("", "-") is "-a-b-c-", as replaceAll("", "-") is in JavaScript).
        fixed = _substitution(pattern, 0, text, replacement)
        found = text.count(pattern) if pattern else len(text) + 1
        count = found if every else min(found, 1)
        _size(len(text) + count * (len(fixed) - len(pattern)), "replace")
        return text.replace(pattern, fixed, -1 if every else 1)
    out, used, previous, start = [], 0, 0, 0
    while start <= len(text):
        found = text.find(pattern, start)
        if found < 0:
            break
        piece = text[previous:found] + _substitution(pattern, found, text, replacement)
        used += len(piece)
        _size(used, "replace")
        out.append(piece)
        previous, start = found + len(pattern), found + max(len(pattern), 1)
        if not every:
            break
    out.append(text[previous:])
    _size(used + len(text) - previous, "replace")
    return "".join(out)


def _pad(text: str, args: tuple, at_start: bool) -> str:
    """padStart / padEnd (22.1.3.17.1 StringPad); the target length is sized before anything is built."""
    target = jsops.to_integer(_arg(args, 0))
    filler = " " if isinstance(_arg(args, 1), Undefined) else _text(args[1])
    if target <= len(text) or filler == "":
        return text
    _size(target, "padStart" if at_start else "padEnd")
    fill_length = int(target) - len(text)
    fill = (filler * (fill_length // len(filler) + 1))[:fill_length]
    return fill + text if at_start else text + fill


def _repeat(text: str, args: tuple) -> str:
    count = jsops.to_integer(_arg(args, 0))
    if count < 0 or math.isinf(count):
        raise js.FilterError(f"repeat: invalid count value: {count}")
    if not text or not count:
        return ""
    _size(len(text) * count, "repeat")
    return text * int(count)


def _split(text: str, args: tuple) -> list[str]:
    """String.prototype.split with a string separator (22.1.3.23); limit is ToUint32."""
    separator, limit = _arg(args, 0), _arg(args, 1)
    cap = 2 ** 32 - 1 if isinstance(limit, Undefined) else int(jsops.to_integer(limit)) % 2 ** 32
    if cap == 0:
        return []
    if isinstance(separator, Undefined):
        return [text]
    if isinstance(separator, regexp.JsRegExp):
        return regexp.split(text, separator, cap)
    separator = _text(separator)
    parts = list(text) if separator == "" else text.split(separator)
    return parts[:cap]


def _regexp_arg(args: tuple, name: str) -> regexp.JsRegExp:
    value = _arg(args, 0)
    if isinstance(value, regexp.JsRegExp):
        return value
    # `new RegExp(String(value))`, as JavaScript does (undefined is the empty pattern); RE2 runs it, so a
    # pattern taken from the form's answers cannot backtrack either.
    source = "(?:)" if isinstance(value, Undefined) else _text(value)
    try:
        return regexp.compile_regexp(source, "")
    except regexp.RegExpError as exc:
        raise js.FilterError(f"{name}: {exc}") from None


def _index_of(text: str, args: tuple) -> int:
    search = _text(_arg(args, 0))
    return text.find(search, _bound(_arg(args, 1), len(text), 0))


def _last_index_of(text: str, args: tuple) -> int:
    search = _text(_arg(args, 0))
    position = _arg(args, 1)
    number = jsops.to_number(position)
    start = len(text) if isinstance(position, Undefined) or number != number else _bound(number, len(text), 0)
    return text.rfind(search, 0, start + len(search))


def _substring(text: str, args: tuple) -> str:
    start = _bound(_arg(args, 0), len(text), 0)
    end = _bound(_arg(args, 1), len(text), len(text)) if not isinstance(_arg(args, 1), Undefined) else len(text)
    return text[min(start, end):max(start, end)]


def _substr(text: str, args: tuple) -> str:
    start = _clamp(_arg(args, 0), len(text), 0)
    length = len(text) - start if isinstance(_arg(args, 1), Undefined) else jsops.to_integer(args[1])
    length = int(min(max(length, 0), len(text) - start))
    return text[start:start + length]


def _slice(value: Any, args: tuple) -> Any:
    start = _clamp(_arg(args, 0), len(value), 0)
    end = len(value) if isinstance(_arg(args, 1), Undefined) else _clamp(args[1], len(value), len(value))
    result = value[start:end]
    return list(result) if isinstance(result, tuple) else result


def _at(value: Any, args: tuple) -> Any:
    index = jsops.to_integer(_arg(args, 0))
    if index < 0:
        index += len(value)
    return value[int(index)] if 0 <= index < len(value) else jsops.UNDEFINED


def _char_at(text: str, args: tuple) -> str:
    index = jsops.to_integer(_arg(args, 0))
    return text[int(index)] if 0 <= index < len(text) else ""


def _concat_text(text: str, args: tuple) -> str:
    refuse_secrets("passing it to a function or method", *args)
    parts = [text, *(_text(arg) for arg in args)]
    _size(sum(map(len, parts)), "concat")
    return "".join(parts)


def _starts_with(text: str, args: tuple) -> bool:
    return text.startswith(_text(_arg(args, 0)), _bound(_arg(args, 1), len(text), 0))


def _ends_with(text: str, args: tuple) -> bool:
    end = len(text) if isinstance(_arg(args, 1), Undefined) else _bound(args[1], len(text), len(text))
    return text[:end].endswith(_text(_arg(args, 0)))


def _includes_text(text: str, args: tuple) -> bool:
    return _text(_arg(args, 0)) in text[_bound(_arg(args, 1), len(text), 0):]


STRING_METHODS: dict[str, Callable[[str, tuple], Any]] = {
    "replace": lambda text, args: _replace(text, args, every=False),
    "replaceAll": lambda text, args: _replace(text, args, every=True),
    "toUpperCase": lambda text, args: text.upper(),
    "toLowerCase": lambda text, args: text.lower(),
    "toLocaleUpperCase": lambda text, args: text.upper(),
    "toLocaleLowerCase": lambda text, args: text.lower(),
    "trim": lambda text, args: text.strip(jsops.JS_SPACE),
    "trimStart": lambda text, args: text.lstrip(jsops.JS_SPACE),
    "trimEnd": lambda text, args: text.rstrip(jsops.JS_SPACE),
    "split": _split,
    "startsWith": _starts_with,
    "endsWith": _ends_with,
    "includes": _includes_text,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "slice": _slice,
    "substring": _substring,
    "substr": _substr,
    "padStart": lambda text, args: _pad(text, args, at_start=True),
    "padEnd": lambda text, args: _pad(text, args, at_start=False),
    "repeat": _repeat,
    "concat": _concat_text,
    "match": lambda text, args: regexp.match(text, _regexp_arg(args, "match")),
    "search": lambda text, args: regexp.search(text, _regexp_arg(args, "search")),
    "charAt": _char_at,
    "at": _at,
    "toString": lambda text, args: text,
    "valueOf": lambda text, args: text,
}


# --- Array.prototype --------------------------------------------------------------------------------


def _join(items: list | tuple, args: tuple) -> str:
    """Array.prototype.join (23.1.3.18): null and undefined items are "", the separator defaults to ","."""
    separator = "," if isinstance(_arg(args, 0), Undefined) else _text(args[0])
    refuse_secrets("joining it", *items)
    texts, used = [], 0
    for index, item in enumerate(items):
        text = js.js_string(item, limit=_limit())
        used += len(text) + (len(separator) if index else 0)
        _size(used, "join")
        texts.append(text)
    return separator.join(texts)


def _concat_list(items: list | tuple, args: tuple) -> list:
    result = list(items)
    for arg in args:
        if isinstance(arg, (list, tuple)):
            result.extend(arg)
        else:
            result.append(arg)
        _size(len(result), "concat")
    return result


def _find(items: list | tuple, args: tuple, *, same_value_zero: bool, last: bool = False) -> int:
    wanted = _arg(args, 0)
    refuse_secrets("searching for it", wanted, *items)
    if last:
        position = _arg(args, 1)
        start = len(items) - 1 if isinstance(position, Undefined) else jsops.to_integer(position)
        if start < 0:
            start += len(items)
        indexes = range(int(min(start, len(items) - 1)), -1, -1)
    else:
        indexes = range(_clamp(_arg(args, 1), len(items), 0), len(items))
    for index in indexes:
        if jsops.strict_equal(items[index], wanted, same_value_zero=same_value_zero):
            return index
    return -1


ARRAY_METHODS: dict[str, Callable[[list | tuple, tuple], Any]] = {
    "join": _join,
    "concat": _concat_list,
    "includes": lambda items, args: _find(items, args, same_value_zero=True) >= 0,
    "indexOf": lambda items, args: _find(items, args, same_value_zero=False),
    "lastIndexOf": lambda items, args: _find(items, args, same_value_zero=False, last=True),
    "slice": _slice,
    "at": _at,
    "toString": lambda items, args: _join(items, (",",)),
}


# --- Number.prototype and Boolean.prototype ------------------------------------------------------


def _to_fixed(number: int | float, args: tuple) -> str:
    """Number.prototype.toFixed (21.1.3.3): of two nearest results the larger n wins (2.5 -> "3")."""
    digits = jsops.to_integer(_arg(args, 0))
    if not 0 <= digits <= 100:
        raise js.FilterError(f"toFixed: digits must be between 0 and 100, got {digits}")
    if isinstance(number, float) and not math.isfinite(number):
        return js.js_string(number)
    if abs(number) >= 1e21:
        return js.js_string(number)
    quantum = decimal.Decimal(1).scaleb(-int(digits))
    rounded = decimal.Decimal(abs(number)).quantize(quantum, rounding=decimal.ROUND_HALF_UP)
    text = f"{rounded:f}"
    return f"-{text}" if number < 0 and rounded != 0 else text


def _number_to_string(number: int | float, args: tuple) -> str:
    radix = 10 if isinstance(_arg(args, 0), Undefined) else jsops.to_integer(args[0])
    if not 2 <= radix <= 36:
        raise js.FilterError(f"toString: radix must be between 2 and 36, got {radix}")
    if isinstance(number, int) and abs(number) >= 2 ** 53:
        number = float(number) if number.bit_length() <= 1024 else (math.inf if number > 0 else -math.inf)
    if radix == 10 or not (isinstance(number, int) or number.is_integer()):  # JavaScript numbers are doubles
        return js.js_string(number)
    value, digits = abs(int(number)), ""
    while True:
        value, remainder = divmod(value, int(radix))
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[remainder] + digits
        if not value:
            break
    return ("-" if number < 0 else "") + digits


NUMBER_METHODS: dict[str, Callable[[Any, tuple], Any]] = {
    "toFixed": _to_fixed,
    "toString": _number_to_string,
    "valueOf": lambda number, args: number,
}
BOOLEAN_METHODS: dict[str, Callable[[Any, tuple], Any]] = {
    "toString": lambda flag, args: "true" if flag else "false",
    "valueOf": lambda flag, args: flag,
}


def member(obj: Any, name: str) -> Any:
    """`obj.name` as JavaScript reads it for strings, arrays, numbers and booleans; MISSING otherwise."""
    if isinstance(obj, regexp.JsRegExp):
        return regexp.member(obj, name)
    if isinstance(obj, str):
        table = STRING_METHODS
    elif isinstance(obj, (list, tuple)):
        table = ARRAY_METHODS
    elif isinstance(obj, bool):
        table = BOOLEAN_METHODS
    elif isinstance(obj, (int, float)):
        table = NUMBER_METHODS
    else:
        return MISSING
    if name == "length":
        return len(obj) if isinstance(obj, (str, list, tuple)) else jsops.UNDEFINED
    method = table.get(name)
    if method is None:
        return MISSING
    return _bind(method, obj, name)


def _bind(method: Callable, obj: Any, name: str) -> Callable:
    @functools.wraps(method)
    def bound(*args: Any) -> Any:
        return method(obj, args)

    bound.__name__ = bound.__qualname__ = name
    return bound
