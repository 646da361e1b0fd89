"""The scaffolder's template expressions: Backstage's `${{ ... }}` (nunjucks) rendered by a Jinja2 sandbox.

Where expressions appear and what the runner puts in their context:

    step `input`, `if`, `each`, template `output`   render_value / evaluate_condition / render_string
        parameters  the form's answers
        steps       {step id: {"output": {...}}}; `steps.fetch.output.x` and `steps['create-repo'].output.x`
        user        {"entity": {...the catalog User entity...} or {}, "ref": "user:default/jane"}
        each        {"key": ..., "value": ...} inside a step's `each` loop
        secrets     only when rendering an action's input
      (`context` is not defined: nothing outside these names is reachable.)
    fetch:template skeleton files and their paths   render_skeleton / render_path
        values      the step's `values` (`cookiecutter` instead, with `{{ }}` delimiters, in cookiecutterCompat)

Semantics follow Backstage rather than Jinja where they differ:
- `${{ }}` prints variables; `{% %}` blocks and `{# #}` comments work as in Jinja; a plain `{{ x }}`
  (Helm charts, Go templates in skeletons) is left as is unless cookiecutterCompat is on.
- Undefined names render as "" and any attribute or item of an undefined is undefined (nunjucks).
- A dict's keys win over its methods: `parameters.items` is the answer named "items".
- Values print as JavaScript does (true, "a,b", nothing for null); `~` joins the same way; `===`/`!==` work.
- A string that is exactly one `${{ }}` keeps the expression's type (Backstage's `| dump` + JSON.parse).
- `{% include %}`, `{% import %}` and `{% extends %}` are refused: templates reach no files.

The sandbox refuses `_`-prefixed names (except keys present in a dict), attributes of classes, functions
and generators, and mutation; every refusal and every exhausted limit is an ExpressionError.

Limits (per public call, see `Limits`): wall-clock time, checked in loops, calls, attribute and item
lookups and operators; loop iterations plus range() items (range(n) costs n up front, looping over it
costs again); the size of the output and of every string, list or dict built on the way (`*`, `**`, `+`,
`%`, `~`, literals, filters and str methods that multiply sizes are checked before they run); and the
text built inside loops, macros and set/filter blocks even when it is never printed.
Templates compile once per source text (lru_cache); renders of cached templates take microseconds.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import re
import string
import time
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import ChainableUndefined, Undefined, nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.ext import Extension
from jinja2.lexer import Token
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from scaffolding.lib import filters as js
from scaffolding.lib.js_ternary import rewrite_ternaries


class ExpressionError(Exception):
    """A template expression that cannot be rendered; the message quotes the expression and says why."""

    def __init__(self, message: str, *, expression: str = "", reason: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.expression, self.reason, self.line = expression, reason or message, line


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


def _js_filters() -> dict:
    def limit() -> int:
        return _budget().limits.output

    return {
        "string": lambda value: js.js_string(value, limit=limit()),
        "dump": lambda value, spaces=None: js.dump(value, spaces, limit=limit()),
        "jsonify": lambda value: js.jsonify(value, limit=limit()),
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


# --- the sandbox ------------------------------------------------------------------------------------

# Attributes of these are never reachable: classes (dict.update(parameters, ...) would mutate),
# functions, generators and the interpreter's internals.
_OPAQUE = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.GeneratorType,
           types.CodeType, types.FrameType, types.TracebackType, types.ModuleType)


def _refuse_private(name: Any) -> None:
    if isinstance(name, str) and name.startswith("_"):
        raise SecurityError(f"access to {name!r} is not allowed: names starting with '_' are private")


class _NunjucksOperators(Extension):
    """`===` and `!==` (nunjucks has them, Jinja does not) read as `==` and `!=`, and JavaScript's
    `||` reads as `or` and `c ? a : b` as `a if c else b`: templates in the wild use both."""

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
            previous = token.type
            yield token
        if pending_pipe is not None:
            yield pending_pipe


class _Harden(NodeTransformer):
    """Rewrites the parsed template so loops and literals are counted, and refuses file access."""

    def _refuse(self, node: nodes.Node) -> None:
        tag = type(node).__name__.lower().replace("fromimport", "from ... import")
        raise TemplateSyntaxError(f"{{% {tag} %}} is not allowed: templates cannot read other files", node.lineno)

    visit_Extends = visit_Include = visit_Import = visit_FromImport = _refuse

    def visit_For(self, node: nodes.For) -> nodes.Node:
        literal = _literal_size(node.body)
        self.generic_visit(node)
        node.iter = _env_call("paved_iterate", node.iter, nodes.Const(literal), lineno=node.lineno)
        return node

    def _measured(self, node: nodes.Node) -> nodes.Node:
        self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":
            return node
        return _env_call("paved_measured", node, lineno=node.lineno)

    visit_List = visit_Tuple = visit_Dict = _measured


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


class _CodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        # `a ~ b` joins as JavaScript prints (true, "1,2") and within the size limit.
        self.write("environment.paved_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _finalize(value: Any) -> str:
    budget = _budget()
    text = js.js_string(value, limit=budget.limits.output)
    budget.produce(len(text))
    return text


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
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]  # nunjucks: `values.items` is the key "items", not dict.items
        _refuse_private(attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _budget().tick()
        if not (isinstance(obj, dict) and isinstance(argument, str) and argument in obj):
            _refuse_private(argument)
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = _budget()
        budget.tick()
        args = _check_str_method(budget, __obj, args, kwargs)
        return _checked_result(budget, super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = _budget()
        budget.tick()
        _check_binop(budget, operator, left, right)
        return self.binop_table[operator](left, right)

    def paved_iterate(self, iterable: Any, literal_size: int) -> Iterator:
        budget = _budget()
        for item in iterable:
            budget.iterate()
            budget.produce(literal_size)
            yield item

    def paved_measured(self, value: Any) -> Any:
        _measure(value, _budget())
        return value

    def paved_concat(self, parts: tuple) -> str:
        budget = _budget()
        budget.tick()
        texts = [js.js_string(part, limit=budget.limits.output) for part in parts]
        budget.size(sum(map(len, texts)), "the result of ~")
        return "".join(texts)


@functools.cache
def _environment(cookiecutter: bool, crlf: bool) -> _Sandbox:
    env = _Sandbox(
        variable_start_string="{{" if cookiecutter else "${{",
        variable_end_string="}}",
        undefined=ChainableUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        newline_sequence="\r\n" if crlf else "\n",
        finalize=_finalize,
        extensions=[_NunjucksOperators],
    )
    env.globals.pop("lipsum", None)  # lipsum(n) writes n paragraphs
    env.globals["range"] = _range
    env.filters = {name: _guard(name, func) for name, func in {**env.filters, **_js_filters()}.items()}
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


def _build(text: str, cookiecutter: bool) -> Any:
    return _environment(cookiecutter, _is_crlf(text)).from_string(text)


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


# --- rendering --------------------------------------------------------------------------------------


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


def _stream(template: Any, context: dict, budget: _Budget) -> str:
    parts, size = [], 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > budget.limits.output:
            raise _LimitError(f"the output is larger than the limit of {budget.limits.output} characters")
        parts.append(chunk)
    return "".join(parts)


def _evaluate(template: Any, context: dict, budget: _Budget) -> Any:
    frame = template.new_context(dict(context))
    for _ in template.root_render_func(frame):
        pass
    value = js.to_json(frame.vars.get("result"), limit=budget.limits.output)
    return None if isinstance(value, Undefined) else value


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TemplateSyntaxError):
        return f"syntax error: {exc.message}"
    if isinstance(exc, (_LimitError, SecurityError, js.FilterError)):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "too much recursion or nesting"
    if isinstance(exc, MemoryError):
        return "out of memory"
    if type(exc).__module__.startswith("jinja2"):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _line(exc: BaseException) -> int | None:
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == "<template>"]
    return frames[-1].lineno if frames else None


def _quote(text: str) -> str:
    return repr(text) if len(text) <= 200 else repr(text[:197] + "...")


def _expression_error(exc: BaseException, text: str, where: str = "") -> ExpressionError:
    reason = _reason(exc)
    prefix = f"{where}: " if where else ""
    return ExpressionError(f"{prefix}cannot render {_quote(text)}: {reason}", expression=text, reason=reason)


def _file_error(exc: BaseException, text: str, name: str) -> ExpressionError:
    reason, line = _reason(exc), _line(exc)
    lines = text.splitlines()
    if line is not None and 1 <= line <= len(lines):
        source = lines[line - 1].strip()
        where = f"{name or 'the file'}, line {line} ({_quote(source)})"
    else:
        where = name or "the file"
    return ExpressionError(f"{where}: {reason}", expression=text, reason=reason, line=line)


# --- the public API ---------------------------------------------------------------------------------


def render_string(text: str, context: dict) -> str:
    """Render `text` to a string (`${{ }}` delimiters), whatever the expressions' types."""
    if not isinstance(text, str):
        raise ExpressionError(f"cannot render {text!r}: expected a string")
    if not _has_markers(text, False):
        return text
    with _budgeted(EXPRESSION_LIMITS) as budget:
        try:
            return _stream(_compile_string(text, False), context, budget)
        except Exception as exc:
            raise _expression_error(exc, text) from None


def render_value(value: Any, context: dict) -> Any:
    """Deep-render a step input, output or `each` value; see the module docstring for typing rules.

    Dict keys are kept, values rendered; strings that render to "" (undefined) become None.
    """
    with _budgeted(EXPRESSION_LIMITS) as budget:
        try:
            return _render_node(value, context, budget, "")
        except RecursionError:
            raise ExpressionError("cannot render the value: it is nested too deeply") from None
        except _LimitError as exc:
            raise ExpressionError(f"cannot render the value: {exc}", reason=str(exc)) from None


def _render_node(value: Any, context: dict, budget: _Budget, path: str) -> Any:
    budget.parts += 1  # YAML aliases can make a small document a huge tree
    if budget.parts > budget.limits.iterations:
        raise _LimitError(f"the value has more than {budget.limits.iterations} parts")
    budget.visit()
    if isinstance(value, str):
        return _render_text(value, context, budget, path)
    if isinstance(value, dict):
        return {key: _render_node(item, context, budget, f"{path}.{key}" if path else str(key))
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_render_node(item, context, budget, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def _render_text(text: str, context: dict, budget: _Budget, path: str) -> Any:
    if not _has_markers(text, False):
        return text if text else None
    try:
        typed, template = _compile_value(text)
        if typed:
            return _evaluate(template, context, budget)
        return _stream(template, context, budget) or None
    except Exception as exc:
        raise _expression_error(exc, text, path) from None


def is_truthy(value: Any) -> bool:
    """JavaScript truthiness: False, None, 0, NaN and "" are falsy; [], {} and "false" are truthy."""
    if value is None or isinstance(value, Undefined):
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value) and value == value  # NaN != NaN
    if isinstance(value, str):
        return value != ""
    return True


def evaluate_condition(condition: Any, context: dict) -> bool:
    """A step's `if`: a bool is itself, a string is rendered and tested; anything else runs the step
    (Backstage skips a step only for `false` or a string rendering falsy)."""
    if isinstance(condition, bool):
        return condition
    if isinstance(condition, str):
        return is_truthy(render_value(condition, context))
    return True


def render_skeleton(text: str, values: dict, *, cookiecutter_compat: bool = False, name: str = "") -> str:
    """Render a fetch:template file; errors name `name` and the line."""
    if not isinstance(text, str):
        raise ExpressionError(f"{name or 'the file'}: expected text, got {type(text).__name__}")
    if not _has_markers(text, cookiecutter_compat):
        return text
    context = {"cookiecutter" if cookiecutter_compat else "values": values}
    with _budgeted(SKELETON_LIMITS) as budget:
        try:
            return _stream(_compile_file(text, cookiecutter_compat), context, budget)
        except Exception as exc:
            raise _file_error(exc, text, name) from None


def render_path(path: str, values: dict, *, cookiecutter_compat: bool = False) -> str:
    """Render a templated file or folder name ("src/${{ values.name }}/main.go").

    The result is not checked: the caller keeps it inside the workspace.
    """
    if not isinstance(path, str):
        raise ExpressionError(f"cannot render the path {path!r}: expected a string")
    if not _has_markers(path, cookiecutter_compat):
        return path
    context = {"cookiecutter" if cookiecutter_compat else "values": values}
    with _budgeted(EXPRESSION_LIMITS) as budget:
        try:
            return _stream(_compile_string(path, cookiecutter_compat), context, budget)
        except Exception as exc:
            raise _expression_error(exc, path, "path") from None
