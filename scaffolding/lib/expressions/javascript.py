"""JavaScript semantics inside Jinja: nunjucks' operators, values printed and joined as JavaScript does,
and JavaScript truthiness."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinja2 import Undefined, nodes
from jinja2.compiler import CodeGenerator
from jinja2.ext import Extension
from jinja2.lexer import Token

from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions.js_ternary import rewrite_ternaries
from scaffolding.lib.expressions.limits import _budget
from scaffolding.lib.expressions.opaque import refuse_secrets


class _NunjucksOperators(Extension):
    """`===` and `!==` (nunjucks has them, Jinja does not) read as `==` and `!=`, and JavaScript's
    `||` reads as `or` and `c ? a : b` as `a if c else b`: templates in the wild use both.
    `{% elseif %}` is `{% elif %}` (nunjucks/src/parser.js parseIf accepts both)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return rewrite_ternaries(source, self.environment.variable_start_string, self.environment.variable_end_string)

    def filter_stream(self, stream: Any) -> Iterator:
        previous = None
        pending_pipe = None
        for token in stream:
            if pending_pipe is not None:
                if token.type == "pipe":
                    pending_pipe, previous = None, "name"
                    yield Token(token.lineno, "name", "or")
                    continue
                yield pending_pipe
                pending_pipe = None
            if token.type == "pipe":
                pending_pipe = token
                continue
            if token.type == "assign" and previous in ("eq", "ne"):
                previous = None
                continue
            if token.type == "name" and token.value == "elseif" and previous == "block_begin":
                token = Token(token.lineno, "name", "elif")  # nunjucks' parser takes both spellings
            previous = token.type
            yield token
        if pending_pipe is not None:
            yield pending_pipe


class _CodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        # `a ~ b` joins as JavaScript prints (true, "1,2") and within the size limit.
        self.write("environment.paved_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _finalize(value: Any) -> str:
    refuse_secrets("printing it inside a larger string", value)
    budget = _budget()
    text = js.js_string(value, limit=budget.limits.output)
    budget.produce(len(text))
    return text


def is_truthy(value: Any) -> bool:
    """JavaScript truthiness: False, None, 0, NaN and "" are falsy; [], {} and "false" are truthy."""
    if value is None or isinstance(value, Undefined):
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value) and value == value  # NaN != NaN
    if isinstance(value, str):
        return value != ""
    return True
