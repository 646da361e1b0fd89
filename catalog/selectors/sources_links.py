"""Where an entity's definition lives, as links a person can follow: view it, edit it, open its repository.

Backstage's entity page reads `backstage.io/view-url` / `backstage.io/edit-url` (which its URL
reader sets from the location) and `backstage.io/source-location`. Paved honours those
annotations and derives the same links from the file the entity was read from: a blob URL on
GitHub or GitLab gets their web editor, a file on Paved's own git host links to its browse pages.
Only http(s) URLs are ever linked (an annotation is author input: `javascript:` stays text).
"""

import urllib.parse
from dataclasses import dataclass

from catalog.models import Entity
from githost.services import parse_host_url, web_url

VIEW_URL = "backstage.io/view-url"
EDIT_URL = "backstage.io/edit-url"
SOURCE_LOCATION = "backstage.io/source-location"
MAX_URL = 2000


@dataclass(frozen=True)
class SourceLinks:
    view: str = ""
    edit: str = ""
    repository: str = ""

    def __bool__(self) -> bool:
        return bool(self.view or self.edit or self.repository)


def _http(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL:
        return ""
    value = value.strip()
    parts = urllib.parse.urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def _target(value: object) -> str:
    """The URL of a `url:` location reference (source-location, managed-by-location)."""
    return _http(value[4:]) if isinstance(value, str) and value.startswith("url:") else ""


def _hosted(url: str) -> tuple[str, str]:
    """(edit URL, repository URL) for blob URLs on GitHub and GitLab, as their web UIs spell them."""
    parts = urllib.parse.urlsplit(url)
    segments = parts.path.split("/")
    base = f"{parts.scheme}://{parts.netloc}"
    if "-" in segments and segments[segments.index("-") + 1: segments.index("-") + 2] in (["blob"], ["tree"]):
        cut = segments.index("-")  # GitLab: /group/sub/project/-/blob/<ref>/<path>
        repository = base + "/".join(segments[:cut])
        is_blob = segments[cut + 1] == "blob"
        edit = base + "/".join([*segments[:cut], "-", "edit", *segments[cut + 2:]]) if is_blob else ""
        return edit, repository
    if len(segments) > 4 and segments[3] in ("blob", "tree"):  # GitHub: /owner/repo/blob/<ref>/<path>
        repository = base + "/".join(segments[:3])
        edit = base + "/".join([*segments[:3], "edit", *segments[4:]]) if segments[3] == "blob" else ""
        return edit, repository
    return "", ""


def entity_source_links(*, entity: Entity) -> SourceLinks:
    annotations = ((entity.body or {}).get("metadata") or {}).get("annotations") or {}
    file_url = _target(entity.source) or _target(annotations.get("backstage.io/managed-by-location"))
    view = _http(annotations.get(VIEW_URL)) or file_url
    edit = _http(annotations.get(EDIT_URL))
    repository = _target(annotations.get(SOURCE_LOCATION))
    hosted = parse_host_url(file_url) if file_url else None
    if hosted is not None:  # Paved's git host: its browse pages (a raw or .git URL too), no web editor
        repository = repository or web_url(hosted.owner, hosted.name)
        if not _http(annotations.get(VIEW_URL)):
            page = "blob" if hosted.path else "tree"
            view = f"{web_url(hosted.owner, hosted.name)}/{page}/{urllib.parse.quote(hosted.ref, safe='')}" + (
                f"/{urllib.parse.quote(hosted.path)}" if hosted.path else "")
    elif file_url:
        derived_edit, derived_repository = _hosted(file_url)
        edit = edit or derived_edit
        repository = repository or derived_repository
    return SourceLinks(view=view, edit=edit, repository=repository)
