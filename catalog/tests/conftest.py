import textwrap
from pathlib import Path

import pytest

from catalog import services
from catalog.models import Location
from core.testing import CORPUS_DIR

CORPUS = CORPUS_DIR


@pytest.fixture
def write_yaml(tmp_path):
    """Write a dedented YAML file under tmp_path and return its absolute path."""

    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text))
        return path

    return write


@pytest.fixture(autouse=True)
def file_roots(settings, tmp_path):
    """Catalog files are read from this test's tmp_path and the shared corpus: both are file roots here.

    The defaults (demo/ and var/catalog/) stay too; var/ itself never is one (portal/file_roots.py).
    Tests about the roots themselves replace the list.
    """
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path), str(CORPUS)]


@pytest.fixture
def ingest():
    """Register a file location and process it now, as a worker would."""

    def run(path: Path) -> Location:
        location, _ = Location.objects.get_or_create(type="file", target=str(path))
        services.location_refresh(location_id=location.pk)
        location.refresh_from_db()
        return location

    return run


@pytest.fixture(autouse=True)
def _fresh_count_cache():
    # Tests roll back their data; cached counts must not leak from one test into the next.
    from catalog.revision import revision_cache_clear
    from core.access import access_cache_clear

    revision_cache_clear()
    # Rolled-back tests reuse user ids (SQLite): whom the policy knew must not carry over either.
    access_cache_clear()
