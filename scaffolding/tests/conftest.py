"""Fixtures shared by the scaffolder tests (the project-wide users and clients live in the root conftest.py)."""

import pytest

from scaffolding.tests.helpers import HELLO_TEMPLATE, template_load


@pytest.fixture
def hello_template(tmp_path):
    """`template:default/hello` (HELLO_TEMPLATE: one debug:log step) in the catalog."""
    found = template_load(tmp_path, HELLO_TEMPLATE, name="hello")
    assert found is not None
    return found


@pytest.fixture
def file_remotes(monkeypatch):
    """Let publish:* push to file:// remotes (the local bare repositories the fake hosts hand out)."""
    from scaffolding.actions import publish_git

    monkeypatch.setattr(publish_git, "ALLOW_FILE_REMOTES", True)
