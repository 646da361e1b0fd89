"""Backstage's GitLab module actions beyond publish:gitlab: `publish:gitlab:merge-request`,
`gitlab:group:ensureExists`, `gitlab:projectAccessToken:create`, `gitlab:projectVariable:create` and
`gitlab:projectDeployToken:create`.

Inputs and outputs follow plugins/scaffolder-backend-module-gitlab/src/actions in backstage/backstage,
spoken over GitLab's REST API v4 at PAVED_GITLAB_URL (self-managed too) with PAVED_GITLAB_TOKEN; a
template's `token` input is ignored, as for publish:gitlab. Retries are safe: groups and merge requests
that exist are reused, a variable that exists is updated, and a token this step made before is
rotated (GitLab shows a token's value only once, so a retry cannot hand back the first one).
"""

from __future__ import annotations

import base64
import os
import re
from urllib.parse import quote, urlencode

from django.conf import settings

from scaffolding.actions._publish import branch_check, commit_author, repo_url_for_host
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError
from scaffolding.actions.publish_gitlab import GitLab

REPO_URL = {"type": "string", "title": "Repository Location",
            "description": "Accepts the format 'gitlab.com?repo=project_name&owner=group_name'"}
TOKEN = {"type": "string", "title": "Token", "description": "Ignored: Paved uses PAVED_GITLAB_TOKEN"}
PROJECT_ID = {"type": ["string", "number"], "title": "Project ID"}
KEY_RE = re.compile(r"^[A-Za-z0-9_]{1,255}$")
SLUG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_MR_FILES = 2000
MAX_MR_BYTES = 50 * 1024 * 1024


def _gitlab(ctx: ActionContext, action_id: str):
    token = settings.PAVED_GITLAB_TOKEN
    if not token:
        raise ActionError(f"{action_id} needs a GitLab token: set PAVED_GITLAB_TOKEN on the workers (a token with "
                          "the api scope)")
    parsed = repo_url_for_host(ctx, action_id=action_id, host=settings.PAVED_GITLAB_HOST, setting="PAVED_GITLAB_HOST",
                               allow_subgroups=True)
    if ctx.input.get("token"):
        ctx.log("token: ignored; Paved uses PAVED_GITLAB_TOKEN")
    return GitLab(token), parsed


def _project_path(ctx: ActionContext, parsed) -> str:
    """The API path of the project: projectId when given (an id or a full path), else repoUrl's project."""
    project = ctx.input.get("projectId")
    if isinstance(project, bool) or (project is not None and not isinstance(project, str | int)):
        raise ActionInputError("projectId: expected a project id or its full path")
    ref = str(project).strip() if project not in (None, "") else parsed.full_name
    if ".." in ref.split("/") or not ref:
        raise ActionInputError(f"projectId: {ref!r} is not a project id or path")
    return f"/projects/{quote(ref, safe='')}"


def _scopes(ctx: ActionContext, default: list[str]) -> list[str]:
    scopes = ctx.input.get("scopes") or default
    if not isinstance(scopes, list) or not all(isinstance(s, str) and KEY_RE.match(s) for s in scopes):
        raise ActionInputError("scopes: expected a list of GitLab scope names (read_repository, api, ...)")
    return scopes


class GroupEnsureExists(Action):
    id = "gitlab:group:ensureExists"
    supports_dry_run = True
    description = "Ensures a GitLab group exists, creating each missing group of the path."
    input_schema = {"type": "object", "required": ["repoUrl", "path"], "properties": {
        "repoUrl": REPO_URL, "token": TOKEN,
        "path": {"type": ["array", "string"], "items": {"type": "string"},
                 "description": "A path of group names, as a list or as 'a/b/c'"}}}
    output_schema = {"type": "object", "properties": {"groupId": {"type": "number", "examples": [42]}}}

    def run(self, ctx: ActionContext) -> None:
        path = ctx.input.get("path")
        names = path.split("/") if isinstance(path, str) else path
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and SLUG_RE.match(n)
                                                               for n in names):
            raise ActionInputError("path: expected group names (letters, digits, '_', '-', '.'), as a list or 'a/b'")
        if ctx.dry_run:
            ctx.log(f"dry run: would ensure the group {'/'.join(names)}")
            ctx.output("groupId", 42)
            return
        gitlab, _ = _gitlab(ctx, self.id)
        parent, full = None, ""
        for name in names:
            full = f"{full}/{name}" if full else name
            group = gitlab.call("GET", f"/groups/{quote(full, safe='')}", allow_404=True)
            if group is None:
                body = {"name": name, "path": name, **({"parent_id": parent["id"]} if parent else {})}
                group = gitlab.call("POST", "/groups", body)
                ctx.record_created("gitlab-group", full)
                ctx.log(f"created the GitLab group {full}")
            parent = group
        ctx.output("groupId", parent.get("id"))


class MergeRequest(Action):
    id = "publish:gitlab:merge-request"
    description = "Commits the workspace (or sourcePath) to a branch of a GitLab project and opens a merge request."
    input_schema = {"type": "object", "required": ["repoUrl", "title", "description", "branchName"], "properties": {
        "repoUrl": REPO_URL,
        "title": {"type": "string", "description": "The name for the merge request"},
        "description": {"type": "string", "description": "The description of the merge request"},
        "branchName": {"type": "string", "description": "The source branch name of the merge request"},
        "targetBranchName": {"type": "string", "description": "The target branch; the project's default if unset"},
        "sourcePath": {"type": "string", "description": "Subdirectory of the workspace to commit"},
        "targetPath": {"type": "string", "description": "Subdirectory of the repository to write to"},
        "commitAction": {"type": "string", "enum": ["create", "update", "delete", "skip", "auto"], "default": "auto"},
        "removeSourceBranch": {"type": "boolean"}, "assignee": {"type": "string"},
        "reviewers": {"type": "array", "items": {"type": "string"}}, "labels": {"type": ["string", "array"]},
        "projectid": {"type": "string"}, "token": TOKEN,
    }}
    output_schema = {"type": "object", "properties": {
        "targetBranchName": {"type": "string"}, "projectid": {"type": "string"}, "projectPath": {"type": "string"},
        "mergeRequestUrl": {"type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        gitlab, parsed = _gitlab(ctx, self.id)
        branch = branch_check(ctx.input.get("branchName"))
        title = str(ctx.input.get("title") or "").strip()
        if not title:
            raise ActionInputError("title: a merge request needs a title")
        action = ctx.input.get("commitAction") or "auto"
        if action not in ("create", "update", "delete", "skip", "auto"):
            raise ActionInputError("commitAction: expected create, update, delete, skip or auto")
        files = self._files(ctx)
        project_path = f"/projects/{quote(parsed.full_name, safe='')}"
        project = gitlab.call("GET", project_path, allow_404=True)
        if project is None:
            raise ActionError(f"GitLab has no project {parsed.full_name}")
        target = branch_check(ctx.input.get("targetBranchName") or project.get("default_branch") or "main")
        existing = gitlab.call("GET", f"{project_path}/merge_requests?" + urlencode(
            {"source_branch": branch, "target_branch": target, "state": "opened"})) or []
        if existing:
            ctx.log(f"merge request !{existing[0].get('iid')} from {branch} is already open; reusing it")
            return self._outputs(ctx, parsed, project, target, existing[0])
        if gitlab.call("GET", f"{project_path}/repository/branches/{quote(branch, safe='')}", allow_404=True) is None:
            gitlab.call("POST", f"{project_path}/repository/branches", {"branch": branch, "ref": target})
        actions = [self._commit_action(gitlab, project_path, branch, action, path, data) for path, data in files]
        actions = [a for a in actions if a]
        if actions:
            name, email = commit_author(ctx)
            gitlab.call("POST", f"{project_path}/repository/commits", {
                "branch": branch, "commit_message": title, "actions": actions,
                "author_name": name, "author_email": email})
        body = {"source_branch": branch, "target_branch": target, "title": title,
                "description": str(ctx.input.get("description") or ""),
                "remove_source_branch": bool(ctx.input.get("removeSourceBranch"))}
        labels = ctx.input.get("labels")
        if labels:
            body["labels"] = ",".join(labels) if isinstance(labels, list) else str(labels)
        if ctx.input.get("assignee"):
            users = gitlab.call("GET", "/users?" + urlencode({"username": str(ctx.input["assignee"])})) or []
            if users:
                body["assignee_id"] = users[0].get("id")
            else:
                ctx.log(f"assignee {ctx.input['assignee']!r} is not a GitLab user; left unassigned")
        merge_request = gitlab.call("POST", f"{project_path}/merge_requests", body)
        ctx.record_created("merge-request", f"{parsed.full_name}!{merge_request.get('iid')}",
                           str(merge_request.get("web_url") or ""))
        self._outputs(ctx, parsed, project, target, merge_request)

    @staticmethod
    def _files(ctx: ActionContext) -> list[tuple[str, bytes]]:
        source = ctx.resolve_path(ctx.input.get("sourcePath") or ".", field_name="sourcePath")
        target_prefix = str(ctx.input.get("targetPath") or "").strip().strip("/")
        if ".." in target_prefix.split("/"):
            raise ActionInputError(f"targetPath: {target_prefix!r} leaves the repository")
        files, total = [], 0
        for current, dirnames, filenames in os.walk(source, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            for name in sorted(filenames):
                path = os.path.join(current, name)
                if os.path.islink(path):
                    continue
                relative = os.path.relpath(path, source).replace(os.sep, "/")
                total += os.path.getsize(path)  # checked before reading, so a huge workspace is never loaded
                if len(files) >= MAX_MR_FILES or total > MAX_MR_BYTES:
                    raise ActionError(f"sourcePath: more than {MAX_MR_FILES} files or 50 MB for one merge request")
                with open(path, "rb") as handle:
                    files.append((f"{target_prefix}/{relative}" if target_prefix else relative, handle.read()))
        return files

    @staticmethod
    def _commit_action(gitlab, project_path: str, branch: str, action: str, path: str, data: bytes) -> dict | None:
        if action in ("auto", "skip"):
            exists = gitlab.call("GET", f"{project_path}/repository/files/{quote(path, safe='')}?"
                                 + urlencode({"ref": branch}), allow_404=True) is not None
            if action == "skip" and exists:
                return None
            action = "update" if exists else "create"
        item = {"action": action, "file_path": path}
        if action != "delete":
            item.update({"encoding": "base64", "content": base64.b64encode(data).decode()})
        return item

    @staticmethod
    def _outputs(ctx, parsed, project: dict, target: str, merge_request: dict) -> None:
        ctx.output("targetBranchName", target)
        ctx.output("projectid", str(project.get("id") or parsed.full_name))
        ctx.output("projectPath", parsed.full_name)
        ctx.output("mergeRequestUrl", merge_request.get("web_url"))


class ProjectAccessToken(Action):
    id = "gitlab:projectAccessToken:create"
    description = "Creates a GitLab project access token."
    input_schema = {"type": "object", "required": ["projectId", "repoUrl"], "properties": {
        "projectId": PROJECT_ID, "repoUrl": REPO_URL, "token": TOKEN,
        "name": {"type": "string", "default": "tokenname"},
        "accessLevel": {"type": "number", "default": 40, "description": "10 guest ... 50 owner"},
        "scopes": {"type": "array", "items": {"type": "string"}, "default": ["read_repository"]},
        "expiresAt": {"type": "string", "description": "YYYY-MM-DD"}}}
    output_schema = {"type": "object", "properties": {"access_token": {"type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        gitlab, parsed = _gitlab(ctx, self.id)
        project_path = _project_path(ctx, parsed)
        level = ctx.input.get("accessLevel", 40)
        if level not in (10, 20, 30, 40, 50):
            raise ActionInputError("accessLevel: expected 10, 20, 30, 40 or 50")
        expires = ctx.input.get("expiresAt")
        if expires is not None and not (isinstance(expires, str) and DATE_RE.match(expires)):
            raise ActionInputError("expiresAt: expected a date as YYYY-MM-DD")
        previous = ctx.checkpoint.get("token_id")
        if previous:
            answer = gitlab.call("POST", f"{project_path}/access_tokens/{int(previous)}/rotate",
                                 {"expires_at": expires} if expires else {})
            ctx.log("the token this step made before was rotated (GitLab shows a token's value only once)")
        else:
            body = {"name": str(ctx.input.get("name") or "tokenname"), "scopes": _scopes(ctx, ["read_repository"]),
                    "access_level": level}
            if expires:
                body["expires_at"] = expires
            answer = gitlab.call("POST", f"{project_path}/access_tokens", body)
            ctx.record_created("gitlab-project-access-token", f"{parsed.full_name}:{body['name']}")
        ctx.checkpoint["token_id"] = answer.get("id")
        ctx.output("access_token", answer.get("token"))


class ProjectVariable(Action):
    id = "gitlab:projectVariable:create"
    description = "Creates a GitLab project variable (updated when it exists)."
    input_schema = {"type": "object", "required": ["repoUrl", "projectId", "key", "value", "variableType"],
                    "properties": {
        "repoUrl": REPO_URL, "projectId": PROJECT_ID, "token": TOKEN,
        "key": {"type": "string", "description": "Letters, digits and _ only"},
        "value": {"type": "string"}, "variableType": {"type": "string", "enum": ["env_var", "file"]},
        "variableProtected": {"type": "boolean", "default": False}, "masked": {"type": "boolean", "default": False},
        "raw": {"type": "boolean", "default": False}, "environmentScope": {"type": "string", "default": "*"}}}
    output_schema = {"type": "object", "properties": {}}

    def run(self, ctx: ActionContext) -> None:
        gitlab, parsed = _gitlab(ctx, self.id)
        project_path = _project_path(ctx, parsed)
        key = str(ctx.input.get("key") or "")
        if not KEY_RE.match(key):
            raise ActionInputError(f"key: {key!r} is not a variable name (letters, digits and '_')")
        variable_type = ctx.input.get("variableType")
        if variable_type not in ("env_var", "file"):
            raise ActionInputError("variableType: expected env_var or file")
        scope = str(ctx.input.get("environmentScope") or "*")
        body = {"key": key, "value": str(ctx.input.get("value") or ""), "variable_type": variable_type,
                "protected": bool(ctx.input.get("variableProtected")), "masked": bool(ctx.input.get("masked")),
                "raw": bool(ctx.input.get("raw")), "environment_scope": scope}
        found = gitlab.call("GET", f"{project_path}/variables/{key}?" + urlencode({"filter[environment_scope]": scope}),
                            allow_404=True)
        if found is None:
            gitlab.call("POST", f"{project_path}/variables", body)
            ctx.log(f"created the variable {key} ({scope})")
        else:
            gitlab.call("PUT", f"{project_path}/variables/{key}?" + urlencode({"filter[environment_scope]": scope}),
                        body)
            ctx.log(f"updated the variable {key} ({scope})")


class ProjectDeployToken(Action):
    id = "gitlab:projectDeployToken:create"
    description = "Creates a GitLab project deploy token."
    input_schema = {"type": "object", "required": ["projectId", "repoUrl"], "properties": {
        "projectId": PROJECT_ID, "repoUrl": REPO_URL, "token": TOKEN,
        "name": {"type": "string"}, "username": {"type": "string"},
        "scopes": {"type": "array", "items": {"type": "string"}}}}
    output_schema = {"type": "object", "properties": {"deploy_token": {"type": "string"}, "user": {"type": "string"}}}

    def run(self, ctx: ActionContext) -> None:
        gitlab, parsed = _gitlab(ctx, self.id)
        project_path = _project_path(ctx, parsed)
        name = str(ctx.input.get("name") or "").strip()
        if not name:
            raise ActionInputError("name: a deploy token needs a name")
        previous = ctx.checkpoint.get("token_id")
        if previous:  # its value was shown once, to the failed attempt: replace it
            gitlab.call("DELETE", f"{project_path}/deploy_tokens/{int(previous)}", allow_404=True)
        body = {"name": name, "scopes": _scopes(ctx, ["read_repository"])}
        if ctx.input.get("username"):
            body["username"] = str(ctx.input["username"])
        answer = gitlab.call("POST", f"{project_path}/deploy_tokens", body)
        ctx.checkpoint["token_id"] = answer.get("id")
        ctx.record_created("gitlab-deploy-token", f"{parsed.full_name}:{name}")
        ctx.output("deploy_token", answer.get("token"))
        ctx.output("user", answer.get("username"))


ACTIONS = [MergeRequest(), GroupEnsureExists(), ProjectAccessToken(), ProjectVariable(), ProjectDeployToken()]
