"""`publish:gitlab`: create a GitLab project (gitlab.com or self-managed) and push the workspace.

Backstage's action over GitLab's REST API v4 at PAVED_GITLAB_URL with PAVED_GITLAB_TOKEN. The
owner may be a nested group ("platform/backend"); it must exist (GitLab's namespaces endpoint).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from scaffolding.actions._publish import (
    COMMON_INPUTS,
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
from scaffolding.lib.repo_url import RepoUrl

GITLAB_INPUTS = {
    "repoVisibility": {"type": "string", "enum": ["private", "internal", "public"], "default": "private"},
    "topics": {"type": "array", "items": {"type": "string"}},
    "skipExisting": {"type": "boolean", "description": "Return the existing project instead of failing"},
    "setUserAsOwner": {"type": "boolean"}, "settings": {"type": "object"}, "branches": {"type": "array"},
    "projectVariables": {"type": "array"}, "token": {"type": "string"},
}
IGNORED = ("setUserAsOwner", "settings", "branches", "projectVariables", "token")


class GitLab:
    """GitLab's REST API v4 with the portal's token."""

    def __init__(self, token: str):
        self.base = settings.PAVED_GITLAB_URL + "/api/v4"
        self.headers = {"PRIVATE-TOKEN": token}

    def call(self, method: str, path: str, body=None, *, allow_404: bool = False):
        return api_request(method, self.base + path, headers=self.headers, body=body, service="GitLab",
                           allow_404=allow_404)


def _outputs(ctx: ActionContext, parsed: RepoUrl, project: dict, branch: str, sha: str, created: bool) -> None:
    ctx.record_published(provider="gitlab", host=parsed.host, owner=parsed.owner, repo=parsed.repo,
                         remote_url=str(project.get("http_url_to_repo") or ""), default_branch=branch,
                         source_path=str(ctx.input.get("sourcePath") or ""))
    ctx.output("remoteUrl", project.get("http_url_to_repo"))
    ctx.output("repoContentsUrl", f"{str(project.get('web_url') or '').rstrip('/')}/-/blob/{branch}")
    ctx.output("commitHash", sha)
    ctx.output("projectId", project.get("id"))
    ctx.output("created", created)


class PublishGitLab(Action):
    id = "publish:gitlab"
    publishes = True
    description = ("Create a GitLab project in an existing group or user namespace (PAVED_GITLAB_TOKEN, "
                   "PAVED_GITLAB_URL) and push the workspace (or sourcePath) to its default branch.")
    input_schema = {"type": "object", "required": ["repoUrl"], "properties": {**COMMON_INPUTS, **GITLAB_INPUTS}}
    output_schema = {"type": "object", "properties": {
        **PUBLISH_OUTPUTS,
        "projectId": {"type": "integer", "description": "GitLab's id of the project"},
        "created": {"type": "boolean", "description": "False when skipExisting found the project already there"},
    }}
    examples = [{
        "description": "Create a private project in a subgroup",
        "example": "steps:\n  - id: publish\n    action: publish:gitlab\n    input:\n"
                   "      repoUrl: gitlab.com?owner=platform/backend&repo=${{ parameters.name }}\n",
    }]

    def run(self, ctx: ActionContext) -> None:
        token = settings.PAVED_GITLAB_TOKEN
        if not token:
            raise ActionError("publish:gitlab needs a GitLab token: set PAVED_GITLAB_TOKEN on the workers "
                              "(a token with the api scope), or publish with publish:git")
        parsed = repo_url_for_host(ctx, action_id=self.id, host=settings.PAVED_GITLAB_HOST, setting="PAVED_GITLAB_HOST",
                                   allow_subgroups=True)
        full_name = parsed.full_name
        branch = branch_check(ctx.input.get("defaultBranch"))
        source, author = source_dir(ctx), commit_author(ctx)
        topics = [str(t).strip() for t in ctx.input.get("topics") or [] if str(t).strip()]
        if any(len(t) > 255 or "," in t for t in topics):
            raise ActionInputError("topics: each topic is at most 255 characters and has no comma")
        given = [n for n in IGNORED if ctx.input.get(n) not in (None, "", [], {})]
        if given:
            ctx.log(f"not supported by Paved's publish:gitlab, ignored: {', '.join(given)}")
        gitlab = GitLab(token)
        project = gitlab.call("GET", f"/projects/{quote(full_name, safe='')}", allow_404=True)
        if project is not None and ctx.checkpoint.get("created_repo") != full_name:
            if ctx.input.get("skipExisting"):
                ctx.log(f"project {full_name} already exists; skipExisting is set, so nothing is pushed")
                _outputs(ctx, parsed, project, branch, "", False)
                return
            raise ActionError(f"repository {full_name} already exists on {parsed.host}")
        if project is None:
            namespace = gitlab.call("GET", f"/namespaces/{quote(parsed.owner, safe='')}", allow_404=True)
            if not namespace or "id" not in namespace:
                raise ActionError(f"GitLab has no group or user {parsed.owner!r} to create {parsed.repo} in")
            body = {"name": parsed.repo, "path": parsed.repo, "namespace_id": namespace["id"],
                    "visibility": ctx.input.get("repoVisibility") or "private", "default_branch": branch,
                    "description": str(ctx.input.get("description") or "")[:1000]}
            if topics:
                body["topics"] = topics
            project = gitlab.call("POST", "/projects", body)
            ctx.checkpoint["created_repo"] = full_name
            ctx.record_created("repository", full_name, str(project.get("web_url") or ""))
            ctx.log(f"created GitLab project {full_name} (id {project.get('id')})")
        remote = remote_check(project.get("http_url_to_repo"), host=parsed.host, service="GitLab")
        ctx.check_cancelled()
        sha = git_push_directory(ctx, source=source, remote=remote, branch=branch, author=author,
                                 message=str(ctx.input.get("gitCommitMessage") or "initial commit"),
                                 auth_header=basic_auth_header("oauth2", token), secret=token)
        ctx.log(f"pushed {sha[:12]} to {full_name}@{branch}")
        _outputs(ctx, parsed, project, branch, sha, True)


ACTIONS = [PublishGitLab()]
