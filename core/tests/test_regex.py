"""core.regex: patterns from templates, schemas and users run in linear time, or are refused clearly."""

import random
import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError

from core.regex import (
    MAX_PATTERN_LENGTH,
    PatternError,
    RegexBudgetMiddleware,
    compile_pattern,
    linear_validator,
    pattern_search,
    regex_budget,
)

# Each takes minutes with Python's `re` (nested quantifiers backtrack over 2**40 splits).
CATASTROPHIC = [r"^([a-z0-9A-Z]+[-_.]?)*[a-z0-9A-Z]$", r"^(a+)+$", r"^(a|aa)+$", r"^(\w+\s?)*$"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_answer_in_linear_time(pattern):
    started = time.perf_counter()
    assert pattern_search(pattern, "a" * 40 + "!", where="name") is False
    assert pattern_search(pattern, "a" * 100_000 + "!", where="name") is False
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(("pattern", "construct"), [
    ("^(?=.*[0-9]).{8,}$", "a lookahead (?=...)"),
    ("^(?!admin)", "a negative lookahead (?!...)"),
    ("(?<=@)example", "a lookbehind (?<=...)"),
    ("(?<!x)y", "a negative lookbehind (?<!...)"),
    (r"(a)\1", "a backreference"),
    (r"(?<q>')x\k<q>", "a backreference"),
])
def test_what_re2_cannot_do_is_refused_naming_the_field(pattern, construct):
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern, where="properties.password.pattern")
    assert str(caught.value).startswith(f"properties.password.pattern: uses {construct}")
    assert "linear time" in caught.value.reason


def test_invalid_and_oversized_patterns_are_refused_with_a_reason():
    with pytest.raises(PatternError, match=r"^f: is not a valid regular expression \(missing \]"):
        compile_pattern("[a-", where="f")
    with pytest.raises(PatternError, match="repetition counts go up to 1000"):
        compile_pattern("a{1001}", where="f")
    with pytest.raises(PatternError, match="longer than"):
        compile_pattern("a" * (MAX_PATTERN_LENGTH + 1), where="f")
    started = time.perf_counter()
    with pytest.raises(PatternError, match="too large to run"):
        compile_pattern(r"\p{L}{1000}", where="f")
    assert time.perf_counter() - started < 1
    with pytest.raises(PatternError, match="must be a string"):
        compile_pattern(["a"], where="f")


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    (r"^\d+$", "123", True),
    (r"^\d+$", "١٢٣", False),  # JavaScript's \d is ASCII
    (r"^\s$", "\u00a0", True),  # ...but its \s is Unicode white space
    (r"^\S$", "\u2003", False),
    (r"^[\s-]+$", "\u3000-", True),
    (r"^a.b$", "a\rb", False),  # `.` stops at every line terminator
    (r"^[a-z]+$", "abc\n", False),  # `$` is the end of the text (Python's `re` accepts a final \n)
    (r"^\u00e9\u{1F600}\uD83D\uDE00$", "é😀😀", True),
    (r"^\cJ$", "\n", True),
    (r"^a[^]b$", "a\nb", True),
    (r"a[]", "a", False),
    (r"^[\b]$", "\b", True),
    (r"^(?<year>\d{4})-\d\d$", "2024-05", True),
    (r"^\x41\/\0$", "A/\x00", True),
    (r"^[a-z][a-z0-9-]{2,30}$", "payments-api", True),
])
def test_ecma_syntax_means_what_it_means_in_javascript(pattern, text, expected):
    assert pattern_search(pattern, text, where="f") is expected


def test_a_text_too_long_for_a_costly_pattern_is_refused_not_matched():
    pattern = compile_pattern("(?:[ab]*a[ab]{50}){10}!", where="f")
    started = time.perf_counter()
    with pytest.raises(PatternError, match=r"^f: is too long to check against the pattern .* \(at most about"):
        pattern.search("ab" * 200_000, where="f")
    assert time.perf_counter() - started < 1
    assert pattern.search("ab" * 100 + "a" * 600 + "!", where="f") is True


def test_a_budget_bounds_the_regex_work_of_many_costly_matches():
    pattern = compile_pattern("(?:[ab]*a[ab]{50}){10}!", where="f")
    rnd = random.Random(9)
    text = "".join(rnd.choice("ab") for _ in range(19_000))  # under the per-match limit, on RE2's slow path
    started = time.perf_counter()
    with regex_budget(0.05), pytest.raises(PatternError, match="took too long"):
        for _ in range(100):  # ~0.1 s each: ten seconds without the budget
            pattern.search(text, where="f")
    assert time.perf_counter() - started < 1


def test_nested_budgets_share_the_outer_one():
    with regex_budget(0), regex_budget(60), pytest.raises(PatternError, match="took too long"):
        pattern_search("a", "a", where="f")
    assert pattern_search("a", "a", where="f") is True  # outside any budget: per-match limits only


def test_the_middleware_gives_each_request_a_budget(monkeypatch):
    def view(request):
        try:
            return HttpResponse(str(pattern_search("a", "a", where="q")))
        except PatternError as exc:
            return HttpResponse(exc.reason, status=400)

    monkeypatch.setattr("core.regex.REQUEST_BUDGET", 0)
    response = RegexBudgetMiddleware(view)(RequestFactory().get("/"))
    assert response.status_code == 400 and b"took too long" in response.content
    assert view(RequestFactory().get("/")).content == b"True"  # the budget ended with the request


def test_linear_validator_runs_patterns_with_re2():
    Validator = linear_validator(Draft7Validator)
    schema = {"type": "object", "additionalProperties": False,
              "properties": {"name": {"type": "string", "pattern": "^(a+)+$"},
                             "rx": {"type": "string", "format": "regex"}},
              "patternProperties": {"^x-(a|aa)+$": {"type": "integer"}}}
    validator = Validator(schema, format_checker=Validator.FORMAT_CHECKER)
    started = time.perf_counter()
    hostile = {"name": "a" * 40 + "!", "rx": "(?=x)", "x-" + "a" * 40 + "!": 1, "x-aa": "no"}
    errors = list(validator.iter_errors(hostile))
    assert time.perf_counter() - started < 1
    by_keyword = {e.validator: e for e in errors}
    assert set(by_keyword) == {"pattern", "format", "additionalProperties", "type"}
    assert isinstance(by_keyword["format"].cause, PatternError)
    assert "'x-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'" in by_keyword["additionalProperties"].message
    assert list(by_keyword["type"].path) == ["x-aa"]
    assert validator.is_valid({"name": "aaa", "rx": "^[a-z]+$", "x-a": 3})


def test_check_schema_compiles_the_schemas_own_patterns_with_re2():
    Validator = linear_validator(Draft7Validator)
    with pytest.raises(SchemaError) as caught:
        Validator.check_schema({"properties": {"a": {"pattern": "(?<=x)y"}}}, format_checker=Validator.FORMAT_CHECKER)
    assert list(caught.value.path) == ["properties", "a", "pattern"]
    assert isinstance(caught.value.cause, PatternError) and "lookbehind" in caught.value.cause.reason
    Validator.check_schema({"properties": {"a": {"pattern": "^(?<name>[a-z]+)$"}}},
                           format_checker=Validator.FORMAT_CHECKER)
