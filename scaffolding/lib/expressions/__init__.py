"""The scaffolder's template expressions: Backstage's `${{ ... }}` (nunjucks) rendered by a Jinja2 sandbox.

Where expressions appear and what the runner puts in their context:

    step `input`, `if`, `each`, template `output`   render_value / evaluate_condition / render_string
        parameters  the form's answers
        steps       {step id: {"output": {...}}}; `steps.fetch.output.x` and `steps['create-repo'].output.x`
        user        {"entity": {...the catalog User entity...} or {}, "ref": "user:default/jane"}
        each        {"key": ..., "value": ...} inside a step's `each` loop
        secrets     only in an action's input (render_input), as opaque values: see opaque.py
      (`context` is not defined: nothing outside these names is reachable.)
    fetch:template skeleton files and their paths   render_skeleton / render_path
        values      the step's `values` (`cookiecutter` instead, with `{{ }}` delimiters, in cookiecutterCompat)

Semantics follow Backstage rather than Jinja where they differ:
- `${{ }}` prints variables; `{% %}` blocks and `{# #}` comments work as in Jinja; a plain `{{ x }}`
  (Helm charts, Go templates in skeletons) is left as is unless cookiecutterCompat is on.
- Undefined names render as "" and any attribute or item of an undefined, of null or of a string is
  undefined (nunjucks' memberLookup); undefined compares false and gives NaN in arithmetic (jsops.py).
- A dict's keys win over its methods: `parameters.items` is the answer named "items".
- Values print as JavaScript does (true, "a,b", nothing for null); `+` and `~` are JavaScript's
  (`'x' + undefined` is "xundefined", `1 + '2'` is "12"); `===`/`!==` work.
- Strings, arrays and numbers have their JavaScript members (`name.replaceAll(' ', '-')`, `tags.length`,
  `tags.join('-')`, `n.toFixed(2)`: jsmethods.py); other names fall back to Python's str methods.
- nunjucks' filters replace Jinja's where they differ (title, truncate, int, float, join, urlencode,
  escape, sort, batch, indent, round, center, striptags, nl2br...: nunjucks.py; groupby, dictsort, slice,
  selectattr, rejectattr: nunjucks_lists.py).
- `r/pattern/flags` literals are RegExp values run by RE2 (regex_literals.py reads them, regexp.py runs
  them): `replace(r/-+/g, '_')`, `r/^svc-/.test(name)`; patterns RE2 cannot run fail at compile time.
- `{% for k, v in object %}` iterates an object's pairs in JavaScript's key order; `{% for x in object %}`
  iterates nothing, as nunjucks' compileFor does (loops.py).
- A string that is exactly one `${{ }}` keeps the expression's type (Backstage's `| dump` + JSON.parse).
- `{% include %}`, `{% import %}` and `{% extends %}` are refused: templates reach no files.

A secret can only be the whole value of a top-level input (`token: ${{ secrets.token }}`): filters, slices,
`~`, comparisons, tests, loops, formatting and printing it inside a larger string are errors (opaque.py).

The sandbox refuses `_`-prefixed names (except keys present in a dict), attributes of classes, functions
and generators, and mutation; every refusal and every exhausted limit is an ExpressionError.

Limits (per public call, see `Limits`): wall-clock time, checked in loops, calls, attribute and item
lookups and operators; loop iterations plus range() items (range(n) costs n up front, looping over it
costs again); the size of the output and of every string, list or dict built on the way (`*`, `**`, `+`,
`%`, `~`, literals, filters and str methods that multiply sizes are checked before they run); and the
text built inside loops, macros and set/filter blocks even when it is never printed.
Templates compile once per source text (lru_cache); renders of cached templates take microseconds.

The package, by topic:
    limits.py      Limits and the per-call budget that counts time, iterations and sizes
    guards.py      size checks run before operators, str methods and filters; range()
    javascript.py  nunjucks' ===, ||, ?: and JavaScript printing, joining and truthiness
    undefined.py   JsUndefined, nunjucks' undefined (chainable, compares false, NaN in arithmetic)
    jsops.py       JavaScript's +, String(), Number(), === and < (what nunjucks compiles to)
    jsmethods.py   String.prototype / Array.prototype / Number.prototype members, sized within the limits
    nunjucks.py    nunjucks' built-in filters where they differ from Jinja's
    nunjucks_lists.py  nunjucks' groupby, dictsort, slice, selectattr and rejectattr
    loops.py       what `{% for %}` iterates (nunjucks' compileFor), JavaScript's key order
    regex_literals.py  the `r/.../flags` literals, rewritten before Jinja lexes a template
    regexp.py      JsRegExp: RegExp literals compiled and matched by RE2, within the limits
    sandbox.py     the hardened Jinja environment and the compiled-template caches
    opaque.py      secrets as values that refuse every operation but being handed whole to an action
    render.py      ExpressionError, error messages and the public render functions
"""

from scaffolding.lib.expressions.javascript import is_truthy
from scaffolding.lib.expressions.limits import EXPRESSION_LIMITS, SKELETON_LIMITS, Limits
from scaffolding.lib.expressions.render import (
    ExpressionError,
    evaluate_condition,
    render_input,
    render_path,
    render_skeleton,
    render_string,
    render_value,
)
from scaffolding.lib.expressions.sandbox import _compile_value as _compile_value  # tests read its cache_info

__all__ = [
    "EXPRESSION_LIMITS",
    "SKELETON_LIMITS",
    "ExpressionError",
    "Limits",
    "evaluate_condition",
    "is_truthy",
    "render_input",
    "render_path",
    "render_skeleton",
    "render_string",
    "render_value",
]
