"""nunjucks' nl2br, groupby, dictsort, slice, round, striptags, center, capitalize, selectattr, rejectattr
and indent, where Jinja's filters of those names differ.

Expected values are what nunjucks 3.2.4 renders (checked against nunjucks/src under node with Backstage
SecureTemplater's options); the comment on each group cites nunjucks/src/filters.js (unchanged since
2020, so the same in every nunjucks Backstage has shipped) and what Jinja gives instead.
"""

import pytest

from scaffolding.lib.expressions import ExpressionError, render_string, render_value

CONTEXT = {"parameters": {
    "l": [{"t": "b", "n": 1}, {"t": "a", "n": 2}, {"t": "b", "n": 3}, {"n": 4}, {"t": 10, "n": 5},
          {"t": 2, "n": 6}, {"t": [], "n": 7}, {"t": 0, "n": 8}],
    "d": {"b": 2, "A": 1, "a_": 3, "ab": 4, "10": 5, "9": 6},
    "html": "<p>Hi &amp; <b>there</b></p>\n\n\n\n<!-- x -->  end ",
    "text": "a\r\nb\nc\n\nd", "none": None, "no": False, "seven": list(range(1, 8)),
}}

CASES = [
    # groupby (filters.js groupby -> lib.groupBy): an object {String(key): [items]} in JavaScript key
    # order, missing attributes under "undefined" (Jinja: a sorted list of (grouper, list) pairs).
    ("${{ parameters.l | groupby('t') | dump }}",
     '{"0":[{"t":0,"n":8}],"2":[{"t":2,"n":6}],"10":[{"t":10,"n":5}],"b":[{"t":"b","n":1},{"t":"b","n":3}],'
     '"a":[{"t":"a","n":2}],"undefined":[{"n":4}],"":[{"t":[],"n":7}]}'),
    ("{% for group, items in parameters.l | groupby('t') %}${{ group }}:${{ items | length }};{% endfor %}",
     "0:1;2:1;10:1;b:2;a:1;undefined:1;:1;"),
    ("${{ parameters.l | groupby('t') }}", "[object Object]"),
    # dictsort: [[key, value]] compared upper-cased unless case-sensitive (Jinja lower-cases, so "a_"
    # and "ab" swap), keys are strings ("10" < "9").
    ("${{ parameters.d | dictsort | dump }}", '[["10",5],["9",6],["A",1],["ab",4],["a_",3],["b",2]]'),
    ("${{ parameters.d | dictsort(true) | dump }}", '[["10",5],["9",6],["A",1],["a_",3],["ab",4],["b",2]]'),
    ("${{ parameters.d | dictsort(false, 'value') | dump }}",
     '[["A",1],["b",2],["a_",3],["ab",4],["10",5],["9",6]]'),
    # slice: fillWith pads only when truthy (Jinja: when not None); a string gives strings (Jinja: lists).
    ("${{ parameters.seven | slice(3) | dump }}", "[[1,2,3],[4,5],[6,7]]"),
    ("${{ parameters.seven | slice(3, 'x') | dump }}", '[[1,2,3],[4,5,"x"],[6,7,"x"]]'),
    ("${{ parameters.seven | slice(3, 0) | dump }}", "[[1,2,3],[4,5],[6,7]]"),
    ("${{ 'abcdefg' | slice(3) | dump }}", '["abc","de","fg"]'),
    ("${{ [1,2] | slice(4) | dump }}|${{ [1,2] | slice(0) | dump }}", "[[1],[2],[],[]]|[]"),
    # round: Math.round (halves toward +Infinity; Jinja rounds half to even and returns 2.0).
    ("${{ 2.5 | round }}|${{ -2.5 | round }}|${{ '2.5' | round }}|${{ 2.675 | round(2) }}", "3|-2|3|2.68"),
    ("${{ 2.1 | round(0, 'ceil') }}|${{ 2.9 | round(0, 'floor') }}|${{ 1234.5678 | round(-2) }}|${{ 3 | round(1) }}",
     "3|2|1200|3"),
    ("${{ parameters.none | round }}", "0"),
    # striptags: tags and comments removed, entities kept (Jinja unescapes &amp;), white space squashed.
    ("${{ parameters.html | striptags }}", "Hi &amp; there end"),
    ("${{ parameters.html | striptags(true) }}", "Hi &amp; there\n\nend"),
    ("${{ 'a <b>b</b>  &lt;c' | striptags }}|${{ parameters.none | striptags }}|", "a b &lt;c||"),
    # nl2br (Jinja has none): \r\n and \n become "<br />\n"; null and undefined are "".
    ("${{ parameters.text | nl2br }}|${{ parameters.none | nl2br }}|${{ parameters.missing | nl2br }}",
     "a<br />\nb<br />\nc<br />\n<br />\nd||"),
    # center: an odd padding puts the extra space after.
    ("[${{ 'ab' | center(7) }}][${{ 'ab' | center(5) }}][${{ 'ab' | center(1) }}][${{ 'abc' | center(6) }}]",
     "[  ab   ][ ab  ][ab][ abc  ]"),
    ("[${{ parameters.none | center(3) }}]", "[   ]"),
    # capitalize: null and false are "" (Jinja prints "None" and "False").
    ("${{ 'hELLO wORLD' | capitalize }}|${{ parameters.none | capitalize }}|${{ parameters.no | capitalize }}",
     "Hello world||"),
    # selectattr / rejectattr: `!!item[attr]` with JavaScript truthiness; extra arguments are ignored.
    ("${{ parameters.l | selectattr('t') | length }}|${{ parameters.l | rejectattr('t') | dump }}",
     '6|[{"n":4},{"t":0,"n":8}]'),
    ("${{ parameters.l | selectattr('t', 'equalto', 'b') | length }}", "6"),
    ("${{ [[], {}, 0, '0'] | selectattr('length') | dump }}", '["0"]'),
    # list: an object becomes [{key, value}] (Jinja: its keys), a string its characters.
    ("${{ {'b': 1, '2': 'x'} | list | dump }}|${{ 'ab' | list | dump }}|${{ [1] | list | dump }}",
     '[{"key":"2","value":"x"},{"key":"b","value":1}]|["a","b"]|[1]'),
    ("{% for item in parameters.d | list %}${{ item.key }}=${{ item.value }} {% endfor %}",
     "9=6 10=5 b=2 A=1 a_=3 ab=4 "),
    # indent: every line but the first, blank ones too; width 0 is 4 (`width || 4`).
    ("${{ 'a\\nb\\n\\nc' | indent(2) }}|${{ 'a\\nb' | indent(2, true) }}|${{ 'a\\nb' | indent(0) }}|"
     "${{ parameters.none | indent }}|", "a\n  b\n  \n  c|  a\n  b|a\n    b||"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_filters_render_as_in_nunjucks(template, expected):
    assert render_string(template, CONTEXT) == expected


def test_typed_results_are_javascript_values():
    assert render_value("${{ 2.5 | round }}", CONTEXT) == 3
    assert isinstance(render_value("${{ 4.0 | round }}", CONTEXT), int)
    assert render_value("${{ parameters.l | groupby('t') | length }}", CONTEXT) == 7
    assert render_value("${{ parameters.d | dictsort }}", CONTEXT)[0] == ["10", 5]
    assert render_value("${{ parameters.missing | round }}", CONTEXT) is None  # undefined passes through


@pytest.mark.parametrize(("template", "message"), [
    ("${{ [1, 2] | dictsort }}", "dictsort filter: val must be an object"),  # filters.js TemplateError
    ("${{ parameters.d | dictsort(false, 'size') }}", "You can only sort by either key or value"),
    ("${{ 'abc' | slice(2, 'x') }}", "slice: a string cannot be padded"),
    ("${{ 'abc' | selectattr('x') }}", "selectattr: expected a list, got a string"),
    ("${{ parameters.d | slice(2) }}", "slice: expected a list"),
    ("${{ 5 | list }}", "list filter: type not iterable"),
])
def test_values_nunjucks_throws_on_are_clear_errors(template, message):
    with pytest.raises(ExpressionError, match=message):
        render_string(template, CONTEXT)


# --- hostile: the sandbox's size and time limits hold ---------------------------------------------------


@pytest.mark.parametrize("template", [
    "${{ 'x' | center(100000000) }}",
    "${{ [1] | slice(100000000) }}",
    "${{ parameters.t | nl2br }}",
])
def test_filters_that_grow_are_stopped_at_the_size_limit(template):
    with pytest.raises(ExpressionError, match="limit"):
        render_string(template, {"parameters": {"t": "\n" * 500_000}})


def test_striptags_on_hostile_markup_stays_linear():
    import time

    started = time.perf_counter()
    hostile = "<a" * 50_000 + "<!--" * 25_000  # Python's re backtracks quadratically on both
    assert render_value("${{ parameters.h | striptags | length }}", {"parameters": {"h": hostile}}) == len(hostile)
    assert time.perf_counter() - started < 2


def test_groupby_and_dictsort_over_large_inputs_stay_within_the_limits():
    many = [{"k": i % 1000} for i in range(50_000)]
    assert render_value("${{ parameters.m | groupby('k') | length }}", {"parameters": {"m": many}}) == 1000
    big = {f"k{i}": i for i in range(20_000)}
    assert render_value("${{ (parameters.b | dictsort)[0] }}", {"parameters": {"b": big}}) == ["k0", 0]
    with pytest.raises(ExpressionError, match="larger than the limit"):
        render_string("${{ parameters.b | dictsort | dump }}", {"parameters": {"b": {f"k{i}": "x" * 100
                                                                                    for i in range(20_000)}}})


def test_striptags_refuses_a_text_too_long_to_scan_in_time():
    with pytest.raises(ExpressionError, match="too long to match against"):
        render_string("${{ parameters.h | striptags }}", {"parameters": {"h": "<b>" * 100_000}})
