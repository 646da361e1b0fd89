import textwrap
from pathlib import Path

import pytest

from catalog.tests.factories import location_load

ENTITY = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  description: A documented service.
  annotations:
    backstage.io/techdocs-ref: {ref}
spec:
  type: service
  lifecycle: production
  owner: team-docs
"""

MKDOCS = """\
site_name: Ledger Service
site_description: Books every payment.
repo_url: https://git.example.com/org/ledger
edit_uri: edit/main/docs/
nav:
  - Overview: index.md
  - Runbook: runbook.md
plugins:
  - techdocs-core
"""

PAGES = {
    "index.md": """\
        # Ledger overview

        The ledger books every payment. See the [runbook](runbook.md#restarting) and ![diagram](img/flow.png).

        !!! warning "Careful"
            Double entry only.

        <script>alert('x')</script>
        <img src="nope.png" onerror="alert(1)">
        [bad](javascript:alert(1)) and [outside](../../../etc/passwd)
        """,
    "runbook.md": """\
        # Runbook

        ## Restarting

        Restart the reconciliation worker with `ledgerctl restart`.

        ## Paging

        Page the on-call engineer when the queue backs up.

        === "Linux"
            Use systemctl.

        === "macOS"
            Use launchctl.
        """,
}


def write_site(root: Path, *, mkdocs: str | None = MKDOCS, pages: dict | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if mkdocs is not None:
        (root / "mkdocs.yml").write_text(textwrap.dedent(mkdocs))
    for name, text in (PAGES if pages is None else pages).items():
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text))
    img = root / "docs" / "img"
    img.mkdir(exist_ok=True)
    (img / "flow.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    return root


def documented_repo_create(*, owner: str = "acme", name: str = "ledger") -> str:
    """A repository on the built-in git host holding a documented component (catalog-info.yaml,
    mkdocs.yml, docs/); returns its contents URL. Needs PAVED_GIT_ROOT set by the test."""
    from githost import services as githost

    githost.repo_create(owner=owner, name=name)
    files = {"catalog-info.yaml": ENTITY.format(name=name, ref="dir:.").encode(),
             "mkdocs.yml": textwrap.dedent(MKDOCS).encode()}
    files.update({f"docs/{page}": textwrap.dedent(text).encode() for page, text in PAGES.items()})
    githost.repo_commit_files(owner=owner, name=name, branch="main", message="init", files=files,
                              author_name="Ada", author_email="ada@example.com")
    return githost.contents_url(owner, name, "main")


@pytest.fixture(autouse=True)
def docs_storage(settings, tmp_path):
    settings.PAVED_TECHDOCS_DIR = tmp_path / "docs-storage"
    return settings.PAVED_TECHDOCS_DIR


@pytest.fixture
def documented(tmp_path, settings):
    """Register a component whose docs live next to its catalog-info.yaml; returns (entity dir, location)."""
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]  # file locations are read only there

    def make(name: str = "ledger", *, ref: str = "dir:.", mkdocs: str | None = MKDOCS, pages=None):
        root = write_site(tmp_path / name, mkdocs=mkdocs, pages=pages)
        (root / "catalog-info.yaml").write_text(ENTITY.format(name=name, ref=ref))
        location_load(root / "catalog-info.yaml")
        return root

    return make
