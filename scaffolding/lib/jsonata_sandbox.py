"""Evaluate a template's JSONata expression in a child process with hard limits.

The roadiehq:utils:jsonata* actions run expressions written by template authors on data a template
produced: both are hostile. jsonata-python (a port of the reference implementation) has its own
time box and recursion cap, but one call such as `$pad("", 999999999)` or a range of ten million
items allocates before any check runs. So the expression runs in a child Python process with an
address-space and CPU limit, killed by the caller when the task is cancelled or out of time; the
worker never holds the allocation. The child imports only the standard library and jsonata, and is
started with `-I` (isolated: no PYTHONPATH, no user site, no current directory on sys.path).

Protocol: the child reads {"expression": str, "data": any} as JSON on stdin and writes
{"result": any} or {"error": str} as JSON on stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

TIMEOUT_MS = 5_000  # jsonata's own time box, checked between evaluation steps
MAX_DEPTH = 300  # jsonata's eval-apply recursion cap (its default is unbounded)
MEMORY_BYTES = 768 * 1024 * 1024  # address space of the child: Python + jsonata need ~60 MB
CPU_SECONDS = 10
MAX_OUTPUT_BYTES = 5 * 1024 * 1024


class JsonataError(ValueError):
    """The expression did not parse, failed, ran out of time or memory; the message says which."""


def evaluate(expression: str, data, *, run: Callable[[list[str], bytes], bytes]):
    """The expression's value for `data`. `run(args, stdin) -> stdout` starts the child (the action
    passes ctx.run_command, so cancelling the task kills it)."""
    payload = json.dumps({"expression": expression, "data": data}).encode()
    try:
        out = run([sys.executable, "-I", str(Path(__file__).resolve())], payload)
    except OSError as exc:
        raise JsonataError(f"could not start the JSONata evaluator: {exc}") from None
    if len(out) > MAX_OUTPUT_BYTES:
        raise JsonataError(f"the result is larger than {MAX_OUTPUT_BYTES // (1024 * 1024)} MB")
    try:
        answer = json.loads(out or b"{}")
    except ValueError:
        raise JsonataError("the JSONata evaluator stopped without an answer (out of memory or CPU time)") from None
    if "error" in answer:
        raise JsonataError(answer["error"])
    if "result" not in answer:
        raise JsonataError("the JSONata evaluator stopped without an answer (out of memory or CPU time)")
    return answer["result"]


def _limit_child() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _jsonable(value):
    """Called for anything JSON cannot hold: jsonata returns functions for expressions like `$uppercase`."""
    raise TypeError(f"the expression returned a {'function' if callable(value) else type(value).__name__}, "
                    "not a JSON value")


def _child() -> int:
    _limit_child()
    request = json.loads(sys.stdin.buffer.read())
    try:
        import jsonata

        expression = jsonata.Jsonata(request["expression"], timeout=TIMEOUT_MS, stack=MAX_DEPTH)
        result = expression.evaluate(request["data"])
        text = json.dumps({"result": result}, default=_jsonable, allow_nan=False)
        if len(text) > MAX_OUTPUT_BYTES:  # refused here, so the worker never reads it whole
            text = json.dumps({"error": f"the result is larger than {MAX_OUTPUT_BYTES // (1024 * 1024)} MB"})
    except MemoryError:
        text = json.dumps({"error": "the expression used more memory than allowed"})
    except RecursionError:
        text = json.dumps({"error": f"the expression recursed deeper than {MAX_DEPTH} levels"})
    except Exception as exc:  # noqa: BLE001 - every failure of hostile input becomes a message
        message = str(exc).strip() or type(exc).__name__
        text = json.dumps({"error": message[:2000]})
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(_child())
