"""PAVED_FILE_ROOTS: the defaults hold no internal state, and a root that would is refused at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.env import env_paths
from portal.file_roots import check_file_roots

REPO = Path(__file__).resolve().parents[2]


def test_the_default_roots_are_the_demo_and_an_empty_catalog_folder_never_var():
    assert [str(REPO / "demo"), str(settings.VAR_DIR / "catalog")] == settings.PAVED_FILE_ROOTS
    assert Path(settings.PAVED_CATALOG_FILES_DIR).is_dir()
    var = Path(settings.VAR_DIR)
    for root in map(Path, settings.PAVED_FILE_ROOTS):
        assert root != var and root not in var.parents
    for internal in (var / "secret_key", var / "paved.sqlite3", settings.PAVED_SCAFFOLDER_WORKSPACE_DIR,
                     settings.PAVED_TECHDOCS_DIR, settings.PAVED_GIT_ROOT, var / "broker"):
        assert not any(Path(root) in Path(internal).parents for root in settings.PAVED_FILE_ROOTS), internal


@pytest.fixture
def layout(tmp_path):
    var = tmp_path / "var"
    internal = {
        "PAVED_VAR_DIR": var,
        "PAVED_SCAFFOLDER_WORKSPACE_DIR": var / "scaffolder",
        "PAVED_TECHDOCS_DIR": tmp_path / "docs",
        "PAVED_GIT_ROOT": var / "git",
        "PAVED_SECRET_KEY_FILE": tmp_path / "keys" / "secret_key",
    }
    return tmp_path, var, internal


@pytest.mark.parametrize("root, label, relation", [
    ("", "PAVED_VAR_DIR", "contains"),
    ("var", "PAVED_VAR_DIR", "is"),
    ("var/scaffolder/run-1", "PAVED_VAR_DIR", "is inside"),
    ("var/other", "PAVED_VAR_DIR", "is inside"),
    ("docs", "PAVED_TECHDOCS_DIR", "is"),
    ("docs/.sources/x", "PAVED_TECHDOCS_DIR", "is inside"),
    ("keys", "PAVED_SECRET_KEY_FILE", "contains"),
    ("var/catalog/../git", "PAVED_VAR_DIR", "is inside"),  # ".." is resolved before the test
])
def test_roots_that_hold_or_sit_in_internal_state_are_refused_naming_it(layout, root, label, relation):
    tmp_path, var, internal = layout
    with pytest.raises(ImproperlyConfigured, match=f"PAVED_FILE_ROOTS entry .* {relation} {label} "):
        check_file_roots([str(tmp_path / root)], internal=internal, data_dir=var, catalog_dir=var / "catalog")


def test_a_link_to_internal_state_is_refused_like_the_state_itself(layout):
    tmp_path, var, internal = layout
    var.mkdir()
    (tmp_path / "innocent").symlink_to(var)
    with pytest.raises(ImproperlyConfigured, match="is PAVED_VAR_DIR"):
        check_file_roots([str(tmp_path / "innocent")], internal=internal, data_dir=var, catalog_dir=var / "catalog")


def test_the_catalog_folder_and_folders_beside_the_state_are_accepted(layout):
    tmp_path, var, internal = layout
    roots = [str(var / "catalog"), str(var / "catalog" / "team-a"), str(tmp_path / "demo")]
    check_file_roots(roots, internal=internal, data_dir=var, catalog_dir=var / "catalog")


def test_a_workspace_or_docs_folder_inside_the_catalog_folder_makes_it_refused(layout):
    tmp_path, var, internal = layout
    internal["PAVED_TECHDOCS_DIR"] = var / "catalog" / "docs"
    with pytest.raises(ImproperlyConfigured, match="contains PAVED_TECHDOCS_DIR"):
        check_file_roots([str(var / "catalog")], internal=internal, data_dir=var, catalog_dir=var / "catalog")


def _start(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PAVED_", "DATABASE_URL"))}
    environ.update(PAVED_SECRET_KEY="start-up-test", PAVED_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run([sys.executable, "-c", "import portal.settings as s; print(s.PAVED_FILE_ROOTS)"],
                          cwd=REPO, env=environ, capture_output=True, text=True, timeout=60)


def test_start_up_refuses_var_as_a_root_and_names_it(tmp_path):
    result = _start(tmp_path, PAVED_FILE_ROOTS=str(tmp_path / "var"))
    assert result.returncode != 0
    assert "ImproperlyConfigured: PAVED_FILE_ROOTS entry" in result.stderr and "is PAVED_VAR_DIR" in result.stderr


def test_start_up_refuses_a_root_holding_the_key_file(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "secret_key").write_text("k")
    result = _start(tmp_path, PAVED_FILE_ROOTS=str(tmp_path / "keys"),
                    PAVED_SECRET_KEY_FILE=str(tmp_path / "keys" / "secret_key"))
    assert result.returncode != 0 and "contains PAVED_SECRET_KEY_FILE" in result.stderr


def test_start_up_creates_the_catalog_folder_and_reads_roots_split_by_pathsep_or_comma(tmp_path):
    a, b, c = (str(tmp_path / name) for name in "abc")
    result = _start(tmp_path, PAVED_FILE_ROOTS=f"{a}{os.pathsep}{b}, {c}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([a, b, c])
    assert (tmp_path / "var" / "catalog").is_dir()


def test_env_paths_resolves_and_skips_empty_entries(monkeypatch, tmp_path):
    monkeypatch.setenv("ROOTS", f"{tmp_path}/x/../y{os.pathsep}{os.pathsep} ,")
    assert env_paths("ROOTS", []) == [str(tmp_path / "y")]
    monkeypatch.delenv("ROOTS")
    assert env_paths("ROOTS", [tmp_path / "d"]) == [str(tmp_path / "d")]
