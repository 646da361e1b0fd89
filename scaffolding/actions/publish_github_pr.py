"""`publish:github:pull-request`: commit the workspace to a branch of an existing GitHub repository
and open a pull request from it.

Backstage's action (plugins/scaffolder-backend-module-github), spoken over GitHub's REST API with
urllib and pushed with the git CLI. The token is PAVED_GITHUB_TOKEN; a template's `token` input is
ignored (people running templates must not choose whose credentials the worker uses).

The commit is built without a work tree: the target branch is fetched into a scratch repository,
its tree read into an index, and the workspace's files (sourcePath) laid over it at targetPath with
`git update-index`. Nothing of the repository is ever checked out on disk, so a symlink in the
repository cannot make the worker write outside its scratch directory.

Idempotent: the commit date is kept in ctx.checkpoint, so a retry builds the same commit and finds
the branch already pushed; the pull request's number is kept too, and without it an open pull
request from the same branch is looked up before one is created.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import PurePosixPath
from urllib.parse import quote, urlencode

from django.conf import settings

from scaffolding.actions._publish import (
    basic_auth_header,
    branch_check,
    commit_author,
    git_push_env,
    remote_check,
    repo_url_for_host,
    source_dir,
)
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError
from scaffolding.actions.publish_github import SLUG_RE, GitHub

STR = {"type": "string"}
BOOL = {"type": "boolean"}
NAMES = {"type": "array", "items": STR}
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
IGNORED = ("token", "forceFork", "forceEmptyGitAuthor", "filesToDelete")


def _target_path(value) -> str:
    """targetPath as a clean relative path inside the repository ("" for its root)."""
    text = "" if value is None else str(value).strip()
    if "\x00" in text or "\\" in text:
        raise ActionInputError(f"targetPath: {text!r} is not a usable path inside the repository")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise ActionInputError(f"targetPath: {text!r} is absolute; expected a path inside the repository")
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ActionInputError(f"targetPath: {text!r} leaves the repository")
    if any(p.lower() == ".git" for p in parts):
        raise ActionInputError(f"targetPath: {text!r} points into .git")
    return "/".join(parts)


def _names(ctx: ActionContext, field_name: str) -> list[str]:
    value = ctx.input.get(field_name) or []
    names = []
    for item in value if isinstance(value, list) else [value]:
        name = str(item).strip().split("/")[-1]  # team reviewers may be written "org/team"
        if not SLUG_RE.match(name):
            raise ActionInputError(f"{field_name}: {item!r} is not a GitHub user or team name")
        if name not in names:
            names.append(name)
    return names


class PublishGitHubPullRequest(Action):
    id = "publish:github:pull-request"
    description = ("Commit the workspace (or sourcePath) to branchName of an existing GitHub repository, at "
                   "targetPath, and open a pull request to targetBranchName (PAVED_GITHUB_TOKEN, "
                   "PAVED_GITHUB_API_URL); optional reviewers and draft.")
    input_schema = {
        "type": "object",
        "required": ["repoUrl", "branchName", "title", "description"],
        "properties": {
            "repoUrl": {"type": "string", "title": "Repository location",
                        "description": "Backstage's \"host?owner=<owner>&repo=<name>\" of an existing repository"},
            "branchName": {"type": "string", "title": "Branch name", "description": "The branch the PR comes from"},
            "targetBranchName": {"type": "string", "title": "Target branch",
                                 "description": "The branch the PR goes into; the repository's default branch "
                                                "by default"},
            "title": {"type": "string", "title": "Pull request title"},
            "description": {"type": "string", "title": "Pull request description (markdown)"},
            "draft": {"type": "boolean", "title": "Open as a draft", "default": False},
            "sourcePath": {"type": "string", "title": "Source path",
                           "description": "Directory of the workspace whose files go into the PR; the whole "
                                          "workspace by default"},
            "targetPath": {"type": "string", "title": "Target path",
                           "description": "Directory of the repository the files are copied to; its root by "
                                          "default"},
            "reviewers": {**NAMES, "title": "Reviewers", "description": "GitHub users asked to review"},
            "teamReviewers": {**NAMES, "title": "Team reviewers",
                              "description": "Teams (slugs) of the repository's organisation asked to review"},
            "assignees": {**NAMES, "title": "Assignees"},
            "commitMessage": {"type": "string", "title": "Commit message", "description": "The title by default"},
            "gitAuthorName": {"type": "string", "title": "Commit author name",
                              "description": "Defaults to the name of the person running the task"},
            "gitAuthorEmail": {"type": "string", "title": "Commit author email",
                               "description": "Defaults to the email of the person running the task"},
            "update": {"type": "boolean", "title": "Update an existing pull request",
                       "description": "When branchName already exists, commit on top of it and update its open "
                                      "pull request instead of failing", "default": False},
            "createWhenEmpty": {"type": "boolean", "title": "Create the PR even without changes", "default": True},
            "forceFork": {**BOOL, "description": "Accepted for compatibility; ignored"},
            "forceEmptyGitAuthor": {**BOOL, "description": "Accepted for compatibility; ignored"},
            "filesToDelete": {**NAMES, "description": "Accepted for compatibility; ignored"},
            "token": {"type": "string", "description": "Ignored: the portal's PAVED_GITHUB_TOKEN is used"},
        },
    }
    # The examples are what a dry run hands to later steps in place of the real outputs.
    output_schema = {
        "type": "object",
        "properties": {
            "remoteUrl": {"type": "string", "description": "Web URL of the pull request",
                          "examples": ["https://github.com/acme/web/pull/42"]},
            "pullRequestNumber": {"type": "integer", "description": "Number of the pull request",
                                  "examples": [42]},
            "targetBranchName": {"type": "string", "description": "The branch the pull request goes into",
                                 "examples": ["main"]},
        },
    }
    examples = [{
        "description": "Open a pull request adding a catalog-info.yaml to an existing repository",
        "example": "steps:\n  - id: pr\n    action: publish:github:pull-request\n    input:\n"
                   "      repoUrl: github.com?owner=acme&repo=${{ parameters.repo }}\n"
                   "      branchName: add-catalog-info\n      title: Add catalog-info.yaml\n"
                   "      description: Registers this repository in the software catalog.\n"
                   "      reviewers: [jane]\n",
    }]

    def run(self, ctx: ActionContext) -> None:
        token = settings.PAVED_GITHUB_TOKEN
        if not token:
            raise ActionError(f"{self.id} needs a GitHub token: set PAVED_GITHUB_TOKEN on the workers "
                              f"(a token allowed to push branches and open pull requests in the repository)")
        parsed = repo_url_for_host(ctx, action_id=self.id, host=settings.PAVED_GITHUB_HOST, setting="PAVED_GITHUB_HOST")
        owner, name, full_name = parsed.owner, parsed.repo, parsed.full_name
        branch = branch_check(ctx.input.get("branchName"), field_name="branchName")
        target = (branch_check(ctx.input.get("targetBranchName"), field_name="targetBranchName")
                  if str(ctx.input.get("targetBranchName") or "").strip() else "")
        title = str(ctx.input.get("title") or "").strip()
        if not title:
            raise ActionInputError("title: the pull request needs a title")
        body = str(ctx.input.get("description") or "")
        prefix = _target_path(ctx.input.get("targetPath"))
        source, author = source_dir(ctx), commit_author(ctx)
        reviewers, teams = _names(ctx, "reviewers"), _names(ctx, "teamReviewers")
        assignees = _names(ctx, "assignees")
        message = str(ctx.input.get("commitMessage") or title)
        ignored = [n for n in IGNORED if ctx.input.get(n) not in (None, "", [], {}, False)]
        if ignored:
            ctx.log(f"{', '.join(ignored)}: ignored by Paved's {self.id}")

        github = GitHub(token)
        repo_path = f"/repos/{quote(owner)}/{quote(name)}"
        repo = github.call("GET", repo_path, allow_404=True)
        if repo is None:
            raise ActionError(f"repository {full_name} was not found on {parsed.host} "
                              f"(or PAVED_GITHUB_TOKEN cannot see it)")
        target = target or branch_check(repo.get("default_branch"), field_name="targetBranchName")
        if target == branch:
            raise ActionInputError(f"branchName: {branch!r} is the target branch; a pull request needs another one")
        remote = remote_check(repo.get("clone_url"), host=parsed.host, service="GitHub")
        ctx.check_cancelled()

        changed = self._push(ctx, remote=remote, branch=branch, target=target, prefix=prefix, source=source,
                             author=author, message=message, token=token, full_name=full_name)
        ctx.output("targetBranchName", target)
        if not changed and ctx.input.get("createWhenEmpty") is False and not ctx.checkpoint.get("pull_request"):
            ctx.log(f"no changes against {full_name}@{target}; no pull request (createWhenEmpty is false)")
            return
        ctx.check_cancelled()
        number, html_url = self._pull_request(ctx, github, repo_path, owner=owner, branch=branch, target=target,
                                              title=title, body=body, full_name=full_name)
        self._reviewers(ctx, github, repo_path, number, reviewers=reviewers, teams=teams, assignees=assignees)
        ctx.output("remoteUrl", html_url)
        ctx.output("pullRequestNumber", number)

    # --- git ---------------------------------------------------------------------------------------

    def _push(self, ctx: ActionContext, *, remote: str, branch: str, target: str, prefix: str, source,
              author: tuple[str, str], message: str, token: str, full_name: str) -> bool:
        """Commit the files on `branch` and push it; returns whether the commit changes anything."""
        with tempfile.TemporaryDirectory(prefix="paved-pr-") as scratch:
            env = git_push_env(ctx, scratch=scratch, source=source, author=author,
                               auth_header=basic_auth_header("x-access-token", token))

            def git(*args, cwd=None, input=None, extra=None) -> str:
                try:
                    done = ctx.run_command(["git", *args], cwd=cwd, env={**env, **(extra or {})}, input=input)
                except ActionError as exc:
                    raise ActionError(str(exc).replace(token, "***")) from None
                return done.stdout.decode("utf-8", "replace").strip()

            git("init", "-q")
            heads = {}
            listed = git("ls-remote", "--heads", remote, f"refs/heads/{target}", f"refs/heads/{branch}")
            for line in listed.splitlines():
                sha, _, ref = line.partition("\t")
                heads[ref.removeprefix("refs/heads/")] = sha
            if target not in heads:
                raise ActionError(f"targetBranchName: branch {target!r} does not exist in {full_name}")
            existing = heads.get(branch)
            if existing and existing == ctx.checkpoint.get("pushed"):
                ctx.log(f"{full_name}@{branch} already holds this task's commit {existing[:12]}")
                return bool(ctx.checkpoint.get("changed", True))
            base = heads[target]
            if existing and ctx.input.get("update"):
                base = existing
            ctx.check_cancelled()
            base_ref = branch if base == existing else target
            git("fetch", "-q", "--no-tags", "--depth", "1", remote, f"+refs/heads/{base_ref}:refs/paved/base")
            if git("rev-parse", "refs/paved/base") != base:
                raise ActionError(f"{full_name}@{base_ref} moved while the pull request was prepared; retry the task")
            # The workspace's files as a tree of their own (symlinks stay symlinks, .gitignore is honoured).
            source_env = {"GIT_INDEX_FILE": f"{scratch}/source-index"}
            git("add", "-A", ".", cwd=source, extra=source_env)
            source_tree = git("write-tree", extra=source_env)
            # Laid over the base's tree at targetPath.
            git("read-tree", base)
            entries = git("ls-tree", "-r", "-z", source_tree).split("\0")
            lines = []
            for entry in filter(None, entries):
                meta, _, path = entry.partition("\t")
                mode, _, sha = meta.split(" ")
                lines.append(f"{mode} {sha}\t{prefix + '/' if prefix else ''}{path}")
            if lines:
                git("update-index", "-z", "--index-info", input="\0".join(lines).encode() + b"\0")
            tree = git("write-tree")
            changed = tree != git("rev-parse", f"{base}^{{tree}}")
            ctx.checkpoint["changed"] = changed
            if not changed and ctx.input.get("createWhenEmpty") is False:
                return False
            commit = git("commit-tree", tree, "-p", base, "-m", message)
            if not SHA_RE.match(commit):
                raise ActionError(f"git commit-tree gave {commit!r}, not a commit id")
            if existing and existing != commit and not ctx.input.get("update"):
                raise ActionError(f"branchName: branch {branch!r} already exists in {full_name}; choose another "
                                  f"branch name, or set update: true to add a commit to it")
            if existing != commit:
                ctx.check_cancelled()
                git("push", "-q", remote, f"{commit}:refs/heads/{branch}")
                ctx.log(f"pushed {commit[:12]} to {full_name}@{branch} (on top of {base[:12]})")
            ctx.checkpoint["pushed"] = commit
        return changed

    # --- GitHub ------------------------------------------------------------------------------------

    def _pull_request(self, ctx: ActionContext, github: GitHub, repo_path: str, *, owner: str, branch: str,
                      target: str, title: str, body: str, full_name: str) -> tuple[int, str]:
        saved = ctx.checkpoint.get("pull_request")
        if isinstance(saved, dict) and saved.get("number"):
            ctx.log(f"pull request #{saved['number']} was opened by an earlier attempt")
            return int(saved["number"]), str(saved.get("html_url") or "")
        query = urlencode({"head": f"{owner}:{branch}", "state": "open"})
        found = github.call("GET", f"{repo_path}/pulls?{query}") or []
        found = [pr for pr in found if isinstance(pr, dict) and pr.get("number")]
        if found:
            pr = found[0]
            if ctx.input.get("update"):
                pr = github.call("PATCH", f"{repo_path}/pulls/{int(pr['number'])}",
                                 {"title": title, "body": body, "base": target}) or pr
            ctx.log(f"pull request #{pr['number']} from {branch} is already open; using it")
        else:
            pr = github.call("POST", f"{repo_path}/pulls", {"title": title, "body": body, "head": branch,
                                                            "base": target,
                                                            "draft": bool(ctx.input.get("draft", False))})
            if not isinstance(pr, dict) or not pr.get("number"):
                raise ActionError(f"GitHub answered POST {repo_path}/pulls without a pull request number")
            ctx.record_created("pull-request", f"{full_name}#{pr['number']}", str(pr.get("html_url") or ""))
            ctx.log(f"opened pull request #{pr['number']} on {full_name}: {branch} -> {target}")
        number, html_url = int(pr["number"]), str(pr.get("html_url") or "")
        ctx.checkpoint["pull_request"] = {"number": number, "html_url": html_url}
        return number, html_url

    def _reviewers(self, ctx: ActionContext, github: GitHub, repo_path: str, number: int, *, reviewers: list[str],
                   teams: list[str], assignees: list[str]) -> None:
        # As in Backstage, a reviewer that cannot be asked (not a collaborator, unknown team) is logged:
        # the pull request is open and the run goes on.
        if (reviewers or teams) and not ctx.checkpoint.get("reviewers_requested"):
            request = {**({"reviewers": reviewers} if reviewers else {}),
                       **({"team_reviewers": teams} if teams else {})}
            try:
                github.call("POST", f"{repo_path}/pulls/{number}/requested_reviewers", request)
                ctx.checkpoint["reviewers_requested"] = True
                ctx.log(f"asked {', '.join([*reviewers, *(f'team {t}' for t in teams)])} to review #{number}")
            except ActionError as exc:
                ctx.log(f"warning: reviewers could not be requested on #{number}: {exc}")
        if assignees and not ctx.checkpoint.get("assigned"):
            try:
                github.call("POST", f"{repo_path}/issues/{number}/assignees", {"assignees": assignees})
                ctx.checkpoint["assigned"] = True
            except ActionError as exc:
                ctx.log(f"warning: assignees could not be set on #{number}: {exc}")


ACTIONS = [PublishGitHubPullRequest()]
