"""nunjucks' undefined, the environment's Undefined class (jsops.py explains the rules it follows)."""

from __future__ import annotations

from typing import Any

from jinja2 import ChainableUndefined, Undefined

NAN = float("nan")


class JsUndefined(ChainableUndefined):
    """nunjucks' undefined: members are undefined, prints as "", compares false, arithmetic gives NaN."""

    __slots__ = ()

    def _nan(self, *args: Any) -> float:
        return NAN

    __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _nan
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _nan
    __neg__ = __pos__ = _nan

    def _false(self, other: Any) -> bool:
        return False

    __lt__ = __le__ = __gt__ = __ge__ = _false

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Undefined)

    def __ne__(self, other: Any) -> bool:
        return not isinstance(other, Undefined)

    __hash__ = ChainableUndefined.__hash__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # nunjucks' callWrap: "Unable to call `x`, which is undefined or falsey". Name the first missing link.
        raise self._undefined_exception(f"{self._undefined_message}, so it cannot be called")
