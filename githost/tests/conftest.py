import importlib

import pytest


@pytest.fixture(autouse=True)
def git_root(settings, tmp_path):
    """Every githost test gets its own empty PAVED_GIT_ROOT."""
    root = tmp_path / "git-root"
    root.mkdir()
    settings.PAVED_GIT_ROOT = root
    return root


@pytest.fixture(autouse=True)
def default_roles(request):
    """The live-server tests are transactional: the flush after each one removes the default roles
    the migrations made, so they are made again (as the migration makes them) when missing."""
    if "django_db" not in request.keywords:
        return
    from django.apps import apps

    from core.access import access_cache_clear
    from core.models import Role

    request.getfixturevalue("db")
    if not Role.objects.filter(builtin=True).exists():
        importlib.import_module("core.migrations.0002_default_roles").create(apps, None)
    access_cache_clear()


@pytest.fixture
def repo(db):
    """A registered repository acme/web, owned by the user `owner`, with one commit on main (README.md,
    catalog-info.yaml, a script)."""
    from githost import services

    repo, _ = services.repo_create(owner="acme", name="web", description="The web app", owner_ref="user:default/owner")
    services.repo_commit_files(
        owner="acme", name="web", branch="main", message="Initial commit", author_name="Ada", author_email="ada@x.io",
        files={
            "README.md": b"# Web\n\nHello <script>alert(1)</script> world.\n",
            "catalog-info.yaml": b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: web}\n"
                                 b"spec: {type: website, lifecycle: production, owner: team-a}\n",
            "src/app.py": b"print('hi')\n",
            "docs/index.md": b"# Docs\n",
        },
    )
    return repo
