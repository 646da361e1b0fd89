"""JavaScript's undefined and operators, as nunjucks templates get them (Backstage renders with nunjucks,
whose expressions compile to JavaScript and whose SecureTemplater never sets throwOnUndefined).

nunjucks references (github.com/mozilla/nunjucks, nunjucks/src/):
- runtime.js `memberLookup`: a member of undefined or null is undefined, never an error.
- compiler.js `compileAdd` emits `a + b`, `compileConcat` emits `a + "" + b`: JavaScript's `+`, so
  `undefined + 'x'` is "undefinedx", `null ~ 'x'` is "nullx" and `1 + '2'` is "12".
- comparisons and arithmetic are JavaScript's: `undefined < 1` is false, `undefined - 1` is NaN.

Deliberate difference: `list + list` keeps Jinja's concatenation (JavaScript would give the string
"a,bc"); templates that add lists mean to concatenate them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import Undefined

from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions.opaque import refuse_secrets
from scaffolding.lib.expressions.undefined import JsUndefined

NAN = float("nan")
# ECMA-262 WhiteSpace and LineTerminator: what String.prototype.trim and Number() strip.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
           "\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


UNDEFINED = JsUndefined()


def is_undefined(value: Any) -> bool:
    return isinstance(value, Undefined)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def to_string(value: Any, *, limit: int = js.DEFAULT_LIMIT) -> str:
    """JavaScript's `String(value)`: unlike printing, undefined is "undefined" and null "null"."""
    if isinstance(value, Undefined):
        return "undefined"
    if value is None:
        return "null"
    return js.js_string(value, limit=limit)


def to_number(value: Any) -> float | int:
    """JavaScript's `Number(value)`."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if is_number(value):
        return value
    if isinstance(value, (Undefined, Mapping)):
        return NAN
    text = value if isinstance(value, str) else to_string(value)
    text = text.strip(JS_SPACE)
    if text == "":
        return 0
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        return int(text[2:], 16)
    if re.fullmatch(r"0[oO][0-7]+", text):
        return int(text[2:], 8)
    if re.fullmatch(r"0[bB][01]+", text):
        return int(text[2:], 2)
    if _DECIMAL.fullmatch(text):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() \
            and abs(number) < 2 ** 53 else number
    return NAN


def to_integer(value: Any, default: int = 0) -> int | float:
    """ToIntegerOrInfinity: NaN and undefined are `default`, fractions truncate, infinities stay."""
    if isinstance(value, Undefined):
        return default
    number = to_number(value)
    if isinstance(number, float):
        if math.isnan(number):
            return 0
        if math.isinf(number):
            return number
        return int(number)
    return number


def _primitive(value: Any) -> Any:
    # ToPrimitive: arrays and objects become their string form; everything else is already primitive.
    if isinstance(value, (list, tuple, Mapping)):
        return js.js_string(value)
    return value


def add(left: Any, right: Any, *, limit: int = js.DEFAULT_LIMIT) -> Any:
    """JavaScript's `left + right` (see the module docstring for the one deliberate difference)."""
    refuse_secrets("the operator +", left, right)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return list(left) + list(right)
    left, right = _primitive(left), _primitive(right)
    if isinstance(left, str) or isinstance(right, str):
        text_left, text_right = to_string(left, limit=limit), to_string(right, limit=limit)
        if len(text_left) + len(text_right) > limit:
            raise js.FilterError(f"the result of + would be larger than the limit of {limit} characters")
        return text_left + text_right
    if is_number(left) and is_number(right):
        return left + right
    return to_number(left) + to_number(right)


def strict_equal(left: Any, right: Any, *, same_value_zero: bool = False) -> bool:
    """`===` (or SameValueZero, which `includes` uses and which finds NaN)."""
    refuse_secrets("comparing it", left, right)
    if isinstance(left, Undefined) or isinstance(right, Undefined):
        return isinstance(left, Undefined) and isinstance(right, Undefined)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if is_number(left) and is_number(right):
        if same_value_zero and left != left and right != right:
            return True
        return left == right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return left is right


def less_than(left: Any, right: Any) -> bool:
    """JavaScript's `left < right` (what nunjucks' sort filter compares with)."""
    left, right = _primitive(left), _primitive(right)
    if isinstance(left, str) and isinstance(right, str):
        return left < right
    x, y = to_number(left), to_number(right)
    if x != x or y != y:
        return False
    return x < y
