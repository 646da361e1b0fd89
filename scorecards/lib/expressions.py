"""The check expression language: small, safe, bounded; never Python's eval.

    owner.valid
    has(coverage.line_percent) and coverage.line_percent > 80
    age(docs.last_updated) < 90d
    count(cost.labels) >= 3 or annotations["pagerduty.com/service-id"] != null
    min(1, coverage.line_percent / 80)

Grammar (lowest precedence first): `or`, `and`, `not`, comparisons (== != < <= > >= in),
+ -, * /, unary -, then atoms: numbers, durations (90d, 12h, 30m, 45s, 2w: seconds), strings
('...' or "..."), true/false/null, function calls (has, age, count, min, max, lower), fact
paths (`coverage.line_percent`, segments of [a-z0-9_-]) optionally followed by ["key"]
subscripts. A hyphen inside a path is part of the name, so subtraction needs spaces (`a - b`).

A parsed expression is a tuple tree. Evaluation reads facts through a `lookup(path)` function
and raises MissingFact when a fact it needs has no value (has() turns that into false; `or` is
true and `and` false when the other side decides it alone), or EvalError on a type mismatch.
Expressions are bounded: MAX_LENGTH characters, MAX_NODES nodes, MAX_DEPTH nesting, and there
are no loops, so evaluation is linear in the expression size.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_LENGTH = 1000
MAX_NODES = 200
MAX_DEPTH = 32

DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
FUNCTIONS = {"has": 1, "age": 1, "count": 1, "min": -2, "max": -2, "lower": 1}  # -2: two or more
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
COMPARISONS = {"==", "!=", "<", "<=", ">", ">=", "in"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<duration>\d+(?:\.\d+)?[smhdw]\b)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)
  | (?P<op>==|!=|<=|>=|[<>+\-*/().,\[\]])
""", re.VERBOSE)


class ExpressionError(ValueError):
    """An expression that does not parse; `column` is 1-based."""

    def __init__(self, message: str, *, column: int):
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


class MissingFact(Exception):
    """A fact the expression reads has no value for this entity."""

    def __init__(self, path: str):
        super().__init__(f"no value for {path}")
        self.path = path


class EvalError(Exception):
    """The facts do not fit the expression (a string compared with a number, ...)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    column: int


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters", column=MAX_LENGTH)
    tokens, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise ExpressionError(f"unexpected character {source[position]!r}", column=position + 1)
        kind = match.lastgroup
        if kind != "ws":
            tokens.append(Token(kind, match.group(), position + 1))
        position = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


class _Parser:
    def __init__(self, source: str):
        self.tokens = tokenize(source)
        self.index = 0
        self.nodes = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.token
        if token.kind in ("op", "name") and token.text == text:
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> Token:
        token = self.token
        if not self.accept(text):
            found = repr(token.text) if token.text else "the end"
            raise ExpressionError(f"expected {text!r}, found {found}", column=token.column)
        return token

    def node(self, *parts):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES} parts", column=self.token.column)
        return parts

    def parse(self):
        tree = self.or_()
        if self.token.kind != "end":
            raise ExpressionError(f"unexpected {self.token.text!r}", column=self.token.column)
        return tree

    def or_(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nesting deeper than {MAX_DEPTH} levels", column=self.token.column)
        left = self.and_()
        while self.accept("or"):
            left = self.node("or", left, self.and_())
        self.depth -= 1
        return left

    def and_(self):
        left = self.not_()
        while self.accept("and"):
            left = self.node("and", left, self.not_())
        return left

    def not_(self):
        if self.accept("not"):
            return self.node("not", self.not_())
        return self.comparison()

    def comparison(self):
        left = self.sum_()
        token = self.token
        if token.kind in ("op", "name") and token.text in COMPARISONS:
            self.take()
            left = self.node("cmp", token.text, left, self.sum_())
            after = self.token
            if after.kind in ("op", "name") and after.text in COMPARISONS:
                raise ExpressionError("comparisons do not chain; join them with 'and'", column=after.column)
        return left

    def sum_(self):
        left = self.product()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.take().text
            left = self.node("arith", op, left, self.product())
        return left

    def product(self):
        left = self.unary()
        while self.token.kind == "op" and self.token.text in "*/":
            op = self.take().text
            left = self.node("arith", op, left, self.unary())
        return left

    def unary(self):
        if self.token.kind == "op" and self.token.text == "-":
            self.take()
            return self.node("neg", self.unary())
        return self.atom()

    def atom(self):
        token = self.take()
        if token.kind == "number":
            return self.node("lit", float(token.text) if "." in token.text else int(token.text))
        if token.kind == "duration":
            return self.node("lit", float(token.text[:-1]) * DURATION_UNITS[token.text[-1]])
        if token.kind == "string":
            return self.node("lit", _unquote(token.text))
        if token.kind == "op" and token.text == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        if token.kind == "name":
            if token.text in ("true", "false"):
                return self.node("lit", token.text == "true")
            if token.text == "null":
                return self.node("lit", None)
            if token.text in KEYWORDS:
                raise ExpressionError(f"unexpected {token.text!r}", column=token.column)
            if self.token.kind == "op" and self.token.text == "(":
                return self.call(token)
            return self.path(token)
        found = repr(token.text) if token.text else "the end of the expression"
        raise ExpressionError(f"expected a value, found {found}", column=token.column)

    def call(self, name: Token):
        if name.text not in FUNCTIONS:
            raise ExpressionError(f"unknown function {name.text!r}; known: {', '.join(sorted(FUNCTIONS))}",
                                  column=name.column)
        self.expect("(")
        args = []
        if not self.accept(")"):
            args.append(self.or_())
            while self.accept(","):
                args.append(self.or_())
            self.expect(")")
        arity = FUNCTIONS[name.text]
        if (arity >= 0 and len(args) != arity) or (arity == -2 and len(args) < 2):
            wanted = "two or more arguments" if arity == -2 else f"{arity} argument"
            raise ExpressionError(f"{name.text}() takes {wanted}", column=name.column)
        if name.text == "has" and args[0][0] not in ("path",):
            raise ExpressionError("has() takes a fact path", column=name.column)
        return self.node("call", name.text, tuple(args), name.column)

    def path(self, first: Token):
        segments = [first.text]
        while self.token.kind == "op" and self.token.text == ".":
            self.take()
            segment = self.take()
            if segment.kind not in ("name", "number"):
                raise ExpressionError("expected a name after '.'", column=segment.column)
            segments.append(segment.text)
        keys = []
        while self.accept("["):
            key = self.take()
            if key.kind != "string":
                raise ExpressionError('expected a quoted key inside [...], e.g. ["pagerduty.com/service-id"]',
                                      column=key.column)
            keys.append(_unquote(key.text))
            self.expect("]")
        return self.node("path", ".".join(segments).lower(), tuple(keys), first.column)


def parse(source: str):
    """The expression's tree; ExpressionError (with the column) when it does not parse."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty", column=1)
    return _Parser(source).parse()


def paths_of(tree) -> list[tuple[str, int]]:
    """Every fact path the tree reads, with its column (for load-time checks against the vocabulary)."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "path":
            found.append((node[1], node[3]))
        elif kind in ("and", "or"):
            stack.extend(node[1:])
        elif kind in ("not", "neg"):
            stack.append(node[1])
        elif kind in ("cmp", "arith"):
            stack.extend(node[2:])
        elif kind == "call":
            stack.extend(node[2])
    return sorted(found, key=lambda p: p[1])


# --- Evaluation ------------------------------------------------------------------------------------

Lookup = Callable[[str], object]


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EvalError(f"{what} is {_describe(value)}, not a number")
    return value


def _describe(value) -> str:
    if value is None:
        return "null"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _timestamp(value) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise EvalError(f"{_describe(value)} is not a date and time") from None
    else:
        raise EvalError(f"age() needs a date and time, not {_describe(value)}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _truthy(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return bool(value)


def _compare(op: str, left, right) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "in":
        if isinstance(right, list | dict | str):
            if isinstance(right, str) and not isinstance(left, str):
                raise EvalError(f"'in' a string needs a string on the left, not {_describe(left)}")
            return left in right
        raise EvalError(f"'in' needs a list or a string on the right, not {_describe(right)}")
    if isinstance(left, str) and isinstance(right, str):
        pass
    else:
        left, right = _number(left, "the left side"), _number(right, "the right side")
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _path_fn(name: str, keys: tuple):
    def read(lookup, now):
        value = lookup(name)
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise MissingFact(f'{name}["{key}"]')
            value = value[key]
        if value is None and not keys:
            raise MissingFact(name)
        return value

    return read


def _both(left, right):
    """`and` with three-valued logic: false when either side is false, even if the other side's
    fact is missing; missing only when that decides it."""

    def both(lookup, now):
        try:
            if not _truthy(left(lookup, now)):
                return False
        except MissingFact:
            if not _truthy(right(lookup, now)):
                return False
            raise
        return _truthy(right(lookup, now))

    return both


def _either(left, right):
    """`or` likewise: true when either side is true, whatever the other side's facts."""

    def either(lookup, now):
        try:
            if _truthy(left(lookup, now)):
                return True
        except MissingFact:
            if _truthy(right(lookup, now)):
                return True
            raise
        return _truthy(right(lookup, now))

    return either


def _arith(op: str, left, right):
    def arith(lookup, now):
        a = _number(left(lookup, now), f"the left side of {op!r}")
        b = _number(right(lookup, now), f"the right side of {op!r}")
        if op == "/":
            if b == 0:
                raise EvalError("division by zero")
            result = a / b
        else:
            result = a + b if op == "+" else a - b if op == "-" else a * b
        if not math.isfinite(result):
            raise EvalError("the result is not a finite number")
        return result

    return arith


def _has(inner):
    def has(lookup, now):
        try:
            return inner(lookup, now) is not None
        except MissingFact:
            return False

    return has


def _age(inner):
    def age(lookup, now):
        return (now - _timestamp(inner(lookup, now))).total_seconds()

    return age


def _count(inner):
    def count(lookup, now):
        value = inner(lookup, now)
        if isinstance(value, list | dict | str):
            return len(value)
        if isinstance(value, bool):
            return int(value)
        return _number(value, "count()'s argument")

    return count


def _lower(inner):
    def lower(lookup, now):
        value = inner(lookup, now)
        if not isinstance(value, str):
            raise EvalError(f"lower() needs a string, not {_describe(value)}")
        return value.lower()

    return lower


def _extreme(name: str, args: list):
    pick = min if name == "min" else max

    def extreme(lookup, now):
        return pick(_number(a(lookup, now), f"{name}()'s argument") for a in args)

    return extreme


def compile_tree(node):
    """A parsed expression as nested closures: `fn(lookup, now)` computes what `evaluate` does,
    without walking the tuples each time (a full recompute evaluates each check per entity)."""
    kind = node[0]
    if kind == "lit":
        value = node[1]
        return lambda lookup, now: value
    if kind == "path":
        return _path_fn(node[1], node[2])
    if kind == "and":
        return _both(compile_tree(node[1]), compile_tree(node[2]))
    if kind == "or":
        return _either(compile_tree(node[1]), compile_tree(node[2]))
    if kind == "not":
        inner = compile_tree(node[1])
        return lambda lookup, now: not _truthy(inner(lookup, now))
    if kind == "neg":
        inner = compile_tree(node[1])
        return lambda lookup, now: -_number(inner(lookup, now), "the value after '-'")
    if kind == "cmp":
        op, left, right = node[1], compile_tree(node[2]), compile_tree(node[3])
        return lambda lookup, now: _compare(op, left(lookup, now), right(lookup, now))
    if kind == "arith":
        return _arith(node[1], compile_tree(node[2]), compile_tree(node[3]))
    if kind == "call":
        name, args = node[1], [compile_tree(a) for a in node[2]]
        if name == "has":
            return _has(args[0])
        if name == "age":
            return _age(args[0])
        if name == "count":
            return _count(args[0])
        if name == "lower":
            return _lower(args[0])
        return _extreme(name, args)
    raise EvalError(f"unknown node {kind!r}")  # pragma: no cover - the parser makes no other


def evaluate(tree, lookup: Lookup, *, now: datetime | None = None):
    """The value of a parsed expression; MissingFact or EvalError when it cannot be computed."""
    return compile_tree(tree)(lookup, now or datetime.now(UTC))


def truthy(value) -> bool:
    return _truthy(value)
