"""nunjucks' groupby, dictsort, slice, list, selectattr and rejectattr, which differ from Jinja's.

Each follows nunjucks/src/filters.js (3.2.4, the version Backstage's SecureTemplater runs; the file
has not changed since 2020) and lib.js; what Jinja does instead is said per filter. Objects come
out in JavaScript's property order (loops.js_keys) and their keys are strings.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import Undefined

from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions import jsops
from scaffolding.lib.expressions.javascript import is_truthy
from scaffolding.lib.expressions.limits import _budget, _LimitError
from scaffolding.lib.expressions.loops import js_keys


def _array(value: Any, name: str) -> list | str:
    """`arr` as filters.js reads it with `arr.length` and `arr[i]`: a list, or a string's characters."""
    if isinstance(value, (list, tuple, str)):
        return value
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return list(value)  # runtime.fromIterator
    if value is None or isinstance(value, Undefined):
        return []
    raise js.FilterError(f"{name}: expected a list, got {js.js_string(value, limit=200)[:60]!r}")


def _property(item: Any, key: Any) -> Any:
    """`item[key]`: an object's own key, an array's index or length, else undefined."""
    name = jsops.to_string(key, limit=1000)
    if isinstance(item, Mapping):
        return item.get(name, jsops.UNDEFINED)
    if isinstance(item, (list, tuple, str)):
        if name == "length":
            return len(item)
        if name.isascii() and name.isdigit() and int(name) < len(item):
            return item[int(name)]
    return jsops.UNDEFINED


def _getter(attribute: Any):
    # lib.getAttrGetter: a string attribute is split on "."; a falsy one gives the item itself.
    if not is_truthy(attribute):
        return lambda item: item
    parts = attribute.split(".") if isinstance(attribute, str) else [attribute]

    def get(item: Any) -> Any:
        for part in parts:
            key = jsops.to_string(part, limit=1000)
            if isinstance(item, Mapping) and key in item:
                item = item[key]
            elif isinstance(item, (list, tuple, str)) and (key == "length" or (key.isdigit() and int(key) < len(item))):
                item = _property(item, key)
            else:
                return jsops.UNDEFINED
        return item

    return get


def _object(entries: dict) -> dict:
    return dict(js_keys(entries))


def groupby(value: Any, attribute: Any = None) -> dict:
    """lib.groupBy: an object {String(key): [items]} in JavaScript key order (Jinja: a sorted list of
    (grouper, list) pairs). A missing attribute groups under "undefined" (throwOnUndefined is off)."""
    get, groups = _getter(attribute), {}
    limit, budget = _budget().limits.output, _budget()
    for item in _array(value, "groupby"):
        budget.visit()
        groups.setdefault(jsops.to_string(get(item), limit=limit), []).append(item)
    return _object(groups)


def dictsort(value: Any, case_sensitive: Any = False, by: Any = "key", reverse: Any = False) -> list:
    """[[key, value], ...] sorted by key or value; without case_sensitive strings compare upper-cased
    (Jinja lower-cases: "a_" and "ab" swap), keys are strings ("10" before "9"), mixed types never
    fail, and anything but an object is an error. Jinja's `reverse` is kept; undefined passes through,
    as it does every filter here (nunjucks throws)."""
    if isinstance(value, Undefined):
        return value
    if not isinstance(value, Mapping):
        raise js.FilterError("dictsort filter: val must be an object")
    if isinstance(by, Undefined) or by is None or by == "key":
        place = 0
    elif by == "value":
        place = 1
    else:
        raise js.FilterError("dictsort filter: You can only sort by either key or value")
    budget = _budget()

    def compare(first: list, second: list) -> int:
        budget.visit()
        a, b = first[place], second[place]
        if not case_sensitive:
            a = a.upper() if isinstance(a, str) else a
            b = b.upper() if isinstance(b, str) else b
        # `a > b ? 1 : (a === b ? 0 : -1)`
        return 1 if jsops.less_than(b, a) else 0 if jsops.strict_equal(a, b) else -1

    pairs = [[key, item] for key, item in js_keys(value)]
    sort_keys = [pair[place] for pair in pairs]
    if all(isinstance(key, str) for key in sort_keys):  # keys always are: compare them as Python does
        pairs.sort(key=(lambda pair: pair[place]) if case_sensitive else (lambda pair: pair[place].upper()))
    elif all(jsops.is_number(key) and key == key for key in sort_keys):
        pairs.sort(key=lambda pair: pair[place])
    else:
        pairs.sort(key=functools.cmp_to_key(compare))
    return pairs[::-1] if reverse else pairs


def slice_filter(value: Any, slices: Any, fill_with: Any = None) -> list:
    """`slices` lists of consecutive items, the first `length % slices` one longer; `fill_with` pads
    the others only when truthy (Jinja: when not None). A string is cut into strings (Jinja: lists of
    characters); 0, a negative or a non-number count gives []."""
    items = _array(value, "slice")
    count = jsops.to_number(slices)
    if count != count or count <= 0:
        return []
    if count > _budget().limits.output:
        raise _LimitError(f"slice: {count:g} slices would be more than the limit of {_budget().limits.output}")
    length, total = len(items), int(count) if float(count).is_integer() else int(count) + 1
    size, extra = length // count, length % count
    result, offset = [], 0
    for index in range(total):
        start = int(offset + index * size)
        if index < extra:
            offset += 1
        end = int(offset + (index + 1) * size)
        part = items[start:end] if isinstance(items, str) else list(items[start:end])
        if is_truthy(fill_with) and index >= extra:
            if isinstance(part, str):  # `currSlice.push` of a string throws in nunjucks
                raise js.FilterError("slice: a string cannot be padded with fill_with")
            part = [*part, fill_with]
        result.append(part)
    return result


def list_filter(value: Any) -> Any:
    """A string's characters, an array itself, an object's [{key, value}] in JavaScript key order
    (Jinja: its keys); anything else is an error. Undefined passes through, as in every filter here."""
    if isinstance(value, Undefined):
        return value
    if isinstance(value, str):
        return list(value)
    if isinstance(value, Mapping):
        return [{"key": key, "value": item} for key, item in js_keys(value)]
    if isinstance(value, Iterable):
        return list(value)
    raise js.FilterError("list filter: type not iterable")


def _filter_by(value: Any, attribute: Any, keep: bool, name: str) -> list:
    items = _array(value, name)
    if isinstance(items, str):
        raise js.FilterError(f"{name}: expected a list, got a string")
    budget = _budget()
    result = []
    for item in items:
        budget.visit()
        if is_truthy(_property(item, attribute)) == keep:
            result.append(item)
    return result


def selectattr(value: Any, attribute: Any = None, *ignored: Any) -> list:
    """`arr.filter(item => !!item[attr])`: JavaScript truthiness ([] and {} are kept), and nunjucks
    takes no test: `selectattr("type", "equalto", "x")` keeps every item whose type is truthy."""
    return _filter_by(value, attribute, True, "selectattr")


def rejectattr(value: Any, attribute: Any = None, *ignored: Any) -> list:
    """`arr.filter(item => !item[attr])`; as selectattr, extra arguments are ignored."""
    return _filter_by(value, attribute, False, "rejectattr")


FILTERS = {
    "groupby": groupby,
    "dictsort": dictsort,
    "slice": slice_filter,
    "list": list_filter,
    "selectattr": selectattr,
    "rejectattr": rejectattr,
}
