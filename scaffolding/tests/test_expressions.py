"""The template expression engine: Backstage typing and undefined rules, skeletons, the sandbox and its limits."""

import copy
import itertools
import math
import time

import pytest
import yaml

from core.testing import SEED_DOCUMENT
from scaffolding.lib import expressions
from scaffolding.lib.expressions import (
    ExpressionError,
    evaluate_condition,
    is_truthy,
    limits,
    render_path,
    render_skeleton,
    render_string,
    render_value,
)

SEED = SEED_DOCUMENT

CONTEXT = {
    "parameters": {
        "name": "payments", "n": 5, "ratio": 1.5, "flag": True, "off": False, "list": ["a", "b"],
        "obj": {"k": "v", "nested": [1, {"x": 2}]}, "items": "the answer named items", "quote": 'say "hi" it\'s',
        "empty": "", "none": None,
    },
    "steps": {"create-repo": {"output": {"remoteUrl": "https://git.example/acme/payments.git"}},
              "fetch": {"output": {"files": 3}}},
    "user": {"entity": {"metadata": {"name": "jane"}, "spec": {"profile": {"email": "jane@example.com"}}},
             "ref": "user:default/jane"},
    "each": {"key": "0", "value": {"env": "prod"}},
    "secrets": {"token": "s3cret"},
}


@pytest.fixture(autouse=True)
def _fast():
    """Every test here must finish quickly: the limits exist so hostile templates cannot take seconds."""
    started = time.monotonic()
    yield
    assert time.monotonic() - started < 3, "a single expression test took seconds"


# --- typing -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "expected"), [
    ("${{ parameters.list }}", ["a", "b"]),
    ("${{ parameters.n }}", 5),
    ("${{ parameters.ratio }}", 1.5),
    ("${{ parameters.flag }}", True),
    ("${{ parameters.off }}", False),
    ("${{ parameters.none }}", None),
    ("${{ parameters.obj }}", {"k": "v", "nested": [1, {"x": 2}]}),
    ("  ${{ parameters.n }}\n", 5),
    ("${{parameters.n}}", 5),
    ("${{ parameters.n + 1 }}", 6),
    ("${{ parameters.list | length }}", 2),
    ("${{ parameters.n > 3 }}", True),
    ("${{ parameters.list + ['c'] }}", ["a", "b", "c"]),
    ("${{ ('a', 'b') }}", ["a", "b"]),
    ("${{ range(3) }}", [0, 1, 2]),
    ("${{ parameters.list | map('upper') }}", ["A", "B"]),
    ("${{ '' }}", ""),
    ("${{ parameters.empty }}", ""),
    ("${{ parameters.quote }}", 'say "hi" it\'s'),
    ("${{ 'a }} b' }}", "a }} b"),
    ("x-${{ parameters.n }}", "x-5"),
    ("${{ parameters.n }}${{ parameters.n }}", "55"),
    ("${{ parameters.n }} ${{ parameters.flag }}", "5 true"),
    ("${{ parameters.list }}!", "a,b!"),
    ("${{ parameters.obj }}!", "[object Object]!"),
    ("${{ parameters.none }}!", "!"),
    ("${{ parameters.ratio * 2 }}", 3.0),
    ("v${{ parameters.ratio * 2 }}", "v3"),
    ("plain text", "plain text"),
    ("{{ not.an.expression }}", "{{ not.an.expression }}"),
])
def test_render_value_keeps_the_type_of_a_single_expression(template, expected):
    result = render_value(template, CONTEXT)
    assert result == expected
    assert type(result) is type(expected)


def test_render_value_renders_nested_values_but_not_keys():
    value = {"${{ parameters.name }}": "${{ parameters.name }}",
             "labels": {"team": "${{ parameters.n }}", "tags": ["${{ parameters.flag }}", "x-${{ parameters.n }}", 7]},
             "keep": [True, None, 1.5]}
    original = copy.deepcopy(value)
    assert render_value(value, CONTEXT) == {
        "${{ parameters.name }}": "payments",
        "labels": {"team": 5, "tags": [True, "x-5", 7]},
        "keep": [True, None, 1.5],
    }
    assert value == original


@pytest.mark.parametrize("value", [3, 2.5, True, False, None])
def test_render_value_returns_non_strings_as_they_are(value):
    assert render_value(value, CONTEXT) is value


@pytest.mark.parametrize("template", ["", "${{ parameters.missing }}", "${{ parameters.none }}${{ parameters.empty }}",
                                      "{# only a comment #}", "{% if false %}x{% endif %}"])
def test_values_that_render_to_nothing_are_none(template):
    assert render_value(template, CONTEXT) is None


def test_undefined_keys_become_none_for_the_caller_to_drop():
    assert render_value({"a": "${{ parameters.missing }}", "b": ["${{ nope }}"]}, CONTEXT) == {"a": None, "b": [None]}


def test_render_value_errors_say_where_in_the_value():
    with pytest.raises(ExpressionError) as info:
        render_value({"labels": {"team": ["ok", "${{ 1 / 0 }}"]}}, CONTEXT)
    assert str(info.value).startswith("labels.team[1]: cannot render '${{ 1 / 0 }}'")
    assert info.value.expression == "${{ 1 / 0 }}"
    assert "division by zero" in info.value.reason


# --- undefined, context names and Backstage quirks --------------------------------------------------------

@pytest.mark.parametrize(("template", "expected"), [
    ("${{ parameters.missing }}", ""),
    ("${{ nothing.at.all['x'].y }}", ""),
    ("${{ steps['no-such-step'].output.remoteUrl }}", ""),
    ("${{ parameters.missing | lower }}", ""),
    ("${{ parameters.missing | default('d') }}", "d"),
    ("${{ 'yes' if parameters.missing else 'no' }}", "no"),
    ("${{ parameters.missing is defined }}", "false"),
    ("${{ context }}", ""),
    ("${{ steps['create-repo'].output.remoteUrl }}", "https://git.example/acme/payments.git"),
    ("${{ steps.fetch.output.files }}", "3"),
    ("${{ steps['fetch']['output']['files'] }}", "3"),
    ("${{ user.entity.metadata.name }} ${{ user.ref }}", "jane user:default/jane"),
    ("${{ user.entity.spec.profile.email }}", "jane@example.com"),
    ("${{ each.key }}:${{ each.value.env }}", "0:prod"),
    ("${{ secrets.token }}", "s3cret"),
    ("${{ parameters.items }}", "the answer named items"),
    ("${{ parameters.obj.nested[1].x }}", "2"),
    ("${{ parameters.flag ~ '/' ~ parameters.list }}", "true/a,b"),
    ("${{ parameters.n === 5 }} ${{ parameters.n !== 5 }}", "true false"),
    ("${{ [1, none, 'x'] }}", "1,,x"),
    ("${{ 2.0 }} ${{ 0.1 + 0.2 }}", "2 0.30000000000000004"),
    ("{{ .Values.image }} ${{ parameters.name }}", "{{ .Values.image }} payments"),
    ("${{ '${{' }} github.sha }}", "${{ github.sha }}"),
    ("{% raw %}${{ kept }}{% endraw %}", "${{ kept }}"),
    ("a{# a comment #}b", "ab"),
    ("{% for x in parameters.list %}${{ loop.index }}${{ x }}{% endfor %}", "1a2b"),
])
def test_render_string_follows_nunjucks_semantics(template, expected):
    assert render_string(template, CONTEXT) == expected


def test_strings_without_expressions_are_returned_unchanged():
    text = "no expressions: {{ helm }} $ { } %"
    assert render_string(text, CONTEXT) is text


def test_render_string_refuses_non_strings():
    with pytest.raises(ExpressionError, match="expected a string"):
        render_string(["${{ x }}"], CONTEXT)


# --- if / truthiness --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (False, False), (None, False), (0, False), (0.0, False), (-0.0, False), (math.nan, False), ("", False),
    (True, True), (1, True), (-1, True), (0.5, True), ("false", True), ("0", True), (" ", True), ([], True),
    ({}, True), ([0], True),
])
def test_is_truthy_is_javascript_truthiness(value, expected):
    assert is_truthy(value) is expected


@pytest.mark.parametrize(("condition", "expected"), [
    (None, True), (True, True), (False, False),
    ("${{ parameters.flag }}", True), ("${{ parameters.off }}", False),
    ("${{ parameters.missing }}", False), ("${{ parameters.n > 10 }}", False),
    ("${{ parameters.name == 'payments' }}", True), ("${{ parameters.name === 'payments' }}", True),
    ("${{ not parameters.list }}", False), ("${{ parameters.empty }}", False),
    ("false", True), ("${{ 'false' }}", True), ("", False), ("${{ 0 }}", False), ("${{ [] }}", True),
    ("${{ parameters.list | length > 1 and parameters.flag }}", True),
    (0, True), ({"a": 1}, True),  # Backstage skips only for `false` and falsy-rendering strings
])
def test_evaluate_condition_follows_backstage_if(condition, expected):
    assert evaluate_condition(condition, CONTEXT) is expected


def test_a_broken_condition_is_an_error_not_a_skip():
    with pytest.raises(ExpressionError, match="syntax error"):
        evaluate_condition("${{ parameters.flag and }}", CONTEXT)


# --- skeletons and paths --------------------------------------------------------------------------------

SKELETON = """\
# ${{ values.name }}
image: {{ .Values.image }}
enabled: ${{ values.flag }}
{# a template comment #}
{%- for port in values.ports %}
- port: ${{ port }}
{%- endfor %}
{% if values.database != 'none' %}db: ${{ values.database }}{% endif %}
"""


def test_render_skeleton_renders_values_and_leaves_helm_syntax_alone():
    values = {"name": "payments", "flag": False, "ports": [80, 443], "database": "postgresql"}
    assert render_skeleton(SKELETON, values) == (
        "# payments\nimage: {{ .Values.image }}\nenabled: false\n\n- port: 80\n- port: 443\ndb: postgresql\n")


def test_render_skeleton_cookiecutter_mode_uses_plain_braces_and_the_cookiecutter_name():
    text = "{{ cookiecutter.name }} ${{ cookiecutter.name }} {% if cookiecutter.go %}go{% endif %}{# c #}\n"
    assert render_skeleton(text, {"name": "web", "go": True}, cookiecutter_compat=True) == "web $web go\n"
    assert render_skeleton("{{ values.name }}", {"name": "web"}, cookiecutter_compat=True) == ""
    assert render_skeleton("{{ cookiecutter | jsonify }}", {"a": [1]}, cookiecutter_compat=True) == '{"a":[1]}'


def test_render_skeleton_keeps_newlines_as_the_file_has_them():
    assert render_skeleton("a ${{ values.x }}\r\nb\r\n", {"x": 1}) == "a 1\r\nb\r\n"
    assert render_skeleton("a ${{ values.x }}\n\n", {"x": 1}) == "a 1\n\n"
    assert render_skeleton("no templating\r\nhere\n", {}) == "no templating\r\nhere\n"


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("ok\nline ${{ values.x | nope }}\n", 2, "No filter named 'nope'"),
    ("ok\n\n{% for x in %}\n{% endfor %}\n", 3, "syntax error"),
    ("ok\n{% if values.x %}\nnever closed\n", None, "syntax error"),
    ("a\nb\nc ${{ 1 // 0 }}\n", 3, "ZeroDivisionError"),
    ("a\n${{ values.__class__ }}\n", 2, "names starting with '_' are private"),
])
def test_skeleton_errors_name_the_file_and_line(text, line, reason):
    with pytest.raises(ExpressionError) as info:
        render_skeleton(text, {"x": 1}, name="src/main.go")
    message = str(info.value)
    assert message.startswith("src/main.go")
    assert reason in message
    if line is not None:
        assert info.value.line == line
        assert f"line {line} (" in message


def test_render_skeleton_refuses_bytes():
    with pytest.raises(ExpressionError, match="expected text"):
        render_skeleton(b"${{ values.x }}", {}, name="logo.png")


@pytest.mark.parametrize(("path", "cookiecutter", "expected"), [
    ("src/${{ values.name }}/main.go", False, "src/payments/main.go"),
    ("{{ cookiecutter.name }}/setup.py", True, "payments/setup.py"),
    ("{{ not templated }}/x", False, "{{ not templated }}/x"),
    ("${{ values.name | replace('-', '_') }}.py", False, "payments.py"),
    ("${{ values.optional }}", False, ""),
    ("plain/path.txt", False, "plain/path.txt"),
])
def test_render_path(path, cookiecutter, expected):
    assert render_path(path, {"name": "payments"}, cookiecutter_compat=cookiecutter) == expected


def test_render_path_errors_quote_the_path():
    with pytest.raises(ExpressionError, match=r"^path: cannot render '\$\{\{ values\.x \| nope \}\}'"):
        render_path("${{ values.x | nope }}", {})


# --- syntax errors ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "message"), [
    ("${{ parameters.name ", "unexpected end of template"),
    ("${{ parameters..name }}", "syntax error"),
    ("{% if x %}", "syntax error"),
    ("{% endfor %}", "syntax error"),
    ("${{ x | nope }}", "No filter named 'nope'"),
    ("{% frobnicate %}", "frobnicate"),
])
def test_syntax_errors_quote_the_expression_and_jinjas_message(template, message):
    with pytest.raises(ExpressionError) as info:
        render_value(template, CONTEXT)
    assert repr(template) in str(info.value)
    assert message in str(info.value)


# --- the sandbox ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template", [
    "${{ ''.__class__ }}",
    "${{ ''.__class__.__mro__[1].__subclasses__() }}",
    "${{ ''.__class__.mro() }}",
    "${{ cycler.__init__.__globals__ }}",
    "${{ joiner.__init__.__globals__.os }}",
    "${{ namespace.__init__ }}",
    "${{ range.__globals__ }}",
    "${{ parameters.missing.__globals__ }}",
    "${{ parameters.__class__ }}",
    "${{ parameters['__class__'] }}",
    "${{ parameters._private }}",
    "${{ self.__init__.__globals__ }}",
    "${{ self._TemplateReference__context }}",
    "${{ '{0.__class__.__base__}'.format('') }}",
    "${{ '{x.__class__}'.format_map({'x': 1}) }}",
    "${{ 'x' | attr('__class__') }}",
    "${{ parameters.list | map(attribute='__class__') | list }}",
    "${{ dict.mro() }}",
    "${{ dict.update(parameters, {'flag': false}) }}",
    "${{ dict | attr('update') }}",
    "${{ cycler.next }}",
    "${{ parameters.list.append('c') }}",
    "${{ parameters.obj.update({'k': 'changed'}) }}",
    "${{ parameters.obj.pop('k') }}",
    "${{ (parameters.list | map('upper')).gi_frame }}",
    "${{ 'x'.translate({120: 'y'}) }}",
    "{% include 'other.yaml' %}",
    "{% import 'macros.j2' as m %}",
    "{% from 'macros.j2' import m %}",
    "{% extends 'base.j2' %}",
])
def test_sandbox_escapes_are_refused(template):
    before = copy.deepcopy(CONTEXT)
    with pytest.raises(ExpressionError) as info:
        render_value(template, CONTEXT)
    assert template[:20] in str(info.value)
    assert before == CONTEXT


def test_lipsum_is_not_available_and_dict_keys_starting_with_underscore_are_data():
    with pytest.raises(ExpressionError, match="'lipsum' is undefined"):
        render_value("${{ lipsum(1000) }}", CONTEXT)
    assert render_value("${{ parameters._meta }}", {"parameters": {"_meta": 1}}) == 1


# --- limits ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "limit"), [
    ("${{ range(10**9) }}", "loop iterations"),
    ("${{ range(2**80) | list }}", "loop iterations"),
    ("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "loop iterations"),
    ("{% set s = 'x' * 1000000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}", "loop iterations"),
    ("{% for i in parameters.list recursive %}${{ loop(parameters.list) }}{% endfor %}", "recursion"),
    ("{% macro f(n) %}${{ f(n + 1) }}{% endmacro %}${{ f(1) }}", "recursion"),
    ("${{ 'a' * 10**9 }}", "result of *"),
    ("${{ 10**9 * 'a' }}", "result of *"),
    ("${{ ['x' * 1000] * 100000 }}", "result of *"),
    ("${{ 2 ** 10000000 }}", "bits"),
    ("${{ (2 ** 60000) * (2 ** 60000) }}", "bits"),
    ("{% set s = 'x' * 1000000 %}${{ s + s }}", "result of +"),
    ("{% set l = ['x' * 1000000] %}${{ l + l }}", "result of +"),
    ("{% set s = 'x' * 1000000 %}${{ s ~ s }}", "result of ~"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
     "result of ~"),
    ("{% set ns = namespace(l=['x']) %}{% for i in range(64) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}",
     "larger than the limit"),
    ("{% macro f(s) %}${{ f(s ~ s) }}{% endmacro %}${{ f('ab') }}", "result of ~"),
    ("{% set s = 'x' * 100000 %}{% for i in range(50) %}${{ s }}{% endfor %}", "output is larger"),
    ("{% set s = 'x' * 100000 %}{% filter upper %}{% for i in range(50) %}${{ s }}{% endfor %}{% endfilter %}",
     "builds more than"),
    ("{% set s %}{% for i in range(40000) %}" + "x" * 100 + "{% endfor %}{% endset %}", "builds more than"),
    ("${{ '%999999999d' % 1 }}", "format field"),
    ("${{ '%*d' % (999999999, 1) }}", "format field"),
    ("${{ '%999999999s' | format('a') }}", "format field"),
    ("${{ '{:>999999999}'.format(1) }}", "format field"),
    ("${{ '{:>{w}}'.format(1, w=999999999) }}", "format field"),
    ("${{ 'a' | center(10**9) }}", "width"),
    ("${{ 'a' | indent(10**8) }}", "width"),
    ("${{ 'a'.center(10**9) }}", "center"),
    ("${{ 'a'.zfill(10**9) }}", "zfill"),
    ("${{ 'a\tb'.expandtabs(10**9) }}", "expandtabs"),
    ("${{ [1] | batch(10**9, 0) | list }}", "linecount"),
    ("${{ [1] | slice(10**9) | list }}", "slices"),
    ("${{ ('x' * 1000000).replaceAll('x', 'yy') }}", "result of replace"),
    ("${{ ('x' * 1000) | replace('x', 'y' * 10000) }}", "result of replace"),
    ("${{ ('x' * 1000).join(['a'] * 10000) }}", "result of join"),
    ("${{ (['a'] * 10000) | join('x' * 1000) }}", "result of join"),
    ("${{ ('x y' * 1000) | wordwrap(1, wrapstring='y' * 10000) }}", "wordwrap"),
    ("${{ {} | tojson(indent=1000000) }}", "indent"),
    ("${{ ('\"' * 600000) | dump }}", "larger than the limit"),
])
def test_runaway_work_hits_a_limit_quickly(template, limit):
    started = time.monotonic()
    with pytest.raises(ExpressionError) as info:
        render_value(template, CONTEXT)
    assert limit in str(info.value)
    assert time.monotonic() - started < 1.5


def test_the_iteration_budget_is_shared_by_a_whole_value():
    value = {f"k{i}": "{% for x in range(30000) %}{% endfor %}" for i in range(5)}
    with pytest.raises(ExpressionError, match="loop iterations"):
        render_value(value, CONTEXT)


def test_huge_or_deep_values_are_refused():
    lol = yaml.safe_load("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefg", "bcdefgh", strict=True)))
    with pytest.raises(ExpressionError, match="more than 100000 parts"):
        render_value({"input": lol}, CONTEXT)
    with pytest.raises(ExpressionError, match="larger than the limit"):
        render_value("${{ parameters.h }}", {"parameters": lol})
    deep: list = ["${{ x }}"]
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ExpressionError, match="nested too deeply"):
        render_value(deep, CONTEXT)


def test_the_wall_clock_budget_stops_a_slow_render(monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(limits, "_clock", lambda: next(ticks) * 0.1)  # every look at the clock: +0.1 s
    with pytest.raises(ExpressionError, match="2-second time limit"):
        render_value("{% for x in parameters.list * 1000 %}${{ x }}{% endfor %}", CONTEXT)
    with pytest.raises(ExpressionError, match="5-second time limit"):
        render_skeleton("{% for x in values.l %}${{ x.a.b }}{% endfor %}", {"l": [{"a": {"b": 1}}] * 1000})


def test_skeletons_may_be_larger_than_expressions_but_not_unbounded():
    big = "x" * (2 << 20)
    assert render_skeleton("${{ values.big }}", {"big": big}) == big
    with pytest.raises(ExpressionError, match="larger than the limit of 1048576"):
        render_string("${{ parameters.big }}", {"parameters": {"big": big}})
    with pytest.raises(ExpressionError, match="output is larger than the limit of 10485760"):
        render_skeleton("{% for i in range(6) %}${{ values.big }}{% endfor %}", {"big": big})


def test_legitimate_loops_and_sizes_stay_within_the_limits():
    assert render_value("${{ range(50000) | list | length }}", CONTEXT) == 50000
    text = "{% for i in range(200) %}{% for j in range(100) %}.{% endfor %}{% endfor %}"
    assert render_string(text, CONTEXT) == "." * 20000
    assert len(render_value("${{ 'ab' * 100000 }}", CONTEXT)) == 200000


# --- the seed template -------------------------------------------------------------------------------------

def _seed_template() -> dict:
    text = SEED.read_text()
    start = text.index("apiVersion: scaffolder.backstage.io/v1beta3")
    end = text.index("\nBackstage Alternatives", start)
    return yaml.safe_load(text[start:end])


@pytest.mark.skipif(not SEED.exists(), reason="the seed document is not on this machine")
def test_seed_template_inputs_render_with_sample_parameters():
    template = _seed_template()
    context = {
        "parameters": {"name": "payments-api", "description": "Takes payments", "owner": "group:default/payments",
                       "tier": "critical", "database": "postgresql", "cloudProvider": "aws"},
        "steps": {"create-repo": {"output": {"remoteUrl": "https://github.com/my-org/payments-api",
                                             "repoUrl": "https://github.com/my-org/payments-api.git",
                                             "repoContentsUrl": "https://github.com/my-org/payments-api/tree/main"}},
                  "register-catalog": {"output": {"entityRef": "component:default/payments-api"}}},
        "user": {"entity": {}, "ref": "user:default/jane"},
    }
    steps = {step["id"]: render_value(step["input"], context) for step in template["spec"]["steps"]}
    assert steps["fetch-template"] == {"url": "./template", "values": {
        "name": "payments-api", "description": "Takes payments", "owner": "group:default/payments",
        "tier": "critical"}}
    assert steps["create-repo"]["repoUrl"] == "github.com?owner=my-org&repo=payments-api"
    assert steps["create-repo"]["protectDefaultBranch"] is True
    assert steps["create-repo"]["allowedHosts"] == ["github.com"]
    assert steps["create-namespace"] == {"namespace": "payments-api",
                                         "labels": {"team": "group:default/payments", "tier": "critical"}}
    assert steps["create-argocd-app"]["repoUrl"] == "https://github.com/my-org/payments-api.git"
    assert steps["register-catalog"] == {"repoContentsUrl": "https://github.com/my-org/payments-api/tree/main",
                                         "catalogInfoPath": "/catalog-info.yaml"}
    output = render_value(template["spec"]["output"], context)
    assert output["links"] == [
        {"title": "Repository", "url": "https://github.com/my-org/payments-api"},
        {"title": "Open in Backstage", "icon": "catalog", "entityRef": "component:default/payments-api"},
    ]
    repo_url = steps["create-repo"]["repoUrl"]
    assert render_value("${{ parameters.r | parseRepoUrl }}", {"parameters": {"r": repo_url}})["repo"] == "payments-api"

    rounds, inputs = 200, [step["input"] for step in template["spec"]["steps"]]
    started = time.perf_counter()
    for _ in range(rounds):
        for step_input in inputs:
            render_value(step_input, context)
    per_input = (time.perf_counter() - started) / (rounds * len(inputs))
    assert per_input < 0.001, f"{per_input * 1e6:.0f} µs per step input"


def test_templates_compile_once_per_source_text():
    text = "${{ parameters.name }}-compiled-once"
    render_value(text, CONTEXT)
    before = expressions._compile_value.cache_info().hits
    render_value(text, CONTEXT)
    assert expressions._compile_value.cache_info().hits == before + 1


# --- JavaScript idioms that templates in the wild use ------------------------------------------------

def test_js_or_and_ternary_read_as_jinja():
    from scaffolding.lib.expressions import render_value as rv

    ctx = {"parameters": {"p": "github"}, "steps": {"a": {"output": {"u": "A"}}, "b": {"output": {"u": "B"}}}}
    assert rv("${{ steps.missing.output.u || steps.b.output.u }}", ctx) == "B"
    assert rv("${{ parameters.p === 'github' ? steps.a.output.u : steps.b.output.u }}", ctx) == "A"
    assert rv("${{ parameters.p == 'x' ? 1 : parameters.p == 'github' ? 2 : 3 }}", ctx) == 2
    assert rv("${{ 'a ? b : c' }}", ctx) == "a ? b : c", "quoted ? and : are text"
    assert rv("${{ [1, 2, 3][0:2] }}", ctx) == [1, 2], "slices are not ternaries"
    assert rv("${{ parameters.p | upper }}", ctx) == "GITHUB", "a single | is still a filter"
