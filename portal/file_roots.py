"""PAVED_FILE_ROOTS never overlaps the portal's own state; checked once, at start-up.

Catalog `file` locations, their `$text`/`$json`/`$yaml` placeholders, templates' local fetches
and `dir:` docs sources may read anything inside a root, and anyone signed in can register a
location. A root that held the secret key, the database, task workspaces, docs caches or the
git host's repositories would hand them out. Refusing such a configuration here, instead of
excluding those folders at every read, keeps each reader's rule to one question: is the path,
with links and ".." resolved, inside a root? An operator also learns of the mistake at start-up
rather than from a puzzling refusal later.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_file_roots(roots: list[str], *, internal: dict[str, Path], data_dir: Path, catalog_dir: Path) -> None:
    """Raise ImproperlyConfigured naming the first root that equals, holds or sits in an internal path.

    `internal` maps a description ("PAVED_GIT_ROOT") to a resolved path. `data_dir` (PAVED_VAR_DIR)
    is internal too, except its `catalog_dir` folder, which exists to be a root.
    """
    for root in (Path(r).resolve() for r in roots):
        for label, path in internal.items():
            if _within(path, root):
                relation = "is" if path == root else "contains"
            elif _within(root, path) and not (path == data_dir and _within(root, catalog_dir)):
                relation = "is inside"
            else:
                continue
            raise ImproperlyConfigured(
                f"PAVED_FILE_ROOTS entry {root} {relation} {label} ({path}): catalog locations, templates and "
                f"docs could read the portal's own files through it. Use folders that hold only catalog "
                f"files, templates and docs, such as {catalog_dir}."
            )
