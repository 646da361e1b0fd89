import pytest
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_secret, env_str


def test_env_str_returns_the_value_or_the_default(monkeypatch):
    monkeypatch.setenv("PAVED_X", "hello")
    assert env_str("PAVED_X", "d") == "hello"
    assert env_str("PAVED_MISSING", "d") == "d"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("", False),
    ],
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("PAVED_X", raw)
    assert env_bool("PAVED_X", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("PAVED_X", raising=False)
    assert env_bool("PAVED_X", True) is True


def test_env_bool_rejects_anything_else_naming_the_variable(monkeypatch):
    monkeypatch.setenv("PAVED_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="PAVED_X"):
        env_bool("PAVED_X", False)


def test_env_int_parses_and_defaults(monkeypatch):
    monkeypatch.setenv("PAVED_X", "42")
    assert env_int("PAVED_X", 1) == 42
    monkeypatch.setenv("PAVED_X", " ")
    assert env_int("PAVED_X", 7) == 7


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("PAVED_X", "ten")
    with pytest.raises(ImproperlyConfigured, match="PAVED_X must be a whole number"):
        env_int("PAVED_X", 1)


def test_env_int_rejects_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("PAVED_X", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("PAVED_X", 5, minimum=1)


def test_env_list_splits_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("PAVED_X", " a, b ,,c ")
    assert env_list("PAVED_X") == ["a", "b", "c"]
    monkeypatch.delenv("PAVED_X")
    assert env_list("PAVED_X", ["d"]) == ["d"]


def test_env_secret_reads_the_variable(monkeypatch):
    monkeypatch.delenv("PAVED_S_FILE", raising=False)
    monkeypatch.setenv("PAVED_S", "s3cret")
    assert env_secret("PAVED_S") == "s3cret"


def test_env_secret_prefers_the_file_named_by_name_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    monkeypatch.setenv("PAVED_S", "from-env")
    monkeypatch.setenv("PAVED_S_FILE", str(secret))
    assert env_secret("PAVED_S") == "from-file"


def test_env_secret_rejects_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.setenv("PAVED_S_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="PAVED_S_FILE"):
        env_secret("PAVED_S")


def test_env_paths_splits_on_the_path_separator_and_on_commas(monkeypatch, tmp_path):
    from core.env import env_paths

    a, b, c = (tmp_path / name for name in "abc")
    monkeypatch.setenv("PAVED_ROOTS", f"{a}:{b}, {c}")
    assert env_paths("PAVED_ROOTS", []) == [str(a.resolve()), str(b.resolve()), str(c.resolve())]
    monkeypatch.delenv("PAVED_ROOTS")
    assert env_paths("PAVED_ROOTS", [a]) == [str(a.resolve())]
