"""Issue 9: a template's fetch fence was the whole file root holding it (var/ by default), so
`url: ../..` copied the secret key into a repository. The fence is now the template's own directory."""

import pytest

from scaffolding.actions.base import ActionInputError
from scaffolding.lib.fetch_source import fetch_file, fetch_into

KEY = "super-secret-signing-key"


@pytest.fixture
def var(settings, tmp_path):
    """tmp/var (key, workspaces) with a template in var/catalog/tpl, the only root besides tmp/demo."""
    var = tmp_path / "var"
    template = var / "catalog" / "tpl"
    (template / "skeleton").mkdir(parents=True)
    (template / "skeleton" / "README.md").write_text("hello\n")
    (var / "scaffolder" / "run-1").mkdir(parents=True)
    (var / "secret_key").write_text(KEY)
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = var / "scaffolder"
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "demo"), str(var / "catalog")]
    return var


def base_of(path) -> str:
    return f"file:{path}/"


@pytest.mark.parametrize("url", ["../..", "../../", "./skeleton/../../..", "../../scaffolder/run-1"])
def test_a_directory_fetch_climbing_out_of_the_template_is_refused(var, tmp_path, url):
    dest = tmp_path / "out"
    with pytest.raises(ActionInputError, match="leads outside the template's own directory") as refused:
        fetch_into(base=base_of(var / "catalog" / "tpl"), url=url, dest=dest)
    assert str(tmp_path) not in str(refused.value)
    assert not dest.exists()


def test_a_file_fetch_of_the_key_is_refused(var, tmp_path):
    with pytest.raises(ActionInputError, match="leads outside the template's own directory") as refused:
        fetch_file(base=base_of(var / "catalog" / "tpl"), url="../../secret_key")
    assert str(tmp_path) not in str(refused.value) and KEY not in str(refused.value)


def test_a_link_in_the_template_pointing_at_the_key_is_refused(var, tmp_path):
    (var / "catalog" / "tpl" / "key").symlink_to(var / "secret_key")
    with pytest.raises(ActionInputError, match="leads outside the template's own directory"):
        fetch_file(base=base_of(var / "catalog" / "tpl"), url="./key")


def test_a_template_registered_outside_every_root_reads_nothing_and_its_path_is_not_shown(var, tmp_path):
    with pytest.raises(ActionInputError, match=r"outside the directories templates may be read from") as refused:
        fetch_into(base=base_of(var), url="./scaffolder", dest=tmp_path / "out")
    assert str(tmp_path) not in str(refused.value)


def test_the_workspace_folder_itself_is_no_template_directory(var, tmp_path):
    # Only a dry run's copy below it may read its own files; the folder holds every task's files.
    with pytest.raises(ActionInputError, match="outside the directories templates may be read from"):
        fetch_into(base=base_of(var / "scaffolder"), url="./run-1", dest=tmp_path / "out")


def test_the_template_s_own_files_are_still_fetched(var, tmp_path):
    assert fetch_into(base=base_of(var / "catalog" / "tpl"), url="./skeleton", dest=tmp_path / "out") == 1
    assert (tmp_path / "out" / "README.md").read_text() == "hello\n"
