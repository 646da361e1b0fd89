import pytest


@pytest.fixture(autouse=True)
def git_root(settings, tmp_path):
    """Every githost test gets its own empty PAVED_GIT_ROOT."""
    root = tmp_path / "git-root"
    root.mkdir()
    settings.PAVED_GIT_ROOT = root
    return root


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
