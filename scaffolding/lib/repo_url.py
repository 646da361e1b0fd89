"""Backstage's `repoUrl` ("host?owner=o&repo=r") parsed and checked, and turned into clone URLs.

Templates write where a repository goes as `github.com?owner=acme&repo=web` (Backstage's
RepoUrlPicker format, read by its `parseRepoUrl` in @backstage/plugin-scaffolder-node). This is
the one parser: the parameter form (RepoUrlPicker), the `parseRepoUrl`/`projectSlug` filters and
the publish actions all call `repo_url_parse`, so the form cannot accept what an action refuses.

Backstage's semantics: `new URL("https://" + repoUrl)`, the host (lower case, with its port) and
the query's owner, repo, organization, workspace and project (URL-decoded), with the parameters
each kind of host requires (GitLab: owner and repo unless a project id is given; Bitbucket:
project and repo, plus workspace on bitbucket.org; Azure: project and repo; Gitea and Gerrit:
repo; others: owner and repo). Everything here is hostile input, so it is stricter than
Backstage where Backstage would quietly guess: a parameter given twice is refused (Backstage
takes the first), every decoded part must be a plain name (no "..", spaces, slashes or
non-ASCII; only a GitLab owner may be a group path), a host must be an ASCII host name with an
optional port (no user info, path or IDN), and the whole value is at most MAX_LENGTH characters.
Each error names the field and the expected form, so the message can go to the template's author.

Paved's built-in git host is `paved` in a template (`paved?owner=acme&repo=web`, githost.services.
STABLE_HOST), whatever address the deployment has; its public host[:port] (PAVED_PUBLIC_URL) and
PAVED_GIT_HOST name it too (`builtin_host`). Those names are only ever mapped to the built-in host's
own clone URL (`clone_url_from`), never looked up or fetched as a network host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from githost.services import STABLE_HOST, is_host, parse_host_url, remote_url
from scaffolding.actions.base import ActionInputError

HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$")
# One path segment of an owner or repository name, the way GitHub, GitLab and the built-in host allow them.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
QUERY_FIELDS = ("owner", "repo", "organization", "workspace", "project")
MAX_LENGTH = 2048
FORM = '"host?owner=<owner>&repo=<repo>" (e.g. "github.com?owner=acme&repo=web")'


@dataclass(frozen=True)
class RepoUrl:
    """A parsed repoUrl: `owner` may hold GitLab subgroups ("group/sub") when they were allowed."""

    host: str
    repo: str
    owner: str = ""
    organization: str = ""
    workspace: str = ""
    project: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}" if self.owner else self.repo

    def as_dict(self) -> dict[str, str]:
        """The `parseRepoUrl` filter's result: the host and the parts that were given."""
        parts = {key: getattr(self, key) for key in QUERY_FIELDS}
        return {"host": self.host, **{key: value for key, value in parts.items() if value}}


def builtin_host(host: str) -> bool:
    """Whether a parsed repoUrl host names Paved's built-in git host (`paved`, or its public host)."""
    return is_host(host)


def host_label(host: str) -> str:
    """How a form names a repoUrl host: the built-in one says what it is and where."""
    return f"{host} (Paved's built-in git host)" if builtin_host(host) else host


def host_kind(host: str) -> str:
    """Which integration Backstage would pick for `host`; there is no integrations config, so by name."""
    name = host.split(":", 1)[0]
    if "gitlab" in name or host == settings.PAVED_GITLAB_HOST:
        return "gitlab"
    if "bitbucket" in name:
        return "bitbucket"
    if name == "dev.azure.com" or name.endswith(".visualstudio.com"):
        return "azure"
    if "gitea" in name:
        return "gitea"
    if "gerrit" in name:
        return "gerrit"
    return "github"


def _required(kind: str, host: str, fields: dict) -> tuple[str, ...]:
    # The same per-host rules as parseRepoUrl in @backstage/plugin-scaffolder-node.
    if kind == "bitbucket":
        www = host in ("bitbucket.org", "www.bitbucket.org")
        return ("workspace", "project", "repo") if www else ("project", "repo")
    if kind == "azure":
        return ("project", "repo")
    if kind == "gitlab":
        return () if fields["project"] else ("owner", "repo")
    if kind in ("gitea", "gerrit"):
        return ("repo",)
    return ("repo", "owner")


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_name(value: str, *, field_name: str, what: str) -> str:
    if not NAME_RE.match(value) or value.endswith(".git") or ".." in value:
        raise ActionInputError(
            f"{field_name}: {what} {_show(value)} is not a valid name (letters, digits, '.', '_' and '-', "
            f"starting with a letter or digit, at most 100 characters, not ending in '.git')")
    return value


def repo_url_parse(value, *, field_name: str = "repoUrl", require_owner: bool = True,
                   allow_subgroups: bool | None = False) -> RepoUrl:
    """Parse "host?owner=o&repo=r" (plus organization/workspace/project) or raise ActionInputError.

    `require_owner` (publishers, and the RepoUrlPicker whose form asks for both) needs an owner and
    a repo whatever the host; without it only the host's own required parameters are needed (the
    `parseRepoUrl` filter). `allow_subgroups` lets the owner be a path of GitLab groups
    ("platform/backend"); None allows them on GitLab hosts only (the form and the filter, which
    do not know which action will publish).
    """
    if not isinstance(value, str) or not value.strip():
        raise ActionInputError(f"{field_name}: expected a repository location {FORM}, got {_show(value)}")
    value = value.strip()
    if len(value) > MAX_LENGTH:
        raise ActionInputError(f"{field_name}: the value is {len(value)} characters long, more than {MAX_LENGTH}; "
                               f"expected {FORM}")
    if "://" in value or value.startswith("git@"):
        raise ActionInputError(f"{field_name}: {_show(value)} is a URL; expected Backstage's form {FORM}")
    raw_host, _, query = value.partition("?")
    host = raw_host.strip().lower()
    port = host.rpartition(":")[2] if ":" in host else ""
    if not HOST_RE.match(host) or (port and not 0 < int(port) <= 65535):
        raise ActionInputError(f"{field_name}: host {_show(raw_host)} is not valid (a host name with an optional "
                               f":port); expected {FORM}")
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=20)
    except ValueError as exc:
        raise ActionInputError(f"{field_name}: the query {_show(query)} cannot be read ({exc}); expected {FORM}") \
            from None
    fields: dict[str, str] = {}
    for key in QUERY_FIELDS:
        values = params.get(key, [])
        if len(values) > 1:
            raise ActionInputError(f"{field_name}: {key} is given {len(values)} times; expected {FORM}")
        fields[key] = values[0] if values else ""  # not stripped: "%09web" is not "web"
    kind = host_kind(host)
    required = _required(kind, host, fields)
    if require_owner:
        required += tuple(key for key in ("repo", "owner") if key not in required)
    for key in required:
        if not fields[key]:
            raise ActionInputError(f"{field_name}: {_show(value)} is missing {key}; expected {FORM}")
    if fields["repo"]:
        _check_name(fields["repo"], field_name=field_name, what="repo")
    owner = fields["owner"]
    if owner:
        subgroups = kind == "gitlab" if allow_subgroups is None else allow_subgroups
        segments = owner.split("/") if subgroups else [owner]
        if len(segments) > 20:
            raise ActionInputError(f"{field_name}: owner {_show(owner)} nests too many groups")
        for segment in segments:
            _check_name(segment, field_name=field_name, what="owner")
    for key in ("organization", "workspace", "project"):
        if fields[key]:
            _check_name(fields[key], field_name=field_name, what=key)
    return RepoUrl(host=host, repo=fields["repo"], owner=owner, organization=fields["organization"],
                   workspace=fields["workspace"], project=fields["project"])


def repo_url_parts(value) -> dict[str, str]:
    """{"host", "owner", "repo"} of a repoUrl as typed, "" for what is missing, never an error.

    Only for showing a RepoUrlPicker's answer back in its three inputs (so the person can fix it);
    whether the answer is acceptable is `repo_url_parse`'s call.
    """
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        return {"host": "", "owner": "", "repo": ""}
    host, _, query = value.partition("?")
    try:
        params = parse_qs(query, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        params = {}
    return {"host": host, "owner": (params.get("owner") or [""])[0], "repo": (params.get("repo") or [""])[0]}


def clone_url_check(value: str, *, field_name: str = "repoUrl") -> str:
    """An http(s) or scp-like ssh clone URL as given, refused when it carries credentials or odd characters."""
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ActionInputError(f"{field_name}: {value!r} contains whitespace or control characters")
    if value.startswith("git@"):
        if not re.match(r"^git@[A-Za-z0-9.-]+(:[0-9]+)?:[A-Za-z0-9._/-]+$", value):
            raise ActionInputError(f"{field_name}: {value!r} is not a valid ssh clone URL (git@host:owner/repo.git)")
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http", "ssh") or not parts.hostname:
        raise ActionInputError(f"{field_name}: {value!r} is not an https, http or ssh clone URL")
    if parts.password or (parts.username and parts.scheme != "ssh"):
        raise ActionInputError(f"{field_name}: the URL carries credentials; give it without them")
    if parts.query or parts.fragment:
        raise ActionInputError(f"{field_name}: a clone URL has no query or fragment: {value!r}")
    return value


def clone_url_from(value, *, field_name: str = "repoUrl") -> str:
    """A clone URL from either a clone URL or Backstage's "host?owner=o&repo=r".

    The built-in git host's repositories get its own clone URL; any other host gets the
    `https://host/owner/repo.git` form GitHub, GitLab and Bitbucket all answer.
    """
    if not isinstance(value, str) or not value.strip():
        raise ActionInputError(f"{field_name}: expected a clone URL or \"host?owner=<owner>&repo=<repo>\", "
                               f"got {value!r}")
    value = value.strip()
    if "://" in value or value.startswith("git@"):
        return _builtin_clone_url(clone_url_check(value, field_name=field_name), field_name=field_name)
    parsed = repo_url_parse(value, field_name=field_name, allow_subgroups=True)
    if builtin_host(parsed.host):
        if "/" in parsed.owner:
            raise ActionInputError(f"{field_name}: the built-in git host has no subgroups; owner "
                                   f"{_show(parsed.owner)} must be one name")
        return remote_url(parsed.owner, parsed.repo)
    return f"https://{parsed.host}/{parsed.full_name}.git"


def _builtin_clone_url(url: str, *, field_name: str) -> str:
    """A clone URL naming the built-in host (`http://paved/git/acme/web.git`) as its public clone URL; one
    that names it but is not one of its repositories is refused, so `paved` never leaves Paved (an Argo CD
    manifest with `paved` in it would send Argo CD looking for a host of that name)."""
    parts = urlsplit(url)
    try:
        host = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")
    except ValueError:
        return url  # clone_url_check let it through: not an http(s) URL of ours
    if not builtin_host(host) and not (parts.hostname and builtin_host(parts.hostname)):
        return url
    hosted = parse_host_url(url)
    if hosted is None or hosted.path:
        raise ActionInputError(f"{field_name}: {url!r} names the built-in git host but no repository on it; "
                               f"expected {remote_url('<owner>', '<repo>')} or "
                               f"\"{STABLE_HOST}?owner=<owner>&repo=<repo>\"")
    return remote_url(hosted.owner, hosted.name)
