"""Size and time checks run before the operations, str methods and filters that can multiply sizes."""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterator
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import SecurityError, UndefinedError

from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions import nunjucks
from scaffolding.lib.expressions.limits import _Budget, _budget, _LimitError, _measure
from scaffolding.lib.expressions.opaque import refuse_secrets

# --- size checks for the operations that can multiply sizes -------------------------------------------

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent(budget: _Budget, fmt: Any, args: Any) -> None:
    if not isinstance(fmt, (str, bytes)):
        return
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    for match in _PERCENT_SPEC.finditer(text):
        for number in match.groups():
            if number and number.isdigit():
                budget.size(int(number), "a %-format field")
            elif number == "*":
                for arg in args if isinstance(args, (list, tuple)) else (args,):
                    if isinstance(arg, int):
                        budget.size(arg, "a %-format field")


def _check_format(budget: _Budget, fmt: str, args: tuple, kwargs: dict) -> None:
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format reports it
    for _, _, spec, _ in fields:
        for number in re.findall(r"\d+", spec or ""):
            budget.size(int(number), "a format field")
        if spec and "{" in spec:  # a width taken from the arguments
            for arg in (*args, *kwargs.values()):
                if isinstance(arg, int):
                    budget.size(arg, "a format field")


def _check_replace(budget: _Budget, text: Any, old: Any, new: Any) -> None:
    if isinstance(text, (str, bytes)) and isinstance(old, type(text)) and isinstance(new, type(text)):
        count = text.count(old) if old else len(text) + 1
        budget.size(len(text) + count * max(len(new) - len(old), 0), "the result of replace")


def _materialize(budget: _Budget, items: Any) -> Any:
    if isinstance(items, (str, list, tuple, dict, Undefined)):
        return items
    result = []
    for item in items:
        budget.iterate()
        result.append(item)
    return result


def _check_join(budget: _Budget, separator: str, items: list | tuple) -> None:
    total = len(separator) * max(len(items) - 1, 0)
    for item in items:
        total += len(item) if isinstance(item, str) else 1
    budget.size(total, "the result of join")


def _check_str_method(budget: _Budget, func: Any, args: tuple, kwargs: dict) -> tuple:
    """Pre-check str/bytes methods whose result can be far larger than their inputs; returns args."""
    target = getattr(func, "__wrapped__", func)  # str.format comes wrapped by the sandbox
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
    if not isinstance(owner, (str, bytes)):
        return args
    if name in ("center", "ljust", "rjust", "zfill"):
        width = args[0] if args else kwargs.get("width")
        if isinstance(width, int):
            budget.size(width, f"the result of {name}")
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tabsize, int):
            budget.size(len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * tabsize,
                        "the result of expandtabs")
    elif name == "replace" and len(args) >= 2:
        _check_replace(budget, owner, args[0], args[1])
    elif name == "join" and args:
        args = (_materialize(budget, args[0]), *args[1:])
        if isinstance(args[0], (list, tuple)):
            _check_join(budget, owner, args[0])
    elif name in ("format", "format_map") and isinstance(owner, str):
        _check_format(budget, owner, args, kwargs if name == "format" else (args[0] if args else {}))
    elif name in ("translate", "maketrans"):
        raise SecurityError(f"{name}() is not available in templates")
    return args


def _check_binop(budget: _Budget, operator: str, left: Any, right: Any) -> None:
    bits = budget.limits.int_bits
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int) and times > 0:
                unit = len(seq) if isinstance(seq, (str, bytes)) else _measure(seq, budget)
                budget.size(unit * times, "the result of *")
        if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > bits:
            raise _LimitError(f"the result of * would have more than {bits} bits")
    elif operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        if left.bit_length() * right > bits:
            raise _LimitError(f"the result of ** would have more than {bits} bits")
    elif operator == "+":
        if isinstance(left, (str, bytes)) and isinstance(right, (str, bytes)):
            budget.size(len(left) + len(right), "the result of +")
        elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            budget.size(_measure(left, budget) + _measure(right, budget), "the result of +")
    elif operator == "%":
        _check_percent(budget, left, right)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- Jinja's filters, guarded ------------------------------------------------------------------------


def _check_width(position: int, name: str, default: Any = None):
    def check(budget: _Budget, args: list, kwargs: dict) -> None:
        width = args[position] if len(args) > position else kwargs.get(name, default)
        lines = args[0].count("\n") + 1 if args and isinstance(args[0], str) else 1
        if isinstance(width, int):
            budget.size(width * lines, f"the {name} argument")
        elif isinstance(width, str):
            budget.size(len(width) * lines, f"the {name} argument")
    return check


def _check_filter_join(budget: _Budget, args: list, kwargs: dict) -> None:
    if args:
        args[0] = _materialize(budget, args[0])
        separator = args[1] if len(args) > 1 else kwargs.get("d", "")
        if isinstance(args[0], (list, tuple)) and isinstance(separator, str):
            _check_join(budget, separator, args[0])


def _check_filter_replace(budget: _Budget, args: list, kwargs: dict) -> None:
    if len(args) >= 3:
        _check_replace(budget, args[0], args[1], args[2])


def _check_filter_format(budget: _Budget, args: list, kwargs: dict) -> None:
    if args:
        _check_percent(budget, args[0], tuple(args[1:]) or kwargs)


def _check_filter_wrapstring(budget: _Budget, args: list, kwargs: dict) -> None:
    wrapstring = args[3] if len(args) > 3 else kwargs.get("wrapstring")
    if args and isinstance(args[0], str) and isinstance(wrapstring, str):
        budget.size(len(args[0]) * (len(wrapstring) + 1), "the result of wordwrap")


def _check_tojson(budget: _Budget, args: list, kwargs: dict) -> None:
    indent = args[1] if len(args) > 1 else kwargs.get("indent")
    if isinstance(indent, int) and indent > 10:
        raise _LimitError("tojson's indent is limited to 10")


_FILTER_CHECKS = {
    "center": _check_width(1, "width", 80),
    "indent": _check_width(1, "width", 4),
    "batch": _check_width(1, "linecount"),
    "slice": _check_width(1, "slices"),
    "wordwrap": _check_filter_wrapstring,
    "join": _check_filter_join,
    "replace": _check_filter_replace,
    "format": _check_filter_format,
    "tojson": _check_tojson,
}


def _checked_result(budget: _Budget, result: Any) -> Any:
    if isinstance(result, (str, bytes)):
        budget.size(len(result))
    elif isinstance(result, (list, tuple, dict, set, frozenset)):
        _measure(result, budget)
    elif isinstance(result, Iterator):
        return _counted(result)
    return result


def _counted(items: Any) -> Iterator:
    budget = _budget()
    for item in items:
        budget.iterate()
        yield item


def _guard(name: str, func: Any) -> Any:
    check = _FILTER_CHECKS.get(name)
    offset = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        budget.tick()
        refuse_secrets(f"the filter {name!r}", *args[offset:], *kwargs.values())
        if check is not None:
            user_args = list(args[offset:])
            check(budget, user_args, kwargs)
            args = (*args[:offset], *user_args)
        try:
            result = func(*args, **kwargs)
        except (UndefinedError, TypeError):
            if len(args) > offset and isinstance(args[offset], Undefined):
                return args[offset]  # nunjucks: a filter on undefined gives nothing, not an error
            raise
        return _checked_result(budget, result)

    return guarded


def _guard_test(name: str, func: Any) -> Any:
    """Tests (`is defined`, `is string`, `is sameas`) only get the no-secret check: they build nothing."""
    offset = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        refuse_secrets(f"the test {name!r}", *args[offset:], *kwargs.values())
        return func(*args, **kwargs)

    return guarded


def _js_filters() -> dict:
    def limit() -> int:
        return _budget().limits.output

    return {
        "string": lambda value: js.js_string(value, limit=limit()),
        "dump": lambda value, spaces=None: js.dump(value, spaces, limit=limit()),
        "jsonify": lambda value: js.jsonify(value, limit=limit()),
        **nunjucks.FILTERS,
        **js.BACKSTAGE_FILTERS,
    }


def _range(*args: Any) -> range:
    budget = _budget()
    numbers = range(*args)
    try:
        count = len(numbers)
    except OverflowError:
        count = budget.limits.iterations + 1
    budget.iterate(count)
    return numbers
