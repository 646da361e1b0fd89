"""What one render may cost (`Limits`) and the per-call budget that keeps count of it."""

from __future__ import annotations

import contextvars
import itertools
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """What one render may cost. The output cap also caps every intermediate string, list and dict."""

    output: int  # characters of output (and units of any value built on the way)
    seconds: float  # wall-clock time
    iterations: int = 100_000  # loop iterations plus range() items
    int_bits: int = 65_536  # size of integers built by * and **


EXPRESSION_LIMITS = Limits(output=1 << 20, seconds=2.0)
SKELETON_LIMITS = Limits(output=10 << 20, seconds=5.0)
_clock = time.monotonic  # module-level so tests can drive time


class _LimitError(Exception):
    """A limit was reached; the message says which."""


class _Budget:
    __slots__ = ("limits", "deadline", "iterations", "produced", "ticks", "parts", "sizes")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = _clock() + limits.seconds
        self.iterations = self.produced = self.ticks = self.parts = 0
        self.sizes: dict[int, tuple[Any, int]] = {}

    def tick(self) -> None:
        if _clock() > self.deadline:
            raise _LimitError(f"rendering took longer than the {self.limits.seconds:g}-second time limit")

    def iterate(self, count: int = 1) -> None:
        self.iterations += count
        if self.iterations > self.limits.iterations:
            raise _LimitError(f"more than {self.limits.iterations} loop iterations and range() items")
        self.tick()

    def produce(self, size: int) -> None:
        # Text made inside loops, macros and `{% set %}`/`{% filter %}` blocks, printed or not.
        self.produced += size
        if self.produced > 2 * self.limits.output:
            raise _LimitError(f"the template builds more than {2 * self.limits.output} characters of text")

    def size(self, size: int, what: str = "a value") -> None:
        if size > self.limits.output:
            raise _LimitError(f"{what} would be larger than the limit of {self.limits.output} characters")

    def visit(self) -> None:
        self.ticks += 1
        if self.ticks & 1023 == 0:
            self.tick()


_current: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("paved_expression_budget", default=None)


def _budget() -> _Budget:
    # Outside a render (Jinja folding constants at compile time) nothing is being budgeted.
    return _current.get() or _Budget(EXPRESSION_LIMITS)


def _measure(value: Any, budget: _Budget) -> int:
    """The size of a value, refused when over the output cap. Shared parts count each time they
    appear (a list nested in itself 40 times is as large as it would print); sizes of containers
    already measured are remembered, as the sandbox lets nothing change them."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        return 1
    known = budget.sizes.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    total = 1
    for item in (itertools.chain(value.keys(), value.values()) if isinstance(value, dict) else value):
        budget.visit()
        total += _measure(item, budget)
        if total > budget.limits.output:
            budget.size(total)
    budget.sizes[id(value)] = (value, total)  # the value is kept so its id cannot be reused
    return total


class _budgeted:
    """Run the block with a fresh budget (one per public call, so a whole `input` shares it)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def __enter__(self) -> _Budget:
        budget = _Budget(self.limits)
        self.token = _current.set(budget)
        return budget

    def __exit__(self, *exc: Any) -> None:
        _current.reset(self.token)
