"""Rendering and the public API: ExpressionError, render_value / render_string / evaluate_condition
for step inputs and outputs, render_skeleton / render_path for fetch:template."""

from __future__ import annotations

import traceback
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import SecurityError, TemplateSyntaxError

from scaffolding.lib.expressions import filters as js
from scaffolding.lib.expressions.javascript import is_truthy
from scaffolding.lib.expressions.limits import EXPRESSION_LIMITS, SKELETON_LIMITS, _Budget, _budgeted, _LimitError
from scaffolding.lib.expressions.opaque import Secret, SecretMisuse, misuse, reveal, secret_name
from scaffolding.lib.expressions.sandbox import _compile_file, _compile_string, _compile_value, _has_markers


class ExpressionError(Exception):
    """A template expression that cannot be rendered; the message quotes the expression and says why."""

    def __init__(self, message: str, *, expression: str = "", reason: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.expression, self.reason, self.line = expression, reason or message, line


# --- rendering --------------------------------------------------------------------------------------


def _stream(template: Any, context: dict, budget: _Budget) -> str:
    parts, size = [], 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > budget.limits.output:
            raise _LimitError(f"the output is larger than the limit of {budget.limits.output} characters")
        parts.append(chunk)
    return "".join(parts)


def _evaluate(template: Any, context: dict, budget: _Budget, secret_ok: bool = False) -> Any:
    frame = template.new_context(dict(context))
    for _ in template.root_render_func(frame):
        pass
    result = frame.vars.get("result")
    if isinstance(result, Secret):
        if secret_ok:
            return result
        raise misuse(secret_name(result), "passing it inside a nested value of the input")
    try:
        value = js.to_json(result, limit=budget.limits.output)
    except SecretMisuse as exc:
        raise misuse(exc.name, "putting it in a list or an object") from None
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


def render_input(value: Any, context: dict, *, secrets: dict) -> Any:
    """Render a step's `input` with `secrets` in the context as opaque values (opaque.py).

    A top-level input whose whole value is one expression giving a secret (`token: ${{ secrets.token }}`)
    receives the secret itself; any other use of a secret is an ExpressionError naming the input.
    """
    context = {**context, "secrets": {str(name): Secret(str(name), item) for name, item in secrets.items()}}
    if not isinstance(value, dict):
        return render_value(value, context)
    with _budgeted(EXPRESSION_LIMITS) as budget:
        try:
            return {key: reveal(_render_node(item, context, budget, str(key), secret_ok=True))
                    for key, item in value.items()}
        except RecursionError:
            raise ExpressionError("cannot render the value: it is nested too deeply") from None
        except _LimitError as exc:
            raise ExpressionError(f"cannot render the value: {exc}", reason=str(exc)) from None


def _render_node(value: Any, context: dict, budget: _Budget, path: str, secret_ok: bool = False) -> Any:
    budget.parts += 1  # YAML aliases can make a small document a huge tree
    if budget.parts > budget.limits.iterations:
        raise _LimitError(f"the value has more than {budget.limits.iterations} parts")
    budget.visit()
    if isinstance(value, str):
        return _render_text(value, context, budget, path, secret_ok)
    if isinstance(value, dict):
        return {key: _render_node(item, context, budget, f"{path}.{key}" if path else str(key))
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_render_node(item, context, budget, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def _render_text(text: str, context: dict, budget: _Budget, path: str, secret_ok: bool = False) -> Any:
    if not _has_markers(text, False):
        return text if text else None
    try:
        typed, template = _compile_value(text)
        if typed:
            return _evaluate(template, context, budget, secret_ok)
        return _stream(template, context, budget) or None
    except Exception as exc:
        raise _expression_error(exc, text, path) from None


def evaluate_condition(condition: Any, context: dict) -> bool:
    """A step's `if`: a bool is itself, a string is rendered and tested; anything else runs the step
    (Backstage skips a step only for `false` or a string rendering falsy)."""
    if isinstance(condition, bool):
        return condition
    if isinstance(condition, str):
        return is_truthy(render_value(condition, context))
    return True


def render_skeleton(text: str, values: dict, *, cookiecutter_compat: bool = False, name: str = "",
                    trim_blocks: bool = False, lstrip_blocks: bool = False) -> str:
    """Render a fetch:template file; errors name `name` and the line. `trim_blocks` / `lstrip_blocks`
    are fetch:template's trimBlocks / lstripBlocks (nunjucks' options of those names)."""
    if not isinstance(text, str):
        raise ExpressionError(f"{name or 'the file'}: expected text, got {type(text).__name__}")
    if not _has_markers(text, cookiecutter_compat):
        return text
    context = {"cookiecutter" if cookiecutter_compat else "values": values}
    with _budgeted(SKELETON_LIMITS) as budget:
        try:
            return _stream(_compile_file(text, cookiecutter_compat, trim_blocks, lstrip_blocks), context, budget)
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
