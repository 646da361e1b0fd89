"""`{% for %}` as nunjucks runs it in Backstage's SecureTemplater.

Expected values are what nunjucks 3.2.4 renders (checked against nunjucks/src under node with
SecureTemplater's options). Source: nunjucks/src/compiler.js compileFor:
- `if (arr) { arr = runtime.fromIterator(arr); ... }`: null, undefined, false, 0 and "" iterate nothing;
- one name: `for (i = 0; i < arr.length; i++)`: arrays and strings; an object or a number has no
  length and iterates nothing;
- several names over an array: `frame.set(name_u, arr[i][u])` for each name, whatever the item is;
- several names over anything else: `for (k in arr)`, key and value, in JavaScript's property order
  (integer keys ascending first, then the rest as inserted);
- `{% else %}`: `if (!len)`; `_emitLoopBindings`: index, index0, revindex, revindex0, first, last, length.
"""

import itertools

import pytest

from scaffolding.lib.expressions import ExpressionError, limits, render_skeleton, render_string, render_value

CONTEXT = {"parameters": {
    "o": {"b": 1, "2": "two", "a": [1, 2], "1": "one"},
    "pairs": [["a", 1], ["b", 2, 3], "xy", {"0": "z"}, 5],
    "empty": {}, "none": None, "zero": 0, "num": 7, "str": "ab",
    "d": {"b": 2, "A": 1, "a_": 3, "ab": 4, "10": 5, "9": 6},
    "nested": {"one": {"a": 1, "b": 2}, "two": {"c": 3}},
    "ports": {8080: "http", 443: "https", "dns": 53},  # YAML gives int keys; JavaScript's are strings
    "services": {"web": {"port": 80}, "api": {"port": 8080}},
}}

CASES = [
    ("{% for k, v in parameters.o %}${{k}}=${{v}}(${{loop.index}},${{loop.index0}},${{loop.revindex}},"
     "${{loop.revindex0}},${{loop.first}},${{loop.last}},${{loop.length}});{% endfor %}",
     "1=one(1,0,4,3,true,false,4);2=two(2,1,3,2,false,false,4);b=1(3,2,2,1,false,false,4);"
     "a=1,2(4,3,1,0,false,true,4);"),
    ("{% for a, b, c in parameters.pairs %}${{a}}|${{b}}|${{c}};{% endfor %}", "a|1|;b|2|3;x|y|;z||;||;"),
    ("{% for a, b in parameters.str %}${{a}}|${{b}};{% endfor %}", "0|a;1|b;"),  # for-in over a string
    ("{% for k in parameters.o %}x{% else %}empty{% endfor %}", "empty"),  # one name: an object has no length
    ("{% for a, b in parameters.empty %}x{% else %}E{% endfor %}", "E"),
    ("{% for x in parameters.none %}x{% else %}N{% endfor %}", "N"),
    ("{% for x in parameters.missing %}x{% else %}U{% endfor %}", "U"),
    ("{% for x in parameters.zero %}x{% else %}Z{% endfor %}", "Z"),
    ("{% for x in parameters.num %}x{% else %}7{% endfor %}", "7"),
    ("{% for k, v in parameters.num %}x{% else %}numpairs{% endfor %}", "numpairs"),
    ("{% for x in parameters.str %}${{x}}{% else %}S{% endfor %}", "ab"),
    ("{% for x in [] %}x{% else %}empty{% endfor %}", "empty"),
    ("{% for k, v in parameters.d %}${{ k }}{% if not loop.last %},{% endif %}{% endfor %}", "9,10,b,A,a_,ab"),
    ("{% for k, v in parameters.nested %}{% for k2, v2 in v %}${{ k }}.${{ k2 }}=${{ v2 }}(${{ loop.index }}/"
     "${{ loop.length }}) {% endfor %}{% endfor %}", "one.a=1(1/2) one.b=2(2/2) two.c=3(1/1) "),
    ("{% for port, proto in parameters.ports %}${{ port }}/${{ proto }} {% endfor %}", "443/https 8080/http dns/53 "),
    ("{% for k, v in parameters.d | dictsort %}${{ k }}=${{ v }} {% endfor %}", "10=5 9=6 A=1 ab=4 a_=3 b=2 "),
    ("{%- for name, svc in parameters.services -%}\n${{ name }}:${{ svc.port }}\n{%- endfor %}", "web:80api:8080"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_loops_iterate_as_in_nunjucks(template, expected):
    assert render_string(template, CONTEXT) == expected


def test_object_loops_in_a_skeleton_and_typed_values():
    skeleton = "env:\n{% for key, value in values.env %}  ${{ key }}: \"${{ value }}\"\n{% endfor %}"
    assert render_skeleton(skeleton, {"env": {"LOG": "debug", "PORT": 80}}) == 'env:\n  LOG: "debug"\n  PORT: "80"\n'
    assert render_value("{% for k, v in parameters.o %}${{ k }}{% endfor %}", CONTEXT) == "12ba"
    # Keys are strings, as JavaScript's: the YAML int key 8080 compares equal to "8080".
    assert render_string("{% for p, v in parameters.ports %}${{ p === '8080' }} {% endfor %}", CONTEXT) == \
        "false true false "


def test_python_style_item_pairs_still_unpack():
    # `.items()` is not nunjucks, but a Paved template written before this keeps working.
    assert render_string("{% for k, v in parameters.services.items() %}${{ k }} {% endfor %}", CONTEXT) == "web api "


def test_looping_over_a_secret_is_refused():
    from scaffolding.lib.expressions import render_input

    for template in ("{% for k, v in secrets.t %}x{% endfor %}", "{% for x in secrets.t %}x{% endfor %}"):
        with pytest.raises(ExpressionError, match="secrets.t is a secret.*looping over it"):
            render_input({"x": template}, {}, secrets={"t": "abc"})


# --- hostile: huge objects and nested loops meet the existing limits ---------------------------------------


def test_a_huge_object_stops_at_the_iteration_limit():
    huge = {f"k{i}": i for i in range(150_000)}
    with pytest.raises(ExpressionError, match="more than 100000 loop iterations"):
        render_string("{% for k, v in parameters.h %}{% endfor %}", {"parameters": {"h": huge}})
    with pytest.raises(ExpressionError, match="more than 100000 loop iterations"):
        render_string("${{ '' }}{% for k, v in parameters.h %}${{ loop.length }}{% endfor %}",
                      {"parameters": {"h": huge}})


def test_object_loops_cost_what_list_loops_cost():
    # The rewritten loop is one call: its items are counted as a list's are, and the iterable itself
    # is not measured (iterating 3 MB of strings builds nothing).
    keys = {f"k{i}": i for i in range(45_000)}
    assert render_string("{% for k, v in parameters.h %}{% endfor %}done", {"parameters": {"h": keys}}) == "done"
    big = ["x" * 1000] * 3000
    assert render_string("{% for x in parameters.b %}{% endfor %}ok", {"parameters": {"b": big}}) == "ok"


def test_nested_object_loops_multiply_into_the_iteration_limit():
    square = {str(i): {str(j): j for j in range(100)} for i in range(100)}
    text = ("{% for a, row in parameters.s %}{% for b, x in row %}{% for c, y in row %}"
            "{% endfor %}{% endfor %}{% endfor %}")
    with pytest.raises(ExpressionError, match="more than 100000 loop iterations"):
        render_string(text, {"parameters": {"s": square}})
    # The same within the limit renders: 100 x 100 pairs.
    assert len(render_string("{% for a, row in parameters.s %}{% for b, x in row %}.{% endfor %}{% endfor %}",
                             {"parameters": {"s": square}})) == 10_000


def test_loop_output_over_the_size_limit_is_refused():
    wide = {str(i): "x" * 1000 for i in range(2000)}
    with pytest.raises(ExpressionError, match="larger than the limit"):
        render_string("{% for k, v in parameters.w %}${{ v }}${{ v }}{% endfor %}", {"parameters": {"w": wide}})


def test_a_slow_object_loop_meets_the_time_limit(monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(limits, "_clock", lambda: next(ticks) * 0.1)
    with pytest.raises(ExpressionError, match="2-second time limit"):
        render_string("{% for k, v in parameters.d %}${{ k }}{% endfor %}" * 20, CONTEXT)


def test_a_backstage_style_template_renders_as_in_backstage():
    # The shapes real templates use: a sanitised name (regex replace), labels from an object, an else.
    from scaffolding.lib.expressions import render_value

    context = {"parameters": {"name": "Payments API (v2)", "labels": {"team": "pay", "tier": "1"}, "links": []}}
    step_input = {
        "values": {
            "name": "${{ parameters.name | lower | replace(r/[^a-z0-9]+/g, '-') | replace(r/^-|-$/g, '') }}",
            "isApi": "${{ r/\\bapi\\b/i.test(parameters.name) }}",
        },
    }
    assert render_value(step_input, context) == {"values": {"name": "payments-api-v2", "isApi": True}}
    skeleton = ("metadata:\n  labels:\n{% for key, value in values.labels %}    ${{ key }}: \"${{ value }}\"\n"
                "{% endfor %}  links:{% for link in values.links %} ${{ link }}{% else %} []{% endfor %}\n")
    assert render_skeleton(skeleton, context["parameters"]) == \
        'metadata:\n  labels:\n    team: "pay"\n    tier: "1"\n  links: []\n'
