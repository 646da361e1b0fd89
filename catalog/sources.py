"""Reads of files and URLs for the apps above the catalog, checked as the catalog checks its locations.

TechDocs and the scaffolder read what people point them at (a docs directory, a skeleton, a
file on some host). They read through these functions so one set of rules holds everywhere:
files only inside PAVED_FILE_ROOTS (symlinks resolved), URLs only on hosts in PAVED_READ_ALLOW
(every redirect checked too) or on the built-in git host, at most PAVED_MAX_FILE_BYTES.

The reading itself is catalog.ingest.readers, the catalog's own ingestion code; this module is
its public face, so other apps never import the ingest package.
"""

from pathlib import Path

from catalog.ingest import readers

# The one error every read raises; its message is meant to be shown to people as is.
ReadError = readers.ReadError


def source_path_allowed(*, path: str | Path) -> bool:
    """Whether `path` (symlinks and ".." resolved) is one of PAVED_FILE_ROOTS or below one."""
    return readers.inside_file_roots(Path(path))


def source_read_url(*, url: str) -> bytes:
    """The bytes at `url`: the built-in git host, or an http(s) host in PAVED_READ_ALLOW. ReadError otherwise."""
    return readers.read_url(url)


def source_read(*, location_type: str, target: str) -> bytes:
    """The bytes of a catalog-style location (`file` path or `url`), checked the same way. ReadError otherwise."""
    return readers.read_target(location_type, target)
