"""Where built sites live. Local files under PAVED_TECHDOCS_DIR (var/techdocs by default).

Each build is published into its own directory (`sites/<namespace>/<kind>/<name>/<build id>`)
and DocsSite.storage_path is switched to it in one UPDATE, so readers never see a half-copied
site and a failed build leaves the last good one in place.
"""

from pathlib import Path

from django.conf import settings


class StorageError(Exception):
    pass


def root() -> Path:
    return Path(settings.PAVED_TECHDOCS_DIR)


def build_path(*, namespace: str, kind: str, name: str, build_id: int) -> str:
    return f"sites/{namespace}/{kind}/{name}/{build_id}"


def local_dir(storage_path: str) -> Path:
    path = (root() / storage_path).resolve()
    if root().resolve() not in path.parents:
        raise StorageError(f"{storage_path!r} is outside the docs storage.")
    return path


def site_file(storage_path: str, rel: str) -> Path | None:
    """The file `rel` of a published site, or None (missing, a directory, or outside the site)."""
    if not storage_path:
        return None
    base = local_dir(storage_path)
    path = (base / rel.lstrip("/")).resolve()
    if path != base and base not in path.parents:
        return None
    if path.is_dir():
        path = path / "index.html"
    return path if path.is_file() else None


def remove(storage_path: str) -> None:
    import shutil

    if storage_path:
        shutil.rmtree(local_dir(storage_path), ignore_errors=True)
