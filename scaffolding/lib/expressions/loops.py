"""What `{% for %}` iterates, as nunjucks/src/compiler.js `compileFor` does.

    {% for x in arr %}        `if (arr) { arr = fromIterator(arr); for (i = 0; i < arr.length; i++) ... }`:
                              an array's items, a string's characters; an object, a number, null,
                              undefined, false, 0 and "" iterate nothing (they have no length).
    {% for a, b in arr %}     an array: `a = arr[i][0]`, `b = arr[i][1]`, whatever each item is
                              (missing places are undefined, extra ones ignored); anything else:
                              `for (k in arr)`, its own keys and values, in JavaScript's key order
                              (integer keys ascending, then the others as inserted); names past
                              the second are undefined.

`{% else %}` runs when nothing was iterated (`if (!len)`), and `loop.index`, `index0`, `revindex`,
`revindex0`, `first`, `last` and `length` are Jinja's, which match nunjucks' `_emitLoopBindings`.
Keys are strings, as JavaScript's are: a YAML key `8080:` iterates as "8080".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from scaffolding.lib.expressions import jsops
from scaffolding.lib.expressions.javascript import is_truthy
from scaffolding.lib.expressions.limits import _budget

_MAX_INDEX = 2 ** 32 - 2  # the largest array index, which JavaScript orders first among keys


def _array_index(key: str) -> int | None:
    if key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) <= _MAX_INDEX:
        return int(key)
    return None


def js_keys(obj: Mapping) -> list[tuple[str, Any]]:
    """An object's (key, value) pairs in JavaScript's property order (OrdinaryOwnPropertyKeys)."""
    budget = _budget()
    indexed, named = [], []
    limit = budget.limits.output
    for key, value in obj.items():
        budget.visit()
        text = key if isinstance(key, str) else jsops.to_string(key, limit=limit)
        index = _array_index(text)
        (named if index is None else indexed).append((index, text, value))
    indexed.sort(key=lambda entry: entry[0])
    return [(text, value) for _, text, value in indexed + named]


def _is_array(value: Any) -> bool:
    # runtime.fromIterator makes any iterable but a string or an object an array.
    return isinstance(value, Iterable) and not isinstance(value, (str, Mapping))


def items(value: Any) -> Iterable:
    """`{% for x in value %}`."""
    if not is_truthy(value) or isinstance(value, Mapping):
        return ()
    if isinstance(value, str) or _is_array(value):
        return value
    return ()  # numbers and true have no length


def _place(item: Any, index: int) -> Any:
    # `arr[i][u]` of any item: an array's or a string's place, an object's key "0", else undefined.
    if isinstance(item, (list, tuple, str)):
        return item[index] if index < len(item) else jsops.UNDEFINED
    if isinstance(item, Mapping):
        return item.get(str(index), jsops.UNDEFINED)
    if _is_array(item):
        for position, element in enumerate(item):
            if position == index:
                return element
    return jsops.UNDEFINED


def pairs(value: Any, names: int) -> Iterator[tuple]:
    """`{% for a, b[, c...] in value %}`: tuples of `names` values."""
    if not is_truthy(value):
        return
    if _is_array(value):
        for item in value:
            yield tuple(_place(item, index) for index in range(names))
        return
    if isinstance(value, Mapping):
        entries = js_keys(value)
    elif isinstance(value, str):
        entries = [(str(index), char) for index, char in enumerate(value)]  # for-in over a string
    else:
        return  # a number or true: no own keys
    padding = (jsops.UNDEFINED,) * (names - 2)
    for key, item in entries:
        yield (key, item, *padding)[:names]
