"""nunjucks' regular-expression literals `r/body/flags`, as Backstage's SecureTemplater runs them.

Every expected value is what nunjucks 3.2.4 renders (checked against nunjucks/src run under node with
SecureTemplater's options: autoescape false, `${{ }}` variables). Sources: lexer.js (TOKEN_REGEX: the
body runs to the first `/` not after a backslash, flags among g i m y), parser.js parsePrimary
(`new RegExp(tok.value.body, tok.value.flags)`), filters.js replace (`if (old instanceof RegExp)
return str.replace(old, new_)`), and ECMA-262 String.prototype.replace / split / match / search and
RegExp.prototype.test for the method calls (runtime.js memberLookup binds them).
"""

import itertools
import time

import pytest

from scaffolding.lib.expressions import ExpressionError, limits, render_skeleton, render_string, render_value
from scaffolding.lib.expressions.regex_literals import rewrite

CONTEXT = {"parameters": {"name": "My Svc_1 x", "ver": "v1.2.3", "t": "hello-world foo", "tags": ["x", "y"],
                          "dotted": "a.b-c", "missing_is_absent": None}}


def value(expression: str):
    return render_value(expression, CONTEXT)


# filters.js replace with a RegExp: str.replace(old, new_); g replaces every match, maxCount is ignored.
REPLACE_CASES = [
    ("${{ parameters.name | lower | replace(r/[^a-z0-9]/g, '-') }}", "my-svc-1-x"),
    ("${{ parameters.name | replace(r/[a-z]/, '*') }}", "M* Svc_1 x"),  # no g: the first match only
    ("${{ parameters.name | replace(r/[a-z]/gi, '*', 2) }}", "** ***_1 *"),  # maxCount ignored
    ("${{ parameters.ver | replace(r/^v/, '') }}", "1.2.3"),
    ("${{ 'a/b/c' | replace(r/\\//g, '.') }}", "a.b.c"),  # lexer.js: `\/` does not end the body
    ("${{ parameters.dotted | replace(r/\\./g, '') | upper }}", "AB-C"),
    ("${{ parameters.tags | join(',') | replace(r/,/g, ' & ') }}", "x & y"),
    ("${{ parameters.name | replace(r/x*/g, '-') }}", "-M-y- -S-v-c-_-1- --"),  # empty matches advance
    ("${{ 'Line1\\nline2' | replace(r/^l/gm, 'L') }}", "Line1\nLine2"),  # m: ^ after a line break
    ("${{ 'Line1\\nline2' | replace(r/^l/g, 'L') }}", "Line1\nline2"),
    ("${{ '\u00e9t\u00c9' | replace(r/\u00e9/gi, 'e') }}", "ete"),  # i folds beyond ASCII
    ("${{ parameters.name | replace(r/a/g, parameters.missing) }}", "My Svc_1 x"),
    ("{% set re = r/-+/g %}${{ 'a--b---c' | replace(re, '-') }}", "a-b-c"),
]

# GetSubstitution (ECMA-262 22.1.3.19.1): $1..$99, $&, $`, $', $$, $<name>; unknown ones stay as written.
SUBSTITUTION_CASES = [
    ("${{ parameters.name | replace(r/(\\w+) (\\w+)/, '$2 $1 [$&] $$ $3 $0 $10 $<x>') }}",
     "Svc_1 My [My Svc_1] $ $3 $0 My0 $<x> x"),
    ("${{ parameters.name | replace(r/(?<first>\\w+)/g, '<$<first>>') }}", "<My> <Svc_1> <x>"),
    ("${{ parameters.name | replace(r/S/i, '$`|$\\'') }}", "My My |vc_1 xvc_1 x"),
    ("${{ 'aaa'.replace(r/a/, '$') }}|${{ 'aaa'.replace(r/a/g, '$$') }}", "$aa|$$$"),
    ("${{ 'abc'.replace(r/(b)/, '$01$1$2') }}", "abb$2c"),
]

# String.prototype methods with a RegExp argument, and the RegExp's own members.
METHOD_CASES = [
    ("${{ r/^my/i.test(parameters.name) }} ${{ r/^svc-/.test(parameters.name) }} ${{ r/x$/.test(parameters.name) }}",
     "true false true"),
    ("${{ r/^v\\d+\\.\\d+\\.\\d+$/.test(parameters.ver) }}", "true"),
    ("${{ parameters.name.replace(r/\\s+/g, '_') }}|${{ parameters.name.replaceAll(r/ /g, '') }}",
     "My_Svc_1_x|MySvc_1x"),
    ("${{ parameters.name.split(r/\\s+/) | join('|') }}", "My|Svc_1|x"),
    ("${{ parameters.name.split(r/(_)/) | join('|') }}", "My Svc|_|1 x"),  # captures are spliced in
    ("${{ 'abc'.split(r//) | join('|') }}|${{ ''.split(r/x/) | length }}|${{ ''.split(r//) | length }}", "a|b|c|1|0"),
    ("${{ parameters.name.match(r/[a-z]+/gi) | join('|') }}", "My|Svc|x"),
    ("${{ parameters.name.match(r/(\\w)(q)?/) | join('|') }}|${{ parameters.name.match(r/zzz/) }}", "M|M||"),
    ("${{ parameters.name.search(r/Svc/) }}", "3"),
    ("${{ parameters.name.match('[A-Z]') | join('|') }}|${{ parameters.name.search('[0-9]') }}", "M|7"),  # new RegExp
    ("${{ parameters.name.replace(r/(?:)/g, '|') }}", "|M|y| |S|v|c|_|1| |x|"),
    ("{% set re = r/-+/g %}${{ re.source }}|${{ re.flags }}|${{ re.global }}|${{ re }}", "-+|g|true|/-+/g"),
    ("${{ r/a/ }}|${{ r/a/gi }}", "/a/|/a/gi"),  # RegExp.prototype.toString
    ("{% if r/prod/.test(parameters.t) %}yes{% else %}no{% endif %}", "no"),
    ("${{ 'x' if r/^h/.test(parameters.t) else 'y' }}", "x"),
    ("${{ [r/a/.test('a'), r/b/.test('a')] | join(',') }}", "true,false"),
]

# Where lexer.js reads a literal: only at the start of a token in code.
LEXING_CASES = [
    ("chr/2 r/a/ text ${{ '(r/a/)' }}", "chr/2 r/a/ text (r/a/)"),  # text and strings are not code
    ("{% set chr = 4 %}${{ chr/2 }}", "2"),  # `chr/2` is a division: the token starts at c
    ("{# r/a/ #}{% raw %}${{ r/a/ }}{% endraw %}${{ 'r/' }}", "${{ r/a/ }}r/"),
    ("${{ 'x' if r/^https?:/.test('https://a') else 'y' }}", "x"),  # `?` and `:` inside a pattern
    ("${{ 'it\\'s \"q\"' | replace(r/[\"']/g, '') }}", "its q"),  # quotes inside a pattern
    ("${{ 'https://x' | replace(r/[?:]/g, '_') }}", "https_//x"),
]


def test_patterns_with_question_marks_and_colons_survive_the_ternary_rewriting():
    # `c ? a : b` is Paved's own leniency (js_ternary.py); a pattern's `?` and `:` must not be read as one.
    template = "${{ r/^https?:\\/\\//.test(parameters.t) ? 'web' : 'other' }}"
    assert render_string(template, {"parameters": {"t": "https://x"}}) == "web"
    assert render_string(template, {"parameters": {"t": "ftp://x"}}) == "other"


@pytest.mark.parametrize(("template", "expected"),
                         REPLACE_CASES + SUBSTITUTION_CASES + METHOD_CASES + LEXING_CASES)
def test_regex_literals_render_as_in_nunjucks(template, expected):
    assert render_string(template, CONTEXT) == expected


def test_a_literal_keeps_its_type_and_skeletons_and_cookiecutter_files_read_them_too():
    assert value("${{ r/^svc-/.test('svc-web') }}") is True
    assert value("${{ 'a-b'.split(r/-/) }}") == ["a", "b"]
    assert value("${{ 'x'.match(r/y/) }}") is None
    skeleton = "name: ${{ values.name | replace(r/[^a-z]/g, '') }}\n{% if r/^a/.test(values.name) %}a{% endif %}\n"
    assert render_skeleton(skeleton, {"name": "ab-c"}) == "name: abc\na\n"
    assert render_skeleton("{{ cookiecutter.n | replace(r/_/g, '-') }}", {"n": "a_b"},
                           cookiecutter_compat=True) == "a-b"


def test_line_breaks_in_a_literal_keep_later_line_numbers():
    rewritten = rewrite("${{ 'x' | replace(r/a\nb/, '') }}\nline", "${{")
    assert rewritten.count("\n") == 2
    with pytest.raises(ExpressionError, match=r"line 4 \('\$\{\{ values.x.y.z\(\) \}\}'\)"):
        render_skeleton("${{ 'ab' | replace(r/a\nb/, '') }}\n\n${{ values.x.y.z() }}\n", {}, name="f.txt")


# --- refused patterns, named with the literal -----------------------------------------------------------

REFUSED = [
    ("${{ r/(a)\\1/.test('aa') }}", r"r/\(a\)\\1/ uses a backreference"),
    ("${{ r/(?=a)b/.test('ab') }}", r"r/\(\?=a\)b/ uses a lookahead"),
    ("${{ r/(?<!a)b/.test('ab') }}", r"uses a negative lookbehind"),
    ("${{ r/\\k<x>(?<x>a)/.test('a') }}", r"uses a backreference"),
    ("${{ r/a/y.test('a') }}", r"r/a/y uses the flag y \(sticky\), which is not supported"),
    ("${{ r/a/gg.test('a') }}", r"r/a/gg repeats the flag g"),
    ("${{ r/a(/.test('a') }}", r"r/a\(/ is not valid"),
    ("${{ r/a{2000}/.test('a') }}", r"r/a\{2000\}/ is not valid"),
    ("${{ r/abc }}", r"has no closing /"),
    ("${{ r/" + "a" * 1001 + "/.test('a') }}", r"is longer than 1000 characters"),
    ("${{ paved_regexp(parameters.name, '') }}", r"only stands for a regular-expression literal"),
    ("${{ 'a'.match('(a)\\\\1') }}", r"match: the regular expression r/\(a\)\\1/ uses a backreference"),
    ("${{ 'a'.replaceAll(r/a/, 'b') }}", r"replaceAll must be called with a global RegExp, got r/a/"),
]


@pytest.mark.parametrize(("template", "message"), REFUSED)
def test_patterns_re2_cannot_run_are_refused_naming_the_expression(template, message):
    with pytest.raises(ExpressionError, match=message) as caught:
        render_string(template, CONTEXT)
    assert str(caught.value).startswith(f"cannot render {template[:150]!r}"[:40])


def test_a_refused_pattern_in_a_skeleton_names_the_file_and_line():
    with pytest.raises(ExpressionError, match=r"catalog-info.yaml, line 2 .*r/\(\?!x\)/g uses a negative lookahead"):
        render_skeleton("a: 1\nb: ${{ values.n | replace(r/(?!x)/g, '') }}\n", {"n": "x"}, name="catalog-info.yaml")


def test_a_regular_expression_has_no_python_attributes():
    assert render_string("${{ r/a/.pattern }}|${{ r/a/.match }}|${{ r/a/.lastIndex }}", CONTEXT) == "||0"
    with pytest.raises(ExpressionError, match="not allowed"):
        render_string("${{ r/a/._compiled }}", CONTEXT)


def test_secrets_cannot_be_matched_or_replaced():
    from scaffolding.lib.expressions import render_input

    for template in ("${{ r/a/.test(secrets.t) }}", "${{ secrets.t | replace(r/a/, 'b') }}",
                     "${{ 'a'.replace(r/a/, secrets.t) }}"):
        with pytest.raises(ExpressionError, match="secrets.t is a secret"):
            render_input({"x": template}, {}, secrets={"t": "abc"})


# --- hostile input: catastrophic patterns, huge texts, huge results -------------------------------------


def test_catastrophic_backtracking_patterns_run_in_linear_time():
    text = "a" * 200_000 + "!"
    started = time.perf_counter()
    assert render_value("${{ r/^(a+)+$/.test(parameters.t) }}", {"parameters": {"t": text}}) is False
    assert render_value("${{ r/(x+x+)+y/.test(parameters.t) }}", {"parameters": {"t": "x" * 100_000}}) is False
    assert render_value("${{ parameters.t | replace(r/(a|aa)+$/g, '') | length }}",
                        {"parameters": {"t": "a" * 5000 + "b"}}) == 5001
    assert time.perf_counter() - started < 2  # Python's re would take longer than the universe


def test_a_text_too_long_for_the_pattern_is_refused_before_matching():
    with pytest.raises(ExpressionError, match=r"too long to match against r/\(\[a-z\]\{1,50\}-\)\+/"):
        render_string("${{ parameters.t | replace(r/([a-z]{1,50}-)+/g, '') }}",
                      {"parameters": {"t": "ab-" * 300_000}})


def test_replacements_that_grow_are_stopped_at_the_size_limit():
    with pytest.raises(ExpressionError, match="the result of replace would be larger than the limit of 1048576"):
        render_string("${{ parameters.t | replace(r/a/g, '$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&') }}",
                      {"parameters": {"t": "a" * 100_000}})
    with pytest.raises(ExpressionError, match="larger than the limit"):
        render_string("${{ parameters.t.replace(r//g, parameters.t) }}", {"parameters": {"t": "ab" * 1000}})


def test_many_empty_matches_meet_the_time_limit(monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(limits, "_clock", lambda: next(ticks) * 0.01)
    with pytest.raises(ExpressionError, match="2-second time limit"):
        render_string("${{ parameters.t.split(r/(?:)/).length }}", {"parameters": {"t": "a" * 500_000}})


def test_regex_literals_inside_loops_compile_once():
    from scaffolding.lib.expressions.regexp import compile_regexp

    compile_regexp.cache_clear()
    text = "{% for x in parameters.l %}${{ x | replace(r/[0-9]/g, '#') }}{% endfor %}"
    assert render_string(text, {"parameters": {"l": [f"a{i}" for i in range(500)]}}) == "a#" * 10 + "a##" * 90 + \
        "a###" * 400
    assert compile_regexp.cache_info().misses == 1


def test_reading_literals_in_a_large_skeleton_is_linear():
    # A text with "r/" in it and many blocks: each opener is looked for once, not once per block.
    source = "path r/ ${{ values.x }} {% if values.y %}y{% endif %}\n" * 20_000
    started = time.perf_counter()
    assert rewrite(source, "${{") == source
    assert time.perf_counter() - started < 1
