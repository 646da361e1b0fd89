"""nunjucks' built-in filters where they differ from Jinja's, as Backstage templates rely on them.

Each follows github.com/mozilla/nunjucks nunjucks/src/filters.js (the function of the same name);
the comments cite what differs from Jinja's filter of that name. Inputs are JavaScript values:
`normalize(value, '')` there turns undefined, null and false into "" (lower, upper, title,
truncate, wordcount, indent, length). The sandbox wraps every filter with its size and secret
checks (guards.py); the ones that can grow (indent, batch, replace, join) are sized there or here.

Deliberate differences: filters nunjucks would throw a TypeError on (`trim` of undefined,
`string` of undefined, `lower` of a number) give a value instead; Jinja's extra keyword arguments
(`indent(first=True, blank=False)`, `join(attribute=...)`) still work; groupby, dictsort, slice, list,
selectattr and rejectattr are nunjucks_lists.py's; the filters not listed in FILTERS keep Jinja's
behaviour (sum, abs, random, select, reject, urlize, wordwrap...).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from jinja2 import Undefined

from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions import jsops, nunjucks_lists, regexp
from scaffolding.lib.expressions.javascript import is_truthy
from scaffolding.lib.expressions.limits import _budget, _LimitError

# lib.js escapeMap: & " ' < > and the backslash.
_ESCAPES = {"&": "&amp;", '"': "&quot;", "'": "&#39;", "<": "&lt;", ">": "&gt;", "\\": "&#92;"}
_ESCAPE_RE = re.compile(r"[&\"'<>\\]")
_WORD = re.compile(r"[A-Za-z0-9_]+")  # JavaScript's \w is ASCII


class SafeString(str):
    """nunjucks' SafeString: `escape` leaves it alone. A plain str everywhere else (autoescape is off)."""

    __slots__ = ()


def _limit() -> int:
    return _budget().limits.output


def _normalize(value: Any, default: Any = "") -> Any:
    # filters.js `normalize`: null, undefined and false become the default.
    if value is None or value is False or isinstance(value, Undefined):
        return default
    return value


def _text(value: Any) -> str:
    value = _normalize(value)
    return value if isinstance(value, str) else js.js_string(value, limit=_limit())


def lower(value: Any) -> str:
    return _text(value).lower()


def upper(value: Any) -> str:
    return _text(value).upper()


def _capitalize(word: str) -> str:
    lowered = word.lower()
    return lowered[:1].upper() + lowered[1:]


def title(value: Any) -> str:
    # nunjucks splits on " " only: "hello-world" stays "Hello-world" (Jinja: "Hello-World").
    return " ".join(_capitalize(word) for word in _text(value).split(" "))


def trim(value: Any, chars: Any = None) -> Any:
    # nunjucks strips JavaScript's white space; Jinja's `chars` argument still works.
    if isinstance(value, Undefined):
        return value
    return _text(value).strip(chars if isinstance(chars, str) and chars else jsops.JS_SPACE)


def default(value: Any, default_value: Any = jsops.UNDEFINED, boolean: Any = False) -> Any:
    # `value !== undefined ? value : def`; with `true`, JavaScript truthiness ([] and {} are true).
    if boolean:
        return value if is_truthy(value) else default_value
    return default_value if isinstance(value, Undefined) else value


def _member(value: Any, index: int) -> Any:
    if isinstance(value, (str, list, tuple)):
        return value[index] if -len(value) <= index < len(value) else jsops.UNDEFINED
    if isinstance(value, Mapping) and index >= 0:
        return value.get(str(index), jsops.UNDEFINED)  # obj[0] reads the key "0"
    if isinstance(value, Undefined) or value is None:
        return jsops.UNDEFINED
    return jsops.UNDEFINED


def first(value: Any) -> Any:
    return _member(value, 0)


def last(value: Any) -> Any:
    if isinstance(value, Mapping):
        return jsops.UNDEFINED  # obj[obj.length - 1] is obj[NaN]
    return _member(value, -1)


def length(value: Any) -> Any:
    value = _normalize(value)
    if isinstance(value, Mapping):
        return len(value)
    if isinstance(value, (str, list, tuple)):
        return len(value)
    return jsops.UNDEFINED  # (5).length


def join(value: Any, delimiter: Any = "", attribute: Any = None, d: Any = None) -> Any:
    # `arr.join(del || '')`: nothing between items by default (Jinja too), and items print as
    # JavaScript's join prints them: null and undefined as "", true as "true", [1, 2] as "1,2".
    if isinstance(value, Undefined):
        return value
    if d is not None:  # Jinja's name for the delimiter
        delimiter = d
    delimiter = jsops.to_string(delimiter) if delimiter else ""
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, (str, Mapping)) else \
        list(value) if isinstance(value, str) else []
    if attribute:
        items = [item.get(attribute, jsops.UNDEFINED) if isinstance(item, Mapping) else jsops.UNDEFINED
                 for item in items]
    texts, used = [], 0
    for index, item in enumerate(items):
        text = "" if item is None or isinstance(item, Undefined) else js.js_string(item, limit=_limit())
        used += len(text) + (len(delimiter) if index else 0)
        if used > _limit():
            raise _LimitError(f"the result of join would be larger than the limit of {_limit()} characters")
        texts.append(text)
    return delimiter.join(texts)


def escape(value: Any) -> SafeString:
    if isinstance(value, SafeString):
        return value
    text = "" if value is None or isinstance(value, Undefined) else js.js_string(value, limit=_limit())
    escaped = _ESCAPE_RE.sub(lambda match: _ESCAPES[match.group(0)], text)
    if len(escaped) > _limit():
        raise _LimitError(f"the result of escape would be larger than the limit of {_limit()} characters")
    return SafeString(escaped)


def safe(value: Any) -> SafeString:
    if isinstance(value, SafeString):
        return value
    return SafeString("" if value is None or isinstance(value, Undefined) else js.js_string(value, limit=_limit()))


def _uri_component(value: Any) -> str:
    # encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) (Jinja's urlencode also keeps "/").
    return quote(jsops.to_string(value, limit=_limit()), safe="-_.!~*'()")


def urlencode(value: Any) -> str:
    if isinstance(value, str):
        return _uri_component(value)
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        pairs = [tuple(pair) + (jsops.UNDEFINED,) * (2 - len(pair)) if isinstance(pair, (list, tuple)) else
                 (pair, jsops.UNDEFINED) for pair in value]
    else:
        return ""
    return "&".join(f"{_uri_component(key)}={_uri_component(item)}" for key, item, *_ in pairs)


def _parse_int(value: Any, base: Any) -> int | None:
    """parseInt(value, base) (ECMA-262 19.2.5); None for NaN."""
    text = jsops.to_string(value, limit=_limit()).lstrip(jsops.JS_SPACE)
    sign = -1 if text.startswith("-") else 1
    text = text[1:] if text[:1] in "+-" else text
    radix = jsops.to_integer(base)
    if radix == 0:
        radix = 10
    elif not 2 <= radix <= 36:
        return None
    radix = int(radix)
    if radix in (10, 16) and text[:2].lower() == "0x" and (radix == 16 or jsops.to_integer(base) == 0):
        text, radix = text[2:], 16
    digits = ""
    for char in text:
        if char.isascii() and char.isalnum() and int(char, 36) < radix:
            digits += char
        else:
            break
    return sign * int(digits, radix) if digits else None


def int_filter(value: Any, default: Any = jsops.UNDEFINED, base: Any = 10) -> Any:
    # parseInt: "12px" is 12 and "abc" is the default, which is undefined unless given (Jinja: 0).
    if isinstance(base, Undefined) or base is None:
        base = 10
    result = _parse_int(value, base)
    return default if result is None else result


_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def float_filter(value: Any, default: Any = jsops.UNDEFINED) -> Any:
    # parseFloat: the longest numeric prefix, "3.5x" is 3.5 (Jinja: 0.0).
    text = jsops.to_string(value, limit=_limit()).lstrip(jsops.JS_SPACE)
    match = _FLOAT_PREFIX.match(text)
    if match is None:
        return default
    number = float(match.group(0).replace("Infinity", "inf"))
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number


def capitalize(value: Any) -> str:
    # `ret.charAt(0).toUpperCase() + ret.slice(1)` of the lower-cased text; null and false are ""
    # (Jinja prints "None", and title-cases the first character: "ǆ" is "ǅ" there, "Ǆ" here).
    return _capitalize(_text(value))


def center(value: Any, width: Any = 80) -> str:
    # lib.repeat(' ', spaces / 2 - spaces % 2) before and lib.repeat(' ', spaces / 2) after: an odd
    # padding puts the extra space after (Python's str.center may put it before).
    text = _text(value)
    size = jsops.to_number(width) if is_truthy(width) else 80
    if size != size or len(text) >= size:
        return text
    if size > _limit():
        raise _LimitError(f"the result of center would be larger than the limit of {_limit()} characters")
    spaces = size - len(text)
    before, after = spaces / 2 - spaces % 2, spaces / 2
    return " " * max(math.ceil(before), 0) + text + " " * max(math.ceil(after), 0)  # repeat's `i < n`


def _js_round(number: float) -> float:
    # Math.round: the nearest integer, halves toward +Infinity (2.5 -> 3, -2.5 -> -2; Python: 2 and -2).
    whole = math.floor(number)
    return whole + 1 if number - whole >= 0.5 else whole


def round_filter(value: Any, precision: Any = 0, method: Any = "common") -> Any:
    """`rounder(val * factor) / factor` with Math.round, Math.ceil or Math.floor; strings are numbers
    ("2.5" is 3), null is 0, and whole results are integers (Jinja: 2.0, and halves to even). Undefined
    passes through, as it does every filter here (nunjucks prints NaN)."""
    if isinstance(value, Undefined):
        return value
    number = jsops.to_number(value)
    digits = jsops.to_number(precision) if is_truthy(precision) else 0
    try:
        factor = 10.0 ** digits
    except OverflowError:
        factor = math.inf
    if number != number or math.isinf(number) or digits != digits:
        return number if digits == digits else math.nan
    rounder = math.ceil if method == "ceil" else math.floor if method == "floor" else _js_round
    scaled = number * factor
    result = (rounder(scaled) if math.isfinite(scaled) else scaled) / factor if factor else math.nan
    if isinstance(result, float) and result.is_integer() and abs(result) < 2 ** 53:
        return int(result)
    return result


def nl2br(value: Any) -> str:
    # `str.replace(/\r\n|\n/g, '<br />\n')`; null and undefined are "" (Jinja has no nl2br).
    if value is None or isinstance(value, Undefined):
        return ""
    text = value if isinstance(value, str) else js.js_string(value, limit=_limit())
    text = text.replace("\r\n", "\n")
    if len(text) + 6 * text.count("\n") > _limit():
        raise _LimitError(f"the result of nl2br would be larger than the limit of {_limit()} characters")
    return text.replace("\n", "<br />\n")


_TAGS = (r"<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->", "gi")


def striptags(value: Any, preserve_linebreaks: Any = False) -> str:
    """filters.js striptags with its own patterns, run by RE2 (they would backtrack quadratically in
    Python's re on `<a` without `>`). Unlike Jinja's, entities such as &amp; stay as they are."""
    text = regexp.replace(_text(value), regexp.compile_regexp(*_TAGS), "")
    text = regexp.replace(text, regexp.compile_regexp(r"^\s*|\s*$", "g"), "")  # filters.js trim
    if is_truthy(preserve_linebreaks):
        for pattern, flags, new in ((r"^ +| +$", "gm", ""), (r" +", "g", " "), (r"(\r\n)", "g", "\n"),
                                    (r"\n\n\n+", "g", "\n\n")):
            text = regexp.replace(text, regexp.compile_regexp(pattern, flags), new)
        return text
    return regexp.replace(text, regexp.compile_regexp(r"\s+", "gi"), " ")


def reverse(value: Any) -> Any:
    if isinstance(value, Undefined):
        return value
    if isinstance(value, str):
        return value[::-1]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return list(value)[::-1]
    return []


def _attribute_getter(attribute: Any):
    # lib.getAttrGetter: "a.b" walks into objects.
    parts = str(attribute).split(".")

    def get(item: Any) -> Any:
        for part in parts:
            if isinstance(item, Mapping) and part in item:
                item = item[part]
            elif isinstance(item, (list, tuple)) and part.isdigit() and int(part) < len(item):
                item = item[int(part)]
            else:
                return jsops.UNDEFINED
        return item

    return get


def sort(value: Any, reverse: Any = False, case_sensitive: Any = False, attribute: Any = None) -> Any:
    """sort(reverse, case_sensitive, attribute), compared with JavaScript's `<` and `>`, stable; mixed
    types never fail (Jinja raises a TypeError comparing a number with a string)."""
    if isinstance(value, Undefined):
        return value
    items = list(value.keys()) if isinstance(value, Mapping) else list(value)
    get = _attribute_getter(attribute) if attribute else (lambda item: item)
    if not attribute:  # Array.prototype.sort leaves undefined items at the end, uncompared
        tail = [item for item in items if isinstance(item, Undefined)]
        items = [item for item in items if not isinstance(item, Undefined)]
    else:
        tail = []

    budget = _budget()
    if not attribute and (all(jsops.is_number(item) and item == item for item in items)
                          or all(isinstance(item, str) for item in items)):
        # Numbers alone, or strings alone, order as Python orders them: sort without a comparator.
        key = (lambda item: item.lower()) if items and isinstance(items[0], str) and not case_sensitive else None
        return sorted(items, key=key, reverse=bool(reverse)) + tail

    def compare(a: Any, b: Any) -> int:
        budget.visit()  # a long sort still meets the time limit
        x, y = get(a), get(b)
        if not case_sensitive and isinstance(x, str) and isinstance(y, str):
            x, y = x.lower(), y.lower()
        if jsops.less_than(x, y):
            return 1 if reverse else -1
        if jsops.less_than(y, x):
            return -1 if reverse else 1
        return 0

    return sorted(items, key=functools.cmp_to_key(compare)) + tail


def batch(value: Any, linecount: Any, fill_with: Any = None) -> list:
    # `i % linecount === 0` starts a new batch; fillWith pads the last one only when truthy.
    if isinstance(value, Undefined):
        return []
    items = list(value) if not isinstance(value, Mapping) else []
    count = jsops.to_number(linecount)
    result, current = [], []
    for index, item in enumerate(items):
        if current and count == count and count != 0 and index % count == 0:
            result.append(current)
            current = []
        current.append(item)
    if current:
        if is_truthy(fill_with) and count == count and count != float("inf"):
            missing = int(count) - len(current) if count > len(current) else 0
            if missing > _limit():
                raise _LimitError(f"batch's fill would be larger than the limit of {_limit()} items")
            current.extend([fill_with] * missing)
        result.append(current)
    return result


def wordcount(value: Any) -> Any:
    text = _text(value)
    words = _WORD.findall(text) if text else []
    return len(words) if words else None  # `str.match(/\w+/g)` is null without a match


def truncate(value: Any, length: Any = 255, killwords: Any = False, end: Any = None, leeway: Any = None) -> Any:
    # Cuts at the last space before `length` and adds "..." (Jinja keeps 5 characters of leeway;
    # its `leeway` argument is accepted and ignored, nunjucks has none).
    text = _text(value)
    size = jsops.to_integer(length) if length else 255
    if len(text) <= size:
        return text
    size = max(int(size), 0)
    if killwords:
        cut = text[:size]
    else:
        index = text.rfind(" ", 0, size + 1)
        cut = text[: size if index == -1 else index]
    return cut + ("..." if end is None or isinstance(end, Undefined) else jsops.to_string(end))


def indent(value: Any, width: Any = 4, indentfirst: Any = False, blank: Any = True, first: Any = None) -> str:
    # nunjucks indents every line but the first, blank lines included (Jinja skips blank lines).
    text = _text(value)
    if text == "":
        return ""
    if first is not None:
        indentfirst = first
    pad = width if isinstance(width, str) else " " * int(jsops.to_integer(width or 4))
    lines = text.split("\n")
    if len(pad) * len(lines) + len(text) > _limit():
        raise _LimitError(f"the result of indent would be larger than the limit of {_limit()} characters")
    return "\n".join(line if (index == 0 and not indentfirst) or (not blank and not line.strip())
                     else pad + line for index, line in enumerate(lines))


def replace(value: Any, old: Any, new: Any = jsops.UNDEFINED, count: Any = None) -> Any:
    """`replace(old, new, maxCount)`: every occurrence of a string; a non-string `old` returns the input
    unchanged. With a `r/.../flags` literal, `str.replace(old, new_)`: every match with g, else the
    first, maxCount ignored, `$1` and `$&` substituted (regexp.py, run by RE2)."""
    if isinstance(old, regexp.JsRegExp):
        if isinstance(value, Undefined) or value is None:
            return value  # nunjucks throws calling undefined.replace; nothing to replace here
        return regexp.replace(value if isinstance(value, str) else js.js_string(value, limit=_limit()), old, new)
    if jsops.is_number(value):
        value = js.js_string(value)
    if isinstance(old, (int, float)) and not isinstance(old, bool):
        old = js.js_string(old)
    if not isinstance(old, str) or not isinstance(value, str):
        return value
    new_text = jsops.to_string(new, limit=_limit())
    count = -1 if count is None or isinstance(count, Undefined) else jsops.to_integer(count)
    if old == "":
        size = len(value) + (len(value) + 1) * len(new_text)
        if size > _limit():
            raise _LimitError(f"the result of replace would be larger than the limit of {_limit()} characters")
        return new_text + new_text.join(value) + new_text
    occurrences = value.count(old)
    if count == 0 or occurrences == 0:
        return value
    done = occurrences if count < 0 else min(occurrences, int(count))
    if len(value) + done * (len(new_text) - len(old)) > _limit():
        raise _LimitError(f"the result of replace would be larger than the limit of {_limit()} characters")
    return value.replace(old, new_text, done)


FILTERS = {
    "lower": lower,
    "upper": upper,
    "title": title,
    "trim": trim,
    "default": default,
    "d": default,
    "first": first,
    "last": last,
    "length": length,
    "count": length,
    "join": join,
    "escape": escape,
    "e": escape,
    "forceescape": lambda value: escape(str(_text(value))),
    "safe": safe,
    "urlencode": urlencode,
    "int": int_filter,
    "float": float_filter,
    "reverse": reverse,
    "sort": sort,
    "batch": batch,
    "wordcount": wordcount,
    "truncate": truncate,
    "indent": indent,
    "replace": replace,
    "capitalize": capitalize,
    "center": center,
    "round": round_filter,
    "nl2br": nl2br,
    "striptags": striptags,
    **nunjucks_lists.FILTERS,
}
