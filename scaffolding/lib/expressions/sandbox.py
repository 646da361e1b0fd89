"""The hardened Jinja sandbox: private names and file access refused, every loop, literal, call and
operator counted against the budget, and templates compiled once per source text."""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator
from typing import Any

from jinja2 import Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from scaffolding.lib.expressions import jsmethods, jsops, loops
from scaffolding.lib.expressions.guards import (
    _check_binop,
    _check_str_method,
    _checked_result,
    _guard,
    _guard_test,
    _js_filters,
    _range,
)
from scaffolding.lib.expressions.javascript import _CodeGenerator, _finalize, _NunjucksOperators
from scaffolding.lib.expressions.limits import _budget, _measure
from scaffolding.lib.expressions.opaque import Secret, misuse, refuse_secrets, secret_name
from scaffolding.lib.expressions.regex_literals import CALL as REGEXP_CALL
from scaffolding.lib.expressions.regex_literals import RegexLiterals
from scaffolding.lib.expressions.regexp import JsRegExp, RegExpError, compile_regexp

# Attributes of these are never reachable: classes (dict.update(parameters, ...) would mutate),
# functions, generators and the interpreter's internals.
_OPAQUE = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.GeneratorType,
           types.CodeType, types.FrameType, types.TracebackType, types.ModuleType, Secret, JsRegExp)


def _refuse_private(name: Any) -> None:
    if isinstance(name, str) and name.startswith("_"):
        raise SecurityError(f"access to {name!r} is not allowed: names starting with '_' are private")


class _Harden(NodeTransformer):
    """Rewrites the parsed template so loops and literals are counted, and refuses file access."""

    def _refuse(self, node: nodes.Node) -> None:
        tag = type(node).__name__.lower().replace("fromimport", "from ... import")
        raise TemplateSyntaxError(f"{{% {tag} %}} is not allowed: templates cannot read other files", node.lineno)

    visit_Extends = visit_Include = visit_Import = visit_FromImport = _refuse

    def visit_For(self, node: nodes.For) -> nodes.Node:
        literal = _literal_size(node.body)
        self.generic_visit(node)
        # nunjucks' iteration (loops.py): `for k, v in object` gives its pairs, `for x in object` nothing.
        # One call, so the loop's items are counted as before (each call's result is counted again).
        target = node.target
        if isinstance(target, nodes.Tuple) and all(isinstance(item, nodes.Name) for item in target.items):
            names = len(target.items)
        else:
            names = 1 if isinstance(target, nodes.Name) else 0  # 0: Jinja's own unpacking of nested names
        node.iter = _env_call("paved_iterate", node.iter, nodes.Const(literal), nodes.Const(names),
                              lineno=node.lineno)
        return node

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        # regex_literals.py turned `r/body/flags` into paved_regexp('body', 'flags'): compile it now,
        # so a pattern RE2 cannot run fails the template with the literal named.
        self.generic_visit(node)
        if not (isinstance(node.node, nodes.Name) and node.node.name == REGEXP_CALL):
            return node
        args = node.args
        if len(args) != 2 or node.kwargs or not all(isinstance(arg, nodes.Const) and isinstance(arg.value, str)
                                                    for arg in args):
            raise TemplateSyntaxError(f"{REGEXP_CALL}() only stands for a regular-expression literal r/.../",
                                      node.lineno)
        try:
            compile_regexp(args[0].value, args[1].value)
        except RegExpError as exc:
            raise TemplateSyntaxError(str(exc), node.lineno) from None
        return _env_call("paved_regexp", *args, lineno=node.lineno)

    def _measured(self, node: nodes.Node) -> nodes.Node:
        self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":
            return node
        return _env_call("paved_measured", node, lineno=node.lineno)

    visit_List = visit_Tuple = _measured

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        # nunjucks/src/compiler.js compilePair: a bare name as a key is the string itself, so
        # `parseEntityRef({ defaultKind: 'group' })` passes {"defaultKind": "group"}.
        for pair in node.items:
            if isinstance(pair.key, nodes.Name):
                pair.key = nodes.Const(pair.key.name, lineno=pair.key.lineno)
        return self._measured(node)


def _env_call(name: str, *args: nodes.Expr, lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(name, lineno=lineno), list(args), [], None, None, lineno=lineno)


def _literal_size(body: list) -> int:
    """Characters of constant text a loop body prints per iteration (inner loops count their own)."""
    total, stack = 0, list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.For):
            continue
        if isinstance(node, nodes.TemplateData):
            total += len(node.data)
        elif isinstance(node, nodes.Const) and isinstance(node.value, str):
            total += len(node.value)
        stack.extend(node.iter_child_nodes())
    return total


class _Sandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def _generate(self, source: nodes.Template, name: Any, filename: Any, defer_init: bool = False) -> str:
        return super()._generate(_Harden().visit(source), name, filename, defer_init)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_") or isinstance(obj, _OPAQUE):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is not allowed")

    def getattr(self, obj: Any, attribute: str) -> Any:
        _budget().tick()
        if isinstance(obj, Secret):
            raise misuse(secret_name(obj), f"reading its attribute {attribute!r}")
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]  # nunjucks: `values.items` is the key "items", not dict.items
        _refuse_private(attribute)
        member = jsmethods.member(obj, attribute)  # nunjucks: `name.replaceAll(...)`, `tags.length`
        if member is not jsmethods.MISSING:
            return member
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _budget().tick()
        if isinstance(obj, Secret):
            raise misuse(secret_name(obj), "indexing or slicing it")
        if not (isinstance(obj, dict) and isinstance(argument, str) and argument in obj):
            _refuse_private(argument)
        if isinstance(argument, str):
            member = jsmethods.member(obj, argument)  # `name['length']` is `name.length`
            if member is not jsmethods.MISSING:
                return member
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = _budget()
        budget.tick()
        if getattr(__obj, "__self__", None) is not __self:  # paved_iterate & co. say what they refuse
            refuse_secrets("passing it to a function or method", __obj, *args, *kwargs.values())
        args = _check_str_method(budget, __obj, args, kwargs)
        return _checked_result(budget, super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = _budget()
        budget.tick()
        refuse_secrets(f"the operator {operator}", left, right)
        _check_binop(budget, operator, left, right)
        if operator == "+":
            return jsops.add(left, right, limit=budget.limits.output)  # JavaScript's +: 'a' + undefined
        return self.binop_table[operator](left, right)

    def paved_iterate(self, iterable: Any, literal_size: int, names: int = 0) -> Iterator:
        budget = _budget()
        if names:
            refuse_secrets("looping over it", iterable)
            iterable = loops.items(iterable) if names == 1 else loops.pairs(iterable, names)
        for item in iterable:
            budget.iterate()
            budget.produce(literal_size)
            yield item

    def paved_regexp(self, source: str, flags: str) -> JsRegExp:
        return compile_regexp(source, flags)  # cached; compiled once already when the template was

    def paved_measured(self, value: Any) -> Any:
        _measure(value, _budget())
        return value

    def paved_concat(self, parts: tuple) -> str:
        budget = _budget()
        budget.tick()
        refuse_secrets("joining it with ~", *parts)
        # nunjucks compiles `a ~ b` to `a + "" + b`: undefined joins as "undefined", null as "null".
        texts = [jsops.to_string(part, limit=budget.limits.output) for part in parts]
        budget.size(sum(map(len, texts)), "the result of ~")
        return "".join(texts)


@functools.cache
def _environment(cookiecutter: bool, crlf: bool, trim_blocks: bool = False, lstrip_blocks: bool = False) -> _Sandbox:
    env = _Sandbox(
        trim_blocks=trim_blocks,  # nunjucks' trimBlocks / lstripBlocks, which fetch:template passes on
        lstrip_blocks=lstrip_blocks,
        variable_start_string="{{" if cookiecutter else "${{",
        variable_end_string="}}",
        undefined=jsops.JsUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        newline_sequence="\r\n" if crlf else "\n",
        finalize=_finalize,
        extensions=[_NunjucksOperators, RegexLiterals],
    )
    env.globals.pop("lipsum", None)  # lipsum(n) writes n paragraphs
    env.globals["range"] = _range
    env.filters = {name: _guard(name, func) for name, func in {**env.filters, **_js_filters()}.items()}
    env.tests = {name: _guard_test(name, func) for name, func in env.tests.items()}
    return env


def _is_crlf(text: str) -> bool:
    # Jinja rewrites newlines to one sequence; keep a file's CRLF endings when it uses them throughout.
    return "\r\n" in text and text.count("\n") == text.count("\r\n")


def _has_markers(text: str, cookiecutter: bool) -> bool:
    return ("{{" if cookiecutter else "${{") in text or "{%" in text or "{#" in text


def _single_expression(tree: nodes.Template) -> nodes.Expr | None:
    """The expression when the template is exactly one `${{ }}` (whitespace around it allowed)."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    children = [child for child in tree.body[0].nodes
                if not (isinstance(child, nodes.TemplateData) and not child.data.strip())]
    if len(children) == 1 and not isinstance(children[0], nodes.TemplateData):
        return children[0]
    return None


def _build(text: str, cookiecutter: bool, trim_blocks: bool = False, lstrip_blocks: bool = False) -> Any:
    return _environment(cookiecutter, _is_crlf(text), trim_blocks, lstrip_blocks).from_string(text)


_compile_string = functools.lru_cache(maxsize=4096)(_build)
_compile_file = functools.lru_cache(maxsize=128)(_build)


@functools.lru_cache(maxsize=4096)
def _compile_value(text: str) -> tuple[bool, Any]:
    """(True, template assigning `result`) for a single expression, else (False, the string template)."""
    env = _environment(False, _is_crlf(text))
    expression = _single_expression(env.parse(text))
    if expression is None:
        return False, _compile_string(text, False)
    tree = nodes.Template([nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)], lineno=1)
    tree.set_environment(env)
    return True, env.from_string(tree)
