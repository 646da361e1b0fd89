"""`publish:github`: create a repository on GitHub (or GitHub Enterprise) and push the workspace.

Backstage's action, spoken over GitHub's REST API with urllib and pushed with the git CLI. The
token is PAVED_GITHUB_TOKEN (a template's `token` input is ignored: people running templates
must not choose whose credentials the worker uses).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings

from scaffolding.actions._publish import (
    COMMON_INPUTS,
    GITHUB_ONLY_INPUTS,
    PUBLISH_OUTPUTS,
    api_request,
    basic_auth_header,
    branch_check,
    commit_author,
    git_push_directory,
    remote_check,
    repo_url_for_host,
    source_dir,
)
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError

TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
PERMISSIONS = {"pull", "triage", "push", "maintain", "admin"}
# Create-repository fields and the inputs that set them.
REPO_FLAGS = {
    "deleteBranchOnMerge": "delete_branch_on_merge", "allowMergeCommit": "allow_merge_commit",
    "allowSquashMerge": "allow_squash_merge", "allowRebaseMerge": "allow_rebase_merge",
    "allowAutoMerge": "allow_auto_merge", "allowUpdateBranch": "allow_update_branch",
    "hasProjects": "has_projects", "hasWiki": "has_wiki", "hasIssues": "has_issues",
    "squashMergeCommitTitle": "squash_merge_commit_title", "squashMergeCommitMessage": "squash_merge_commit_message",
}
APPLIED = {"repoVisibility", "homepageUrl", "access", "collaborators", "topics", "protectDefaultBranch",
           "protectEnforceAdmins", "requireCodeOwnerReviews", "dismissStaleReviews", "requiredApprovingReviewCount",
           "requiredStatusCheckContexts", "requireBranchesToBeUpToDate", "requiredConversationResolution",
           "requireLastPushApproval", "requiredLinearHistory", *REPO_FLAGS}


class GitHub:
    """GitHub's REST API with the portal's token."""

    def __init__(self, token: str):
        self.base = settings.PAVED_GITHUB_API_URL
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": "2022-11-28"}

    def call(self, method: str, path: str, body=None, *, allow_404: bool = False):
        return api_request(method, self.base + path, headers=self.headers, body=body, service="GitHub",
                           allow_404=allow_404)


def _topics(value) -> list[str]:
    topics = [str(t).strip().lower() for t in (value or [])]
    for topic in topics:
        if not TOPIC_RE.match(topic):
            raise ActionInputError(f"topics: {topic!r} is not a GitHub topic (lowercase letters, digits and '-', "
                                   f"at most 50 characters)")
    return topics


def _grants(ctx: ActionContext, owner: str) -> list[tuple[str, str, str]]:
    """[("user"|"team", name, permission)] from `access` and `collaborators`, checked before anything is made."""
    grants = []
    access = str(ctx.input.get("access") or "").strip()
    if access and access.lower() != owner.lower():
        org, _, team = access.partition("/")
        kind, name = ("team", team) if team else ("user", org)
        if not SLUG_RE.match(name) or (team and org.lower() != owner.lower()):
            raise ActionInputError(f"access: {access!r} must be a user or a team of {owner} (\"{owner}/<team>\")")
        grants.append((kind, name, "admin"))
    for index, item in enumerate(ctx.input.get("collaborators") or []):
        item = item if isinstance(item, dict) else {}
        kind = "team" if item.get("team") else "user"
        name = str(item.get(kind) or "").split("/")[-1]
        permission = str(item.get("access") or "")
        if not SLUG_RE.match(name) or permission not in PERMISSIONS:
            raise ActionInputError(f"collaborators[{index}]: expected {{user|team: <name>, access: "
                                   f"{'|'.join(sorted(PERMISSIONS))}}}, got {item!r}")
        grants.append((kind, name, permission))
    return grants


def _create_body(ctx: ActionContext, name: str) -> dict:
    visibility = ctx.input.get("repoVisibility") or "private"
    body = {"name": name, "private": visibility != "public", "visibility": visibility,
            "description": str(ctx.input.get("description") or "")[:1000], "auto_init": False}
    if ctx.input.get("homepageUrl"):
        body["homepage"] = str(ctx.input["homepageUrl"])
    for input_name, field in REPO_FLAGS.items():
        if ctx.input.get(input_name) is not None:
            body[field] = ctx.input[input_name]
    return body


def _protection_body(ctx: ActionContext) -> dict:
    contexts = [str(c) for c in ctx.input.get("requiredStatusCheckContexts") or []]
    return {
        "required_status_checks": {"strict": bool(ctx.input.get("requireBranchesToBeUpToDate", True)),
                                   "contexts": contexts} if contexts else None,
        "enforce_admins": bool(ctx.input.get("protectEnforceAdmins", True)),
        "required_pull_request_reviews": {
            "require_code_owner_reviews": bool(ctx.input.get("requireCodeOwnerReviews", False)),
            "dismiss_stale_reviews": bool(ctx.input.get("dismissStaleReviews", False)),
            "required_approving_review_count": int(ctx.input.get("requiredApprovingReviewCount", 1)),
            "require_last_push_approval": bool(ctx.input.get("requireLastPushApproval", False)),
        },
        "restrictions": None,
        "required_linear_history": bool(ctx.input.get("requiredLinearHistory", False)),
        "required_conversation_resolution": bool(ctx.input.get("requiredConversationResolution", False)),
    }


class PublishGitHub(Action):
    id = "publish:github"
    publishes = True
    description = ("Create a GitHub repository (PAVED_GITHUB_TOKEN, PAVED_GITHUB_API_URL) and push the workspace "
                   "(or sourcePath) to its default branch; optional topics, collaborators and branch protection.")
    input_schema = {"type": "object", "required": ["repoUrl"], "properties": {**COMMON_INPUTS, **GITHUB_ONLY_INPUTS}}
    output_schema = {"type": "object", "properties": PUBLISH_OUTPUTS}
    examples = [{
        "description": "Create a private repository in an organisation, protect main, add topics",
        "example": "steps:\n  - id: publish\n    action: publish:github\n    input:\n"
                   "      repoUrl: github.com?owner=acme&repo=${{ parameters.name }}\n"
                   "      repoVisibility: private\n      protectDefaultBranch: true\n      topics: [python]\n",
    }]

    def run(self, ctx: ActionContext) -> None:
        token = github_token(self.id)
        parsed = repo_url_for_host(ctx, action_id=self.id, host=settings.PAVED_GITHUB_HOST, setting="PAVED_GITHUB_HOST")
        branch = branch_check(ctx.input.get("defaultBranch"))
        source, author = source_dir(ctx), commit_author(ctx)
        github = GitHub(token)
        repo = repo_create(ctx, github, parsed)
        sha = repo_push(ctx, github, parsed, repo, token=token, source=source, author=author, branch=branch)
        ctx.record_published(provider="github", host=parsed.host, owner=parsed.owner, repo=parsed.repo,
                             remote_url=str(repo.get("clone_url") or ""), default_branch=branch,
                             source_path=str(ctx.input.get("sourcePath") or ""))
        push_outputs(ctx, repo, branch, sha)


def github_token(action_id: str) -> str:
    token = settings.PAVED_GITHUB_TOKEN
    if not token:
        raise ActionError(f"{action_id} needs a GitHub token: set PAVED_GITHUB_TOKEN on the workers "
                          "(a token allowed to create repositories), or publish with publish:git")
    return token


def repo_create(ctx: ActionContext, github: GitHub, parsed) -> dict:
    """Create the repository (with its topics and grants) unless this task already did; returns GitHub's repo."""
    owner, name, full_name = parsed.owner, parsed.repo, parsed.full_name
    topics, grants = _topics(ctx.input.get("topics")), _grants(ctx, owner)
    skipped = [n for n in sorted(set(GITHUB_ONLY_INPUTS) - APPLIED) if ctx.input.get(n) not in (None, "", [], {})]
    if skipped:
        ctx.log(f"not supported by Paved's GitHub actions, ignored: {', '.join(skipped)}")
    repo_path = f"/repos/{quote(owner)}/{quote(name)}"
    repo = github.call("GET", repo_path, allow_404=True)
    if repo is not None and ctx.checkpoint.get("created_repo") != full_name:
        raise ActionError(f"repository {full_name} already exists on {parsed.host}")
    if repo is None:
        login = str((github.call("GET", "/user") or {}).get("login") or "")
        create_path = "/user/repos" if login.lower() == owner.lower() else f"/orgs/{quote(owner)}/repos"
        repo = github.call("POST", create_path, _create_body(ctx, name))
        ctx.checkpoint["created_repo"] = full_name
        ctx.record_created("repository", full_name, str(repo.get("html_url") or repo.get("clone_url") or ""))
        ctx.log(f"created GitHub repository {full_name}")
    for kind, grantee, permission in grants:
        path = (f"/orgs/{quote(owner)}/teams/{quote(grantee)}/repos/{quote(owner)}/{quote(name)}"
                if kind == "team" else f"{repo_path}/collaborators/{quote(grantee)}")
        github.call("PUT", path, {"permission": permission})
    if topics:
        github.call("PUT", f"{repo_path}/topics", {"names": topics})
    return repo


def repo_push(ctx: ActionContext, github: GitHub, parsed, repo: dict, *, token: str, source, author,
              branch: str) -> str:
    """Push `source` to the repository's `branch` and protect it (unless protectDefaultBranch is false)."""
    remote = remote_check(repo.get("clone_url"), host=parsed.host, service="GitHub")
    ctx.check_cancelled()
    sha = git_push_directory(ctx, source=source, remote=remote, branch=branch, author=author,
                             message=str(ctx.input.get("gitCommitMessage") or "initial commit"),
                             auth_header=basic_auth_header("x-access-token", token), secret=token)
    if ctx.input.get("protectDefaultBranch", True):
        repo_path = f"/repos/{quote(parsed.owner)}/{quote(parsed.repo)}"
        github.call("PUT", f"{repo_path}/branches/{quote(branch, safe='')}/protection", _protection_body(ctx))
    ctx.log(f"pushed {sha[:12]} to {parsed.full_name}@{branch}")
    return sha


def push_outputs(ctx: ActionContext, repo: dict, branch: str, sha: str) -> None:
    ctx.output("remoteUrl", repo.get("clone_url"))
    ctx.output("repoContentsUrl", f"{str(repo.get('html_url') or '').rstrip('/')}/blob/{branch}")
    ctx.output("commitHash", sha)


ACTIONS = [PublishGitHub()]
