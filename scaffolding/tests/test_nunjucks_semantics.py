"""Backstage's templating semantics (nunjucks in SecureTemplater) where Paved used to differ (issue 12.2, 12.3).

Every expected value is what nunjucks (github.com/mozilla/nunjucks, nunjucks/src/) gives in Backstage's
SecureTemplater (plugins/scaffolder-backend/src/lib/templating/SecureTemplater.ts: autoescape false,
no throwOnUndefined); the comment on each group names the source it follows.
"""

import time

import pytest

from scaffolding.lib.expressions import ExpressionError, render_input, render_skeleton, render_string, render_value

CONTEXT = {
    "parameters": {
        "name": "My App", "dest": "github.com?owner=o&repo=r", "tags": ["a", "b", "c"], "n": 5,
        "mixed": [3, "10", 1], "people": [{"n": "bo"}, {"n": "Al"}, {"n": "cy"}], "none": None,
        "obj": {"k": "v"}, "spaced": "  \u00a0hi\n ", "path": "a/b c",
    },
    "steps": {},
}
SECRET = "Sup3rS3cret-value"


def value(expression: str):
    return render_value(expression, CONTEXT)


# --- 12.2: undefined --------------------------------------------------------------------------------
# runtime.js memberLookup: `if (obj === undefined || obj === null) return undefined; return obj[val]`.
# compiler.js compileAdd emits `a + b` and compileConcat `a + "" + b`: JavaScript's + and String().
UNDEFINED_CASES = [
    ("${{ parameters.missing.owner }}", None),
    ("${{ parameters.missing.owner.deeper[0] }}", None),
    ("${{ parameters.name.owner }}", None),  # "My App".owner
    ("${{ parameters.none.owner }}", None),  # memberLookup(null, ...)
    ("${{ parameters.obj.missing.x }}", None),
    ("${{ parameters.missing + '/x' }}", "undefined/x"),
    ("${{ 'x/' + parameters.missing }}", "x/undefined"),
    ("${{ parameters.none + 'x' }}", "nullx"),
    ("${{ 'x' ~ parameters.missing }}", "xundefined"),
    ("${{ 'x' ~ parameters.none }}", "xnull"),
    ("${{ 1 + '2' }}", "12"),
    ("${{ parameters.n + 1 }}", 6),
    ("${{ true + 1 }}", 2),
    ("${{ parameters.tags + '!' }}", "a,b,c!"),
    ("${{ parameters.obj + '' }}", "[object Object]"),
    ("${{ parameters.missing < 1 }}", False),
    ("${{ parameters.missing > 1 }}", False),
    ("${{ parameters.missing | lower }}", ""),  # filters.js lower: normalize(undefined, '')
    ("x${{ parameters.missing.owner }}y", "xy"),  # runtime.js suppressValue: undefined prints ""
]


@pytest.mark.parametrize(("expression", "expected"), UNDEFINED_CASES)
def test_undefined_behaves_as_in_nunjucks(expression, expected):
    assert value(expression) == expected


@pytest.mark.parametrize("expression", ["${{ parameters.missing + 1 }}", "${{ parameters.missing - 1 }}",
                                        "${{ 2 * parameters.missing }}"])
def test_arithmetic_with_undefined_is_nan(expression):
    assert render_string(expression, CONTEXT) == "NaN"
    assert value(expression) is None  # a typed value goes through JSON, where NaN is null


def test_calling_a_method_of_undefined_fails_naming_the_missing_value():
    # runtime.js callWrap throws "Unable to call ..., which is undefined or falsey" in Backstage too.
    with pytest.raises(ExpressionError, match="has no attribute 'system', so it cannot be called"):
        render_skeleton("ns: ${{ values.system.split('/')[1] }}", {})


def test_a_skeleton_reading_a_member_of_a_string_value_renders():
    # values.destination is "github.com?owner=o&repo=r" (a string): .owner is undefined in JavaScript.
    text = "owner: ${{ values.destination.owner }}\nrepo: ${{ (values.destination | parseRepoUrl).repo }}\n"
    assert render_skeleton(text, {"destination": CONTEXT["parameters"]["dest"]}) == "owner: \nrepo: r\n"


# --- 12.3: JavaScript members ------------------------------------------------------------------------
# runtime.js memberLookup binds `obj[val]` when it is a function, so String.prototype and
# Array.prototype methods are callable (ECMA-262 sections named per group).
METHOD_CASES = [
    # 22.1.3.19 replace (first match only, string pattern, GetSubstitution) / 22.1.3.20 replaceAll
    ("${{ 'a.b.c'.replace('.', '-') }}", "a-b.c"),
    ("${{ 'a.b.c'.replaceAll('.', '-') }}", "a-b-c"),
    ("${{ 'a.b'.replace('.', '[$&]') }}", "a[.]b"),
    ("${{ 'a.b'.replace('.', '$$') }}", "a$b"),
    ("${{ 'ab'.replace('a', \"$'\") }}", "bb"),
    ("${{ 'abc'.replaceAll('', '-') }}", "-a-b-c-"),
    ("${{ 'a+b'.replace('.+', 'X') }}", "a+b"),  # a string is never run as a regular expression
    ("${{ 'aaa'.replaceAll('a', '$`') }}", "aaa"[:0] + "a" + "aa"),
    ("${{ parameters.name.replaceAll(' ', '-').toLowerCase() }}", "my-app"),
    # 22.1.3.28/29 toUpperCase, toLowerCase; 22.1.3.32 trim (ECMA white space incl. NBSP)
    ("${{ parameters.name.toUpperCase() }}", "MY APP"),
    ("${{ parameters.spaced.trim() }}", "hi"),
    # 22.1.3.23 split: no separator -> [s]; "" -> characters; limit truncates
    ("${{ parameters.path.split('/') }}", ["a", "b c"]),
    ("${{ 'abc'.split('') }}", ["a", "b", "c"]),
    ("${{ 'a b'.split() }}", ["a b"]),
    ("${{ 'a,b,c'.split(',', 2) }}", ["a", "b"]),
    ("${{ 'a,b,c'.split(',', 0) }}", []),
    ("${{ parameters.dest.split('?')[0] }}", "github.com"),
    # startsWith, endsWith, includes, indexOf, lastIndexOf with positions
    ("${{ parameters.name.startsWith('My') }}", True),
    ("${{ parameters.name.startsWith('App', 3) }}", True),
    ("${{ parameters.name.endsWith('My', 2) }}", True),
    ("${{ parameters.name.includes('App') }}", True),
    ("${{ parameters.name.includes('My', 1) }}", False),
    ("${{ parameters.name.indexOf('p') }}", 4),
    ("${{ parameters.name.indexOf('zz') }}", -1),
    ("${{ 'abc'.indexOf('', 10) }}", 3),
    ("${{ 'abcabc'.lastIndexOf('b') }}", 4),
    # slice (relative), substring (clamped, swapped), substr
    ("${{ parameters.name.slice(1, -1) }}", "y Ap"),
    ("${{ parameters.name.slice(-3) }}", "App"),
    ("${{ parameters.name.substring(4, 1) }}", "y A"),
    ("${{ parameters.name.substring(-5, 2) }}", "My"),
    ("${{ parameters.name.substr(-3, 2) }}", "Ap"),
    # padStart / padEnd, repeat, concat, charAt, at, length
    ("${{ '7'.padStart(3, '0') }}", "007"),
    ("${{ 'ab'.padEnd(7, 'xyz') }}", "abxyzxy"),
    ("${{ 'abc'.padStart(2) }}", "abc"),
    ("${{ 'ab'.repeat(3) }}", "ababab"),
    ("${{ 'a'.concat('b', 1, parameters.missing) }}", "ab1undefined"),
    ("${{ 'abc'.charAt(1) }}", "b"),
    ("${{ 'abc'.at(-1) }}", "c"),
    ("${{ parameters.name.length }}", 6),
    ("${{ parameters.name['length'] }}", 6),
    # Array.prototype: length, join (23.1.3.18: null/undefined as ""), concat, includes (SameValueZero),
    # indexOf (strict equality: 1 is not "1"), slice, at
    ("${{ parameters.tags.length }}", 3),
    ("${{ parameters.tags.join('-') }}", "a-b-c"),
    ("${{ parameters.tags.join() }}", "a,b,c"),
    ("${{ [1, none, true, [2, 3]].join('|') }}", "1||true|2,3"),
    ("${{ parameters.tags.concat(['d'], 'e') }}", ["a", "b", "c", "d", "e"]),
    ("${{ parameters.tags.includes('b') }}", True),
    ("${{ [1, 2].includes('1') }}", False),
    ("${{ [1, 2].includes(true) }}", False),
    ("${{ parameters.tags.indexOf('c') }}", 2),
    ("${{ parameters.tags.slice(1) }}", ["b", "c"]),
    ("${{ parameters.tags.at(-1) }}", "c"),
    ("${{ parameters.obj.length }}", None),  # a plain object has no length
    # Number.prototype.toFixed (ties go to the larger n), toString(radix); Boolean.prototype.toString
    ("${{ 2.5.toFixed(0) }}", "3"),
    ("${{ (1.005).toFixed(2) }}", "1.00"),  # the double is 1.00499999999999989...
    ("${{ parameters.n.toFixed(2) }}", "5.00"),
    ("${{ (-1.5).toFixed(0) }}", "-2"),
    ("${{ parameters.n.toString() }}", "5"),
    ("${{ 255 .toString(16) }}", "ff"),
    ("${{ true.toString() }}", "true"),
    ("${{ parameters.n.length }}", None),
    # a dict's own keys still win over everything (memberLookup reads obj[val])
    ("${{ {'length': 'L'}.length }}", "L"),
]


@pytest.mark.parametrize(("expression", "expected"), METHOD_CASES)
def test_javascript_members(expression, expected):
    assert value(expression) == expected


# --- nunjucks syntax Backstage templates use -----------------------------------------------------------
SYNTAX_CASES = [
    # compiler.js compilePair: a bare name as a dict key is a string (Backstage's parseEntityRef docs)
    ("${{ 'web' | parseEntityRef({ defaultKind: 'group', defaultNamespace: 'ops' }) }}",
     {"kind": "group", "namespace": "ops", "name": "web"}),
    ("${{ {name: parameters.name}.name }}", "My App"),
    # parser.js parseIf: `elseif` and `elif`
    ("{% if parameters.n > 9 %}big{% elseif parameters.n > 3 %}mid{% else %}small{% endif %}", "mid"),
    ("{% if false %}a{%- elseif true -%} b{% endif %}", "b"),
]


@pytest.mark.parametrize(("expression", "expected"), SYNTAX_CASES)
def test_nunjucks_syntax(expression, expected):
    assert value(expression) == expected


# --- 12.3: nunjucks' filters (filters.js) ----------------------------------------------------------
FILTER_CASES = [
    ("${{ 'a.b.a' | replace('a', 'x') }}", "x.b.x"),
    ("${{ 'aaa' | replace('a', 'x', 2) }}", "xxa"),
    ("${{ 'abc' | replace('', '.') }}", ".a.b.c."),
    ("${{ 'a.c' | replace('.', 'x') }}", "axc"),  # replace: a string `old` is not a regex
    ("${{ 123 | replace(2, 'x') }}", "1x3"),
    ("${{ 'abc' | replace(none, 'x') }}", "abc"),  # a non-string old: the input unchanged
    ("${{ parameters.name | lower }}", "my app"),
    ("${{ parameters.none | upper }}", ""),  # normalize(null, '')
    ("${{ 'hello-world foo' | title }}", "Hello-world Foo"),  # split(' ') only
    ("${{ parameters.spaced | trim }}", "hi"),
    ("${{ '/a/b/' | trim('/') }}", "a/b"),  # Jinja's chars argument still works
    ("${{ parameters.tags | join(d='+') }}", "a+b+c"),
    ("${{ 'aaa' | replace('a', 'x', count=1) }}", "xaa"),
    ("${{ parameters.missing | default('d') }}", "d"),
    ("${{ parameters.none | default('d') }}", None),  # `val !== undefined ? val : def`
    ("${{ [] | default('d', true) }}", []),  # `val || def`: [] is truthy in JavaScript
    ("${{ '' | default('d', true) }}", "d"),
    ("${{ parameters.tags | first }}", "a"),
    ("${{ parameters.tags | last }}", "c"),
    ("${{ 'abc' | first }}", "a"),
    ("${{ parameters.tags | length }}", 3),
    ("${{ parameters.obj | length }}", 1),
    ("${{ parameters.missing | length }}", 0),
    ("${{ parameters.tags | join }}", "abc"),
    ("${{ [1, none, true] | join(',') }}", "1,,true"),
    ("${{ parameters.people | join(', ', 'n') }}", "bo, Al, cy"),
    ("${{ parameters.tags | dump }}", '["a","b","c"]'),
    ("${{ '<a href=\"x\">\\'&\\\\' | escape }}", "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#92;"),
    ("${{ '<b>' | escape | escape }}", "&lt;b&gt;"),  # a SafeString is not escaped twice
    ("${{ '<b>' | safe }}", "<b>"),
    ("${{ parameters.path | urlencode }}", "a%2Fb%20c"),  # encodeURIComponent (Jinja keeps "/")
    ("${{ {'a': 'x y', 'b': 1} | urlencode }}", "a=x%20y&b=1"),
    ("${{ '12px' | int }}", 12),
    ("${{ 'abc' | int }}", None),  # parseInt -> NaN -> the default, undefined
    ("${{ 'abc' | int(7) }}", 7),
    ("${{ 'ff' | int(0, 16) }}", 255),
    ("${{ 3.9 | int }}", 3),
    ("${{ '3.5x' | float }}", 3.5),
    ("${{ 'x' | float(1.5) }}", 1.5),
    ("${{ 5 | string }}", "5"),
    ("${{ parameters.tags | reverse }}", ["c", "b", "a"]),
    ("${{ 'abc' | reverse }}", "cba"),
    ("${{ parameters.mixed | sort }}", [1, 3, "10"]),  # JavaScript < : 3 < "10" numerically
    ("${{ ['b', 'A', 'c'] | sort }}", ["A", "b", "c"]),
    ("${{ ['b', 'A', 'c'] | sort(true, true) }}", ["c", "b", "A"]),
    ("${{ parameters.people | sort(attribute='n') | map(attribute='n') | list }}", ["Al", "bo", "cy"]),
    ("${{ [1, 2, 3] | batch(2) }}", [[1, 2], [3]]),
    ("${{ [1, 2, 3] | batch(2, 0) }}", [[1, 2], [3]]),  # fillWith only when truthy
    ("${{ [1, 2, 3] | batch(2, 'x') }}", [[1, 2], [3, "x"]]),
    ("${{ 'one two, three' | wordcount }}", 3),
    ("${{ '' | wordcount }}", None),
    ("${{ 'hello world' | truncate(7) }}", "hello..."),  # no leeway, unlike Jinja
    ("${{ 'hello world' | truncate(3, true) }}", "hel..."),
    ("${{ 'hello world' | truncate(5, false, '!') }}", "hello!"),
    ("${{ 'a\n\nb' | indent(2) }}", "a\n  \n  b"),  # blank lines are indented too
    ("${{ 'a\nb' | indent(2, true) }}", "  a\n  b"),
]


@pytest.mark.parametrize(("expression", "expected"), FILTER_CASES)
def test_nunjucks_filters(expression, expected):
    assert value(expression) == expected


# --- hostile input: the sandbox's limits and secret opacity still hold --------------------------------
HOSTILE = [
    ("${{ 'a'.padStart(1000000000) }}", "padStart"),
    ("${{ 'a'.padEnd(1e300, 'x') }}", "padEnd"),
    ("${{ 'a'.padStart(1/0) }}", "padStart"),
    ("${{ 'ab'.repeat(1000000000) }}", "repeat"),
    ("${{ 'a'.repeat(-1) }}", "invalid count"),
    ("${{ ('x' * 1000000).replaceAll('x', 'yy') }}", "replace"),
    ("${{ ('x' * 2000).replaceAll('x', \"$'$'\") }}", "replace"),
    ("${{ ('x' * 2000).replaceAll('', '$`') }}", "replace"),
    ("${{ ('x' * 1000000).concat('x' * 1000000) }}", "concat"),
    ("${{ ('x' * 600000) + ('x' * 600000) }}", "larger than the limit"),
    ("${{ (['x' * 1000] * 1000).join('y' * 1000) }}", "join"),
    ("${{ (['x' * 1000] * 2000) | join }}", "join"),
    ("${{ [1] | batch(1000000000, 'x') }}", "linecount"),
    ("${{ ('a\n' * 1000) | indent(100000) }}", "width"),
    ("${{ ('&' * 300000) | escape }}", "escape"),
    ("${{ 1.5.toFixed(1000) }}", "between 0 and 100"),
    ("${{ 5 .toString(99) }}", "between 2 and 36"),
]


@pytest.mark.parametrize(("expression", "reason"), HOSTILE)
def test_hostile_sizes_hit_a_limit_quickly(expression, reason):
    started = time.monotonic()
    with pytest.raises(ExpressionError, match=reason):
        value(expression)
    assert time.monotonic() - started < 1.5


def test_sorting_a_long_mixed_list_stays_within_the_time_limit():
    started = time.monotonic()
    try:
        value("${{ ((range(40000) | list | reverse | list) + ['a', 'b']) | sort | length }}")
    except ExpressionError as exc:
        assert "time limit" in str(exc) or "iterations" in str(exc)
    assert time.monotonic() - started < 3
    assert value("${{ (range(5) | list | reverse | list) | sort }}") == [0, 1, 2, 3, 4]
    assert value("${{ (2 ** 2000).toString(16) }}") == "Infinity"  # JavaScript numbers are doubles


def test_recursion_through_methods_is_bounded():
    deep = "{% macro f(s) %}${{ f(s.concat(s)) }}{% endmacro %}${{ f('ab') }}"
    with pytest.raises(ExpressionError):
        render_string(deep, CONTEXT)
    with pytest.raises(ExpressionError):
        render_string("{% macro f(n) %}${{ f(n + 1) }}{% endmacro %}${{ f(0) }}", CONTEXT)


def test_methods_are_functions_the_sandbox_keeps_closed():
    for expression in ("${{ 'a'.replaceAll.__globals__ }}", "${{ 'a'.split.__closure__ }}",
                       "${{ [].join.__wrapped__ }}"):
        with pytest.raises(ExpressionError, match="private"):
            value(expression)


@pytest.mark.parametrize("expression", [
    "${{ secrets.token.replaceAll('a', 'b') }}",
    "${{ secrets.token.length }}",
    "${{ secrets.token.padStart(40) }}",
    "${{ 'x'.concat(secrets.token) }}",
    "${{ 'x'.replace('x', secrets.token) }}",
    "${{ [secrets.token].join(',') }}",
    "${{ ['a'].includes(secrets.token) }}",
    "${{ [secrets.token].indexOf('a') }}",
    "${{ secrets.token + '' }}",
    "${{ secrets.token | title }}",
    "${{ secrets.token | urlencode }}",
    "${{ secrets.token | truncate(3) }}",
    "${{ [secrets.token] | join }}",
    "${{ secrets.token | int }}",
])
def test_secrets_stay_opaque_through_methods_and_filters(expression):
    with pytest.raises(ExpressionError) as caught:
        render_input({"token": expression}, {"parameters": {}}, secrets={"token": SECRET})
    message = str(caught.value)
    assert "secrets.token is a secret" in message
    assert SECRET not in message.replace(expression, "")
