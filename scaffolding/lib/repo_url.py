"""Backstage's `repoUrl` ("host?owner=o&repo=r") parsed and checked, and turned into clone URLs.

Templates write where a repository goes as `github.com?owner=acme&repo=web` (Backstage's
RepoUrlPicker format, read by its `parseRepoUrl`). Everything here is hostile input: each
error names the field and what was expected, so the message can go to the template's author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from scaffolding.actions.base import ActionInputError

HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$")
# One path segment of an owner or repository name, the way GitHub, GitLab and the built-in host allow them.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
QUERY_FIELDS = ("owner", "repo", "organization", "workspace", "project")


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


def _check_name(value: str, *, field_name: str, what: str) -> str:
    if not NAME_RE.match(value) or value.endswith(".git") or ".." in value:
        raise ActionInputError(
            f"{field_name}: {what} {value!r} is not a valid name (letters, digits, '.', '_' and '-', "
            f"starting with a letter or digit, at most 100 characters, not ending in '.git')")
    return value


def repo_url_parse(value, *, field_name: str = "repoUrl", require_owner: bool = True,
                   allow_subgroups: bool = False) -> RepoUrl:
    """Parse "host?owner=o&repo=r" (plus organization/workspace/project) or raise ActionInputError.

    `allow_subgroups` lets the owner be a path of GitLab groups ("platform/backend").
    """
    if not isinstance(value, str) or not value.strip():
        raise ActionInputError(f"{field_name}: expected \"host?owner=<owner>&repo=<repo>\", got {value!r}")
    value = value.strip()
    if "://" in value or value.startswith("git@"):
        raise ActionInputError(f"{field_name}: {value!r} is a URL; expected Backstage's form "
                               f"\"host?owner=<owner>&repo=<repo>\" (e.g. \"github.com?owner=acme&repo=web\")")
    host, sep, query = value.partition("?")
    host = host.strip().lower()
    if not sep:
        raise ActionInputError(f"{field_name}: {value!r} has no query; expected \"{host or 'host'}?owner=<owner>"
                               f"&repo=<repo>\"")
    if not HOST_RE.match(host):
        raise ActionInputError(f"{field_name}: host {host!r} is not a valid host name (with an optional :port)")
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=True, max_num_fields=20)
    except ValueError as exc:
        raise ActionInputError(f"{field_name}: the query {query!r} cannot be read ({exc})") from None
    fields: dict[str, str] = {}
    for key in QUERY_FIELDS:
        values = params.get(key, [])
        if len(values) > 1:
            raise ActionInputError(f"{field_name}: {key} is given {len(values)} times")
        fields[key] = values[0].strip() if values else ""
    if not fields["repo"]:
        raise ActionInputError(f"{field_name}: {value!r} names no repository; add \"&repo=<name>\"")
    _check_name(fields["repo"], field_name=field_name, what="repo")
    owner = fields["owner"]
    if not owner and require_owner:
        raise ActionInputError(f"{field_name}: {value!r} names no owner; add \"owner=<user or organisation>\"")
    if owner:
        segments = owner.split("/") if allow_subgroups else [owner]
        if len(segments) > 20:
            raise ActionInputError(f"{field_name}: owner {owner!r} nests too many groups")
        for segment in segments:
            _check_name(segment, field_name=field_name, what="owner")
    for key in ("organization", "workspace", "project"):
        if fields[key]:
            _check_name(fields[key], field_name=field_name, what=key)
    return RepoUrl(host=host, repo=fields["repo"], owner=owner, organization=fields["organization"],
                   workspace=fields["workspace"], project=fields["project"])


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
        return clone_url_check(value, field_name=field_name)
    parsed = repo_url_parse(value, field_name=field_name, allow_subgroups=True)
    from django.conf import settings

    if parsed.host == settings.PAVED_GIT_HOST:
        from githost.services import remote_url

        return remote_url(parsed.owner, parsed.repo)
    return f"https://{parsed.host}/{parsed.full_name}.git"
