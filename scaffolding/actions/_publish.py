"""What the publish:* and GitOps actions share: commit author defaults, input checks, the JSON client
for remote APIs and the push of a directory with the git CLI.

A module of helpers, not of actions: scaffolding.actions.MODULES does not list it.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from scaffolding.actions.base import ActionContext, ActionError, ActionInputError
from scaffolding.lib.repo_url import RepoUrl, repo_url_parse

# Tests push to local bare repositories through file:// URLs; production only ever pushes over
# https, so a hostile or mistaken API answer cannot make the worker read or write local paths.
ALLOW_FILE_REMOTES = False
# Transports git may use for pushes (GIT_ALLOW_PROTOCOL); tests add "http" to push to a live server.
PUSH_PROTOCOLS = ("https",)

BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")

STR = {"type": "string"}
BOOL = {"type": "boolean"}
COMMON_INPUTS = {
    "repoUrl": {"type": "string", "title": "Repository location",
                "description": "Backstage's \"host?owner=<owner>&repo=<name>\""},
    "description": {"type": "string", "title": "Repository description"},
    "defaultBranch": {"type": "string", "title": "Default branch", "default": "main"},
    "gitCommitMessage": {"type": "string", "title": "Initial commit message", "default": "initial commit"},
    "gitAuthorName": {"type": "string", "title": "Commit author name",
                      "description": "Defaults to the name of the person running the task"},
    "gitAuthorEmail": {"type": "string", "title": "Commit author email",
                       "description": "Defaults to the email of the person running the task"},
    "sourcePath": {"type": "string", "title": "Source path",
                   "description": "Directory of the workspace to publish; the whole workspace by default"},
    "allowedHosts": {"type": "array", "items": STR, "title": "Allowed hosts",
                     "description": "When given, repoUrl's host must be one of these"},
}
# Inputs of Backstage's publish:github that only mean something on GitHub.
GITHUB_ONLY_INPUTS = {
    "homepageUrl": STR, "access": STR, "repoVisibility": {"type": "string", "enum": ["private", "internal", "public"]},
    "protectDefaultBranch": BOOL, "protectEnforceAdmins": BOOL, "requireCodeOwnerReviews": BOOL,
    "dismissStaleReviews": BOOL, "requiredApprovingReviewCount": {"type": "integer", "minimum": 0, "maximum": 6},
    "requiredStatusCheckContexts": {"type": "array", "items": STR}, "requireBranchesToBeUpToDate": BOOL,
    "requiredConversationResolution": BOOL, "requireLastPushApproval": BOOL, "requiredCommitSigning": BOOL,
    "requiredLinearHistory": BOOL, "bypassPullRequestAllowances": {"type": "object"},
    "restrictions": {"type": "object"}, "deleteBranchOnMerge": BOOL, "allowMergeCommit": BOOL,
    "allowSquashMerge": BOOL, "squashMergeCommitTitle": STR, "squashMergeCommitMessage": STR,
    "allowRebaseMerge": BOOL, "allowAutoMerge": BOOL, "allowUpdateBranch": BOOL, "hasProjects": BOOL,
    "hasWiki": BOOL, "hasIssues": BOOL, "topics": {"type": "array", "items": STR},
    "collaborators": {"type": "array", "items": {"type": "object"}}, "repoVariables": {"type": "object"},
    "secrets": {"type": "object"}, "oidcCustomization": {"type": "object"}, "customProperties": {"type": "object"},
    "subscribe": BOOL, "token": STR,
}
# The examples are what a dry run hands to later steps in place of the real outputs.
PUBLISH_OUTPUTS = {
    "remoteUrl": {"type": "string", "description": "Clone URL of the new repository",
                  "examples": ["https://git.example.com/acme/web.git"]},
    "repoContentsUrl": {"type": "string", "description": "Web URL of the default branch's files",
                        "examples": ["https://git.example.com/acme/web/blob/main"]},
    "commitHash": {"type": "string", "description": "The commit holding the published files",
                   "examples": ["0123456789abcdef0123456789abcdef01234567"]},
}


# --- shared by the publish:* and GitOps actions -------------------------------------------------

def commit_author(ctx: ActionContext) -> tuple[str, str]:
    """(name, email) of the task's user, overridden by gitAuthorName/gitAuthorEmail when given."""
    name = str(ctx.input.get("gitAuthorName") or ctx.user.display_name or ctx.user.username or "Paved").strip()
    email = str(ctx.input.get("gitAuthorEmail") or ctx.user.email or "").strip()
    if not email:
        email = f"{ctx.user.username or 'scaffolder'}@users.noreply.paved"
    for field_name, value in (("gitAuthorName", name), ("gitAuthorEmail", email)):
        if any(ch in value for ch in "<>\n\r\x00") or len(value) > 200:
            raise ActionInputError(f"{field_name}: {value!r} is not a usable commit author")
    return name[:200], email


def branch_check(value, *, field_name: str = "defaultBranch") -> str:
    value = str(value if value is not None else "main").strip() or "main"
    bad = (not BRANCH_RE.match(value) or ".." in value or "//" in value or value.endswith(("/", ".", ".lock"))
           or "/." in value)
    if bad:
        raise ActionInputError(f"{field_name}: {value!r} is not a valid branch name")
    return value


def source_dir(ctx: ActionContext) -> Path:
    """The directory named by sourcePath (the whole workspace by default), inside the workspace."""
    path = ctx.resolve_path(ctx.input.get("sourcePath") or "", field_name="sourcePath")
    if not path.is_dir():
        raise ActionInputError(f"sourcePath: {ctx.input.get('sourcePath')!r} is not a directory of the workspace")
    return path


def repo_url_for_host(ctx: ActionContext, *, action_id: str, host: str, setting: str,
                      allow_subgroups: bool = False, aliases: tuple[str, ...] = ()) -> RepoUrl:
    """repoUrl parsed, its host checked against the one this action publishes to (`host`, or one of
    the `aliases` that name the same host) and allowedHosts."""
    parsed = repo_url_parse(ctx.input.get("repoUrl"), allow_subgroups=allow_subgroups)
    if parsed.host != host and parsed.host not in aliases:
        also = f", also named {', '.join(repr(a) for a in aliases if a != host)}" if len(aliases) > 1 else ""
        raise ActionInputError(
            f"repoUrl: host {parsed.host!r} is not allowed: {action_id} publishes only to {host!r} ({setting}{also}); "
            f"change the template's repoUrl host (and the RepoUrlPicker's allowedHosts) to {host!r}")
    allowed = ctx.input.get("allowedHosts")
    if allowed and parsed.host not in {str(h).strip().lower() for h in allowed}:
        raise ActionInputError(f"repoUrl: host {parsed.host!r} is not in allowedHosts {list(allowed)!r}")
    return parsed


def ignored_inputs_log(ctx: ActionContext, names, action_id: str) -> None:
    given = sorted(name for name in names if ctx.input.get(name) not in (None, "", [], {}))
    if given:
        ctx.log(f"{', '.join(given)}: ignored by {action_id}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would resend our token to wherever it points: treat it as an answer instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _error_detail(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace").strip()[:300]
    if not isinstance(data, dict):
        return str(data)[:300]
    parts = []
    for key in ("message", "error", "error_description", "errors"):
        value = data.get(key)
        if value:
            parts.append(value if isinstance(value, str) else json.dumps(value)[:300])
    return "; ".join(parts) or json.dumps(data)[:300]


def api_request(method: str, url: str, *, headers: dict, service: str, body=None, allow_404: bool = False,
                timeout: float = 30):
    """Call a JSON API; returns the decoded answer (None for 204, or 404 when allowed).

    Failures raise ActionError with the service's status and message (never the headers).
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Accept": "application/json", "User-Agent": "Paved-scaffolder", **headers,
        **({"Content-Type": "application/json"} if data is not None else {})})
    path = urlsplit(url).path
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read(10 * 1024 * 1024)
            status = response.status
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and allow_404:
            return None
        detail = _error_detail(exc.read(64 * 1024))
        raise ActionError(f"{service} answered {exc.code} to {method} {path}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ActionError(f"{service} could not be reached at {urlsplit(url).netloc} ({reason})") from None
    if status == 204 or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ActionError(f"{service} answered {method} {path} with something that is not JSON") from None


def basic_auth_header(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def remote_check(url, *, host: str, service: str) -> str:
    """The clone URL an API handed back: https on the configured host (or file:// in tests)."""
    parts = urlsplit(str(url or ""))
    if ALLOW_FILE_REMOTES and parts.scheme == "file":
        return str(url)
    if parts.scheme != "https" or (parts.netloc or "").lower() != host or parts.username or parts.password:
        raise ActionError(f"{service} returned the clone URL {url!r}, not an https URL on {host}; not pushing there")
    return str(url)


def git_push_env(ctx: ActionContext, *, scratch: str, source: Path, author: tuple[str, str],
                 auth_header: str) -> dict:
    """Environment for git in a scratch repository whose work tree is `source`, pushing with `auth_header`.

    The commit date is kept in ctx.checkpoint, so a retry makes the same commit (same sha). The
    token travels in an http.extraHeader set through the environment: it is never in argv
    (visible to `ps`) nor in a URL that git could echo in an error.
    """
    date = ctx.checkpoint.setdefault("commit_date", f"{int(time.time())} +0000")
    return {
        "GIT_DIR": f"{scratch}/git", "GIT_WORK_TREE": str(source), "GIT_INDEX_FILE": f"{scratch}/index",
        "HOME": scratch, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": ":".join((*PUSH_PROTOCOLS, *(("file",) if ALLOW_FILE_REMOTES else ()))),
        "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1], "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": "Paved", "GIT_COMMITTER_EMAIL": "paved@localhost", "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: {auth_header}",
    }


def git_push_directory(ctx: ActionContext, *, source: Path, remote: str, branch: str, message: str,
                       author: tuple[str, str], auth_header: str, secret: str) -> str:
    """Commit `source` as the first commit of `branch` and push it to `remote`; returns the commit sha.

    A retry makes the same commit (see git_push_env), so its push is a no-op.
    """
    with tempfile.TemporaryDirectory(prefix="paved-push-") as scratch:
        env = git_push_env(ctx, scratch=scratch, source=source, author=author, auth_header=auth_header)
        try:
            ctx.run_command(["git", "init", "-q", "-b", branch], env=env)
            ctx.run_command(["git", "add", "-A", "."], cwd=source, env=env)
            ctx.run_command(["git", "commit", "-q", "--allow-empty", "--no-verify", "-m", message], cwd=source,
                            env=env)
            sha = ctx.run_command(["git", "rev-parse", "HEAD"], env=env).stdout.decode().strip()
            ctx.check_cancelled()
            ctx.run_command(["git", "push", "-q", remote, f"HEAD:refs/heads/{branch}"], cwd=source, env=env)
        except ActionError as exc:
            text = str(exc).replace(secret, "***") if secret else str(exc)
            raise ActionError(text) from None
    return sha


# --- publish:git ----------------------------------------------------------------------------------
