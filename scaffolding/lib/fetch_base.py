"""Where a `fetch:*` step's relative `url` points when its template was read from a URL (issue 12).

Backstage (plugins/scaffolder-node/src/actions/fetch.ts, fetchContents/fetchFile) resolves a
relative url two ways, by where the template came from:

- a `file:` location: `resolveSafeChildPath(dirname(templatePath), url)`, so nothing outside the
  template's own directory (scaffolding/lib/fetch_source.py keeps that rule);
- a URL location (a git host): `integration.resolveUrl({url, base: <template file URL>})`, which is
  `new URL(url, base)` for a relative url and "<repository root><url>" for one starting with "/"
  (integration/src/helpers.ts, defaultScmResolveUrl). `../skeleton` and `../../shared/skeleton`
  work as long as they stay inside the repository; the reader then refuses traversal segments
  (parseGitUrlSafe).

Paved does the same, and fences the result to the template's repository at the template's ref:
climbing above the repository root is refused with a message naming the url and the repository,
where a plain URL join would silently land in another repository (`../../../../other/blob/main/x`
from `/git/acme/templates/blob/main/svc/` is `/git/acme/other/...`). Dot segments or separators
spelled with percent-encoding (`..%2f`, `%2e%2e`) are refused: real templates never write them,
and each reader decodes them differently.

Where the repository starts in a URL:
- the built-in git host (any of its names): `[prefix]/git/<owner>/<repo>/(blob|tree|raw)/<ref>/`;
- GitHub-like layouts: `/<owner>[/<repo>...]/[-/](blob|tree|raw|src)/<ref>/` (GitHub, GitHub
  Enterprise, Gitea, GitLab's `/-/blob/`, Bitbucket Cloud's `/src/`);
- raw.githubusercontent.com: `/<owner>/<repo>/<ref>/`.
Any other URL: Paved cannot tell where the repository starts, so the fence is the template's own
directory, as for a file location, and the message says so.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from scaffolding.actions.base import ActionInputError

MARKERS = ("blob", "tree", "raw", "src")
RAW_GITHUB = "raw.githubusercontent.com"
# Characters a path segment may carry unencoded (RFC 3986 pchar minus "%"); the rest is quoted.
SEGMENT_SAFE = "!$&'()*+,;=:@~"


@dataclass(frozen=True)
class Repository:
    """The repository a URL-located template lives in."""

    root: str  # the repository's root at the template's ref, as a URL ending with "/"
    directory: tuple[str, ...]  # the template's directory inside it, decoded segments
    label: str  # how messages name the repository ("acme/templates on the built-in git host")
    known: bool = True  # False: the layout is unknown and `root` is the template's own directory


def _segments(path: str) -> list[str]:
    parts = path.split("/")
    if parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return parts


def _root_url(parts: urllib.parse.SplitResult, segments: list[str]) -> str:
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + "".join(s + "/" for s in segments), "", ""))


def _built_in(base_url: str, parts: urllib.parse.SplitResult, raw: list[str]) -> Repository | None:
    from githost.services import parse_host_url

    hosted = parse_host_url(base_url)  # None also for a built-in URL naming no repository: layout unknown
    if hosted is None:
        return None
    for i in range(len(raw) - 4):
        owner, name = urllib.parse.unquote(raw[i + 1]), urllib.parse.unquote(raw[i + 2])
        if (raw[i] == "git" and owner == hosted.owner and name in (hosted.name, f"{hosted.name}.git")
                and raw[i + 3] in ("blob", "tree", "raw") and urllib.parse.unquote(raw[i + 4]) == hosted.ref):
            return Repository(root=_root_url(parts, raw[:i + 5]),
                              directory=tuple(urllib.parse.unquote(s) for s in raw[i + 5:]),
                              label=f"{hosted.owner}/{hosted.name} on the built-in git host")
    return None


def _hosted_elsewhere(parts: urllib.parse.SplitResult, raw: list[str]) -> Repository | None:
    host = (parts.hostname or "").lower()
    if host == RAW_GITHUB:
        cut = 3 if len(raw) >= 3 else None
        name_end = 2
    else:
        cut = name_end = None
        for k in range(1, len(raw) - 1):
            if raw[k] in MARKERS:
                cut, name_end = k + 2, (k - 1 if raw[k - 1] == "-" else k)
                break
    if cut is None or name_end < 1:
        return None
    name = "/".join(urllib.parse.unquote(s) for s in raw[:name_end])
    return Repository(root=_root_url(parts, raw[:cut]), directory=tuple(urllib.parse.unquote(s) for s in raw[cut:]),
                      label=f"{parts.netloc}/{name}")


def repository_of(base_url: str) -> Repository:
    """The repository holding the template whose directory is `base_url` (an http(s) URL)."""
    from githost.services import names_host

    parts = urllib.parse.urlsplit(base_url)
    raw = _segments(parts.path)
    # The built-in host's layout only: its URLs never fall through to the other hosts' guesses.
    found = _built_in(base_url, parts, raw) if names_host(base_url) else _hosted_elsewhere(parts, raw)
    if found is not None:
        return found
    return Repository(root=_root_url(parts, raw), directory=(), label=base_url, known=False)


def _decoded_all(segment: str) -> str:
    previous, decoded = None, segment
    for _ in range(8):  # "%252e" -> "%2e" -> "."; bounded, as Backstage's loop is by convergence
        if decoded == previous:
            break
        previous, decoded = decoded, urllib.parse.unquote(decoded)
    return decoded


def _url_segments(url: str, field_name: str) -> list[str]:
    """The url's segments, decoded once; refuses encoded dot segments and separators."""
    for char, what in (("\\", "a backslash"), ("?", "a query ('?')"), ("#", "a fragment ('#')")):
        if char in url:
            raise ActionInputError(f"{field_name}: {url!r} contains {what}; expected a path such as ../skeleton "
                                   "written with '/'")
    segments = []
    for raw in url.split("/"):
        decoded = _decoded_all(raw)
        if raw not in (".", "..") and (decoded in (".", "..") or "/" in decoded or "\\" in decoded
                                       or "\x00" in decoded):
            raise ActionInputError(f"{field_name}: {url!r} spells '.', '..' or a separator with percent-encoding "
                                   f"({raw!r}); write the path plainly, e.g. ../skeleton")
        segments.append(raw if raw in (".", "..") else urllib.parse.unquote(raw))
    return segments


def resolve_in_repository(*, base_url: str, url: str, field_name: str = "url") -> str:
    """The http(s) URL of relative `url` seen from the template directory `base_url`, inside its repository.

    ActionInputError (naming `field_name`, the url and the repository) when it would leave it.
    """
    repository = repository_of(base_url)
    if url.startswith("//"):
        raise ActionInputError(f"{field_name}: {url!r} is a URL without a scheme; write http(s)://host/... "
                               "or a path inside the repository")
    if url.startswith("/") and not repository.known:
        raise ActionInputError(f"{field_name}: {url!r} is relative to the repository root, but Paved cannot tell "
                               f"where the repository starts in {base_url}; write a path relative to the template "
                               "(./skeleton) or an absolute http(s) URL")
    path = [] if url.startswith("/") else list(repository.directory)
    for segment in _url_segments(url.lstrip("/"), field_name):
        if segment in ("", "."):
            continue
        if segment != "..":
            path.append(segment)
        elif path:
            path.pop()
        elif repository.known:
            raise ActionInputError(
                f"{field_name}: {url!r} climbs above the root of the repository {repository.label} that holds "
                "this template; a template registered from a repository may fetch anything inside that "
                "repository, nothing outside it")
        else:
            raise ActionInputError(
                f"{field_name}: {url!r} leads outside the template's directory {base_url}: Paved cannot tell "
                "where the repository starts in that URL, so relative urls may only go down from the template; "
                "use an absolute http(s) URL")
    return repository.root + "/".join(urllib.parse.quote(s, safe=SEGMENT_SAFE) for s in path)
