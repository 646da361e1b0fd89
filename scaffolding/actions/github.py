"""Backstage's GitHub module actions beyond publish:github: `github:actions:dispatch`, `github:webhook`,
`github:pages:enable`, `github:repo:create` and `github:repo:push`.

Inputs and outputs follow plugins/scaffolder-backend-module-github/src/actions in
backstage/backstage. They speak GitHub's REST API at PAVED_GITHUB_API_URL (GitHub Enterprise too)
with PAVED_GITHUB_TOKEN; a template's `token` input is ignored, as for publish:github. Each is
safe to retry: a dispatch made by this step is not made again, a webhook or Pages site that is
already there is left as it is, and repo:create / repo:push reuse what the step made.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.conf import settings

from scaffolding.actions._publish import (
    COMMON_INPUTS,
    GITHUB_ONLY_INPUTS,
    branch_check,
    commit_author,
    repo_url_for_host,
    source_dir,
)
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError
from scaffolding.actions.publish_github import GitHub, github_token, push_outputs, repo_create, repo_push

REPO_URL = {"type": "string", "title": "Repository Location",
            "description": "Accepts the format 'github.com?repo=reponame&owner=owner'"}
TOKEN = {"type": "string", "title": "Authentication Token",
         "description": "Ignored: Paved uses PAVED_GITHUB_TOKEN"}
REMOTE_OUTPUTS = {"remoteUrl": {"type": "string", "title": "A URL to the repository with the provider"},
                  "repoContentsUrl": {"type": "string", "title": "A URL to the root of the repository"}}


def _github(ctx: ActionContext, action_id: str):
    """(GitHub client, parsed repoUrl, "/repos/<owner>/<repo>") for this action's input."""
    token = github_token(action_id)
    parsed = repo_url_for_host(ctx, action_id=action_id, host=settings.PAVED_GITHUB_HOST, setting="PAVED_GITHUB_HOST")
    if ctx.input.get("token"):
        ctx.log("token: ignored; Paved uses PAVED_GITHUB_TOKEN")
    return GitHub(token), parsed, f"/repos/{quote(parsed.owner)}/{quote(parsed.repo)}", token


class ActionsDispatch(Action):
    id = "github:actions:dispatch"
    description = "Dispatches a GitHub Action workflow for a given branch or tag"
    input_schema = {"type": "object", "required": ["repoUrl", "workflowId", "branchOrTagName"], "properties": {
        "repoUrl": REPO_URL,
        "workflowId": {"type": "string", "title": "Workflow ID", "description": "The GitHub Action Workflow filename"},
        "branchOrTagName": {"type": "string", "title": "Branch or Tag name",
                            "description": "The git branch or tag name used to dispatch the workflow"},
        "workflowInputs": {"type": "object", "title": "Workflow Inputs",
                           "description": "Inputs keys and values to send to GitHub Action configured on the "
                                          "workflow file. The maximum number of properties is 10."},
        "token": TOKEN,
    }}
    output_schema = {"type": "object", "properties": {}}

    def run(self, ctx: ActionContext) -> None:
        github, parsed, repo_path, _ = _github(ctx, self.id)
        workflow = str(ctx.input.get("workflowId") or "").strip()
        if not workflow or "/" in workflow or ".." in workflow:
            raise ActionInputError(f"workflowId: {workflow!r} is not a workflow file name or id")
        ref = branch_check(ctx.input.get("branchOrTagName"))
        inputs = ctx.input.get("workflowInputs") or {}
        if not isinstance(inputs, dict) or len(inputs) > 10:
            raise ActionInputError("workflowInputs: expected an object of at most 10 inputs")
        key = f"{parsed.full_name}:{workflow}@{ref}"
        if ctx.checkpoint.get("dispatched") == key:
            ctx.log(f"workflow {workflow} was already dispatched on {ref} by this step; not dispatching twice")
            return
        ctx.log(f"Dispatching workflow {workflow} for repo {parsed.full_name} on {ref}")
        github.call("POST", f"{repo_path}/actions/workflows/{quote(workflow, safe='')}/dispatches",
                    {"ref": ref, "inputs": {str(k): str(v) for k, v in inputs.items()}})
        ctx.checkpoint["dispatched"] = key
        ctx.log("Workflow dispatched successfully")


class Webhook(Action):
    id = "github:webhook"
    description = "Creates webhook for a repository on GitHub."
    input_schema = {"type": "object", "required": ["repoUrl", "webhookUrl"], "properties": {
        "repoUrl": REPO_URL,
        "webhookUrl": {"type": "string", "title": "Webhook URL", "description": "The URL to which the payloads "
                                                                                "will be delivered"},
        "webhookSecret": {"type": "string", "title": "Webhook Secret"},
        "events": {"type": "array", "items": {"type": "string"}, "default": ["push"], "title": "Triggering Events"},
        "active": {"type": "boolean", "default": True, "title": "Active"},
        "contentType": {"type": "string", "enum": ["form", "json"], "default": "form", "title": "Content Type"},
        "insecureSsl": {"type": "boolean", "default": False, "title": "Insecure SSL"},
        "token": TOKEN,
    }}
    output_schema = {"type": "object", "properties": {}}

    def run(self, ctx: ActionContext) -> None:
        github, parsed, repo_path, _ = _github(ctx, self.id)
        url = str(ctx.input.get("webhookUrl") or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
            raise ActionInputError(f"webhookUrl: {url!r} is not an http(s) URL")
        events = ctx.input.get("events") or ["push"]
        if not isinstance(events, list) or not all(isinstance(e, str) and e.strip() for e in events):
            raise ActionInputError("events: expected a list of GitHub event names")
        content_type = ctx.input.get("contentType") or "form"
        if content_type not in ("form", "json"):
            raise ActionInputError("contentType: expected form or json")
        existing = github.call("GET", f"{repo_path}/hooks?per_page=100") or []
        if any(isinstance(h, dict) and (h.get("config") or {}).get("url") == url for h in existing):
            ctx.log(f"a webhook to {parts.hostname} already exists on {parsed.full_name}; left as it is")
            return
        config = {"url": url, "content_type": content_type,
                  "insecure_ssl": "1" if ctx.input.get("insecureSsl") else "0"}
        if ctx.input.get("webhookSecret"):
            config["secret"] = str(ctx.input["webhookSecret"])
        github.call("POST", f"{repo_path}/hooks", {"config": config, "events": events,
                                                   "active": ctx.input.get("active", True) is not False})
        ctx.log(f"Webhook to {parts.hostname} created on {parsed.full_name}")


class PagesEnable(Action):
    id = "github:pages:enable"
    description = "Enables GitHub Pages for a repository."
    input_schema = {"type": "object", "required": ["repoUrl"], "properties": {
        "repoUrl": REPO_URL,
        "buildType": {"type": "string", "enum": ["legacy", "workflow"], "default": "workflow"},
        "sourceBranch": {"type": "string", "default": "main"},
        "sourcePath": {"type": "string", "enum": ["/", "/docs"], "default": "/"},
        "token": TOKEN,
    }}
    output_schema = {"type": "object", "properties": {}}

    def run(self, ctx: ActionContext) -> None:
        github, parsed, repo_path, _ = _github(ctx, self.id)
        build_type = ctx.input.get("buildType") or "workflow"
        source_path = ctx.input.get("sourcePath") or "/"
        if build_type not in ("legacy", "workflow"):
            raise ActionInputError("buildType: expected legacy or workflow")
        if source_path not in ("/", "/docs"):
            raise ActionInputError("sourcePath: expected / or /docs")
        branch = branch_check(ctx.input.get("sourceBranch") or "main")
        if github.call("GET", f"{repo_path}/pages", allow_404=True) is not None:
            ctx.log(f"GitHub Pages is already enabled on {parsed.full_name}; left as it is")
            return
        github.call("POST", f"{repo_path}/pages", {"build_type": build_type,
                                                   "source": {"branch": branch, "path": source_path}})
        ctx.log(f"Enabled GitHub Pages on {parsed.full_name} ({build_type}, {branch}{source_path})")


class RepoCreate(Action):
    id = "github:repo:create"
    description = "Creates a GitHub repository."
    input_schema = {"type": "object", "required": ["repoUrl"], "properties": {
        "repoUrl": COMMON_INPUTS["repoUrl"], "description": COMMON_INPUTS["description"], **GITHUB_ONLY_INPUTS}}
    output_schema = {"type": "object", "properties": REMOTE_OUTPUTS}

    def run(self, ctx: ActionContext) -> None:
        github, parsed, _, _ = _github(ctx, self.id)
        repo = repo_create(ctx, github, parsed)
        ctx.output("remoteUrl", repo.get("clone_url"))
        ctx.output("repoContentsUrl", f"{str(repo.get('html_url') or '').rstrip('/')}/blob/"
                                      f"{repo.get('default_branch') or 'main'}")


class RepoPush(Action):
    id = "github:repo:push"
    publishes = True
    description = "Initializes a git repository of contents in workspace and publishes it to GitHub."
    input_schema = {"type": "object", "required": ["repoUrl"], "properties": {
        **{k: v for k, v in COMMON_INPUTS.items() if k != "description"},
        **{k: GITHUB_ONLY_INPUTS[k] for k in (
            "protectDefaultBranch", "protectEnforceAdmins", "requireCodeOwnerReviews", "dismissStaleReviews",
            "requiredApprovingReviewCount", "requiredStatusCheckContexts", "requireBranchesToBeUpToDate",
            "requiredConversationResolution", "requireLastPushApproval", "requiredCommitSigning",
            "requiredLinearHistory", "bypassPullRequestAllowances", "restrictions", "token")}}}
    output_schema = {"type": "object", "properties": {**REMOTE_OUTPUTS, "commitHash": {"type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        github, parsed, repo_path, token = _github(ctx, self.id)
        branch = branch_check(ctx.input.get("defaultBranch"))
        source, author = source_dir(ctx), commit_author(ctx)
        repo = github.call("GET", repo_path, allow_404=True)
        if repo is None:
            raise ActionError(f"repository {parsed.full_name} does not exist on {parsed.host}; create it first "
                              "(github:repo:create)")
        sha = repo_push(ctx, github, parsed, repo, token=token, source=source, author=author, branch=branch)
        ctx.record_published(provider="github", host=parsed.host, owner=parsed.owner, repo=parsed.repo,
                             remote_url=str(repo.get("clone_url") or ""), default_branch=branch,
                             source_path=str(ctx.input.get("sourcePath") or ""))
        push_outputs(ctx, repo, branch, sha)


ACTIONS = [ActionsDispatch(), Webhook(), PagesEnable(), RepoCreate(), RepoPush()]
