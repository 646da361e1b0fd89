"""Fixtures shared by the scaffolder tests (the project-wide users and clients live in the root conftest.py)."""


import pytest

from core.testing import CORPUS_DIR
from scaffolding.tests.helpers import HELLO_TEMPLATE, template_load

CORPUS_TEMPLATES = CORPUS_DIR / "templates"


@pytest.fixture(autouse=True)
def file_roots(settings, tmp_path):
    """Templates are read from this test's tmp_path and the shared corpus: both are file roots here.

    The defaults (demo/ and var/catalog/) stay too; var/ itself never is one (portal/file_roots.py).
    """
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path), str(CORPUS_TEMPLATES)]


@pytest.fixture
def hello_template(tmp_path):
    """`template:default/hello` (HELLO_TEMPLATE: one debug:log step) in the catalog."""
    found = template_load(tmp_path, HELLO_TEMPLATE, name="hello")
    assert found is not None
    return found


@pytest.fixture
def file_remotes(monkeypatch):
    """Let publish:* push to file:// remotes (the local bare repositories the fake hosts hand out)."""
    from scaffolding.actions import _publish as publish_git

    monkeypatch.setattr(publish_git, "ALLOW_FILE_REMOTES", True)


@pytest.fixture
def dry_run_worker(settings, tmp_path, monkeypatch):
    """Run a dry run in the test's thread, as the Celery worker would, when the API view starts waiting."""
    from scaffolding import runner, selectors, services

    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "work"
    real_wait = selectors.run_wait

    def claim_and_run(*, run_id, timeout, **kwargs):
        assert services.run_claim(run_id=run_id, task_id="test-worker")
        runner.run_execute(run_id=run_id)
        return real_wait(run_id=run_id, timeout=0)

    monkeypatch.setattr(selectors, "run_wait", claim_and_run)
