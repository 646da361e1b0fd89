"""`publish:git`: publish the workspace as a new repository on Paved's built-in git host.

Its inputs are those of Backstage's `publish:github`, so a template moves here by changing the
action id and the repoUrl host. The GitHub-only inputs are accepted and ignored (logged once).

What the publish:* and GitOps actions share lives in `scaffolding.actions._publish`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from githost.access import (
    OwnerRefError,
    owner_ref_normalize,
    repo_create_require,
    user_belongs_to,
    user_own_ref,
)
from githost.services import (
    STABLE_HOST,
    GitHostError,
    contents_url,
    host_names,
    public_netloc,
    remote_url,
    repo_commit_tree,
    repo_create,
    web_url,
)
from scaffolding.actions._publish import (
    COMMON_INPUTS,
    GITHUB_ONLY_INPUTS,
    PUBLISH_OUTPUTS,
    branch_check,
    commit_author,
    ignored_inputs_log,
    repo_url_for_host,
    source_dir,
)
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError


class PublishGit(Action):
    id = "publish:git"
    publishes = True
    description = ("Create a repository on Paved's built-in git host and commit the workspace (or sourcePath) "
                   "to its default branch. Takes publish:github's inputs; the GitHub-only ones are ignored.")
    input_schema = {
        "type": "object",
        "required": ["repoUrl"],
        "properties": {**COMMON_INPUTS, **GITHUB_ONLY_INPUTS},
    }
    output_schema = {
        "type": "object",
        "properties": {
            **PUBLISH_OUTPUTS,
            # The built-in host's URLs start with PAVED_PUBLIC_URL; a dry run shows these examples.
            "remoteUrl": {**PUBLISH_OUTPUTS["remoteUrl"], "examples": ["https://paved.example.com/git/acme/web.git"]},
            "repoContentsUrl": {**PUBLISH_OUTPUTS["repoContentsUrl"],
                                "examples": ["https://paved.example.com/git/acme/web/blob/main"]},
            "repoUrl": {"type": "string", "description": "Same as remoteUrl (read by argocd:create-application)",
                        "examples": ["https://paved.example.com/git/acme/web.git"]},
        },
    }
    examples = [{
        "description": "Publish the workspace to the built-in git host",
        "example": "steps:\n  - id: create-repo\n    action: publish:git\n    input:\n"
                   "      repoUrl: paved?owner=acme&repo=${{ parameters.name }}\n"
                   "      description: My new service\n",
    }]

    def run(self, ctx: ActionContext) -> None:
        # `paved` in every deployment; the public host (PAVED_PUBLIC_URL) and PAVED_GIT_HOST name it too.
        parsed = repo_url_for_host(ctx, action_id=self.id, host=STABLE_HOST, aliases=host_names(),
                                   setting="Paved's built-in git host")
        branch = branch_check(ctx.input.get("defaultBranch"))
        source = source_dir(ctx)
        author = commit_author(ctx)
        message = str(ctx.input.get("gitCommitMessage") or "initial commit")
        ignored_inputs_log(ctx, GITHUB_ONLY_INPUTS, self.id)
        full_name = parsed.full_name
        actor = _actor(ctx)
        owner_ref = _owner_ref(ctx, actor, parsed.owner)
        via = f"scaffolder task {ctx.task_id} ({self.id})"
        try:
            repo_create_require(user=actor, owner=parsed.owner, name=parsed.repo, owner_ref=owner_ref)
        except PermissionDenied as exc:
            raise ActionError(f"repoUrl: cannot create {full_name}: {exc}") from None
        try:
            repo, created = repo_create(owner=parsed.owner, name=parsed.repo, default_branch=branch,
                                        description=str(ctx.input.get("description") or "").strip()[:500],
                                        owner_ref=owner_ref, actor=actor, via=via)
            if created:
                ctx.checkpoint["created_repo"] = full_name
                ctx.log(f"created repository {full_name}, owned by {owner_ref}")
            elif ctx.checkpoint.get("created_repo") != full_name:
                # Never published into: it is someone else's (or an earlier task's), even if the same
                # person made it; a retry of this task is the only reuse.
                owned = f" (owned by {repo.owner_ref})" if repo.owner_ref else ""
                raise ActionError(f"repoUrl: repository {full_name} already exists{owned}; choose another name")
            ctx.check_cancelled()
            sha = repo_commit_tree(owner=parsed.owner, name=parsed.repo, branch=branch, source_dir=source,
                                   message=message, author_name=author[0], author_email=author[1], actor=actor,
                                   via=via)
        except GitHostError as exc:
            raise ActionError(str(exc)) from None
        clone_url = remote_url(parsed.owner, parsed.repo)
        if created:
            ctx.record_created("repository", full_name, web_url(parsed.owner, parsed.repo))
        ctx.log(f"published {source.relative_to(ctx.workspace.resolve()) or '.'} to {full_name}@{branch} "
                f"({sha[:12]})")
        ctx.record_published(provider="git", host=public_netloc(), owner=parsed.owner, repo=parsed.repo,
                             remote_url=clone_url, default_branch=branch,
                             source_path=str(ctx.input.get("sourcePath") or ""))
        ctx.output("remoteUrl", clone_url)
        ctx.output("repoUrl", clone_url)
        ctx.output("repoContentsUrl", contents_url(parsed.owner, parsed.repo, branch))
        ctx.output("commitHash", sha)


def _actor(ctx: ActionContext):
    return get_user_model().objects.filter(username=ctx.user.username).first()


def _owner_ref(ctx: ActionContext, actor, url_owner: str) -> str:
    """Whose the new repository is: the template's `owner` answer (Backstage's OwnerPicker), else the
    Group named like repoUrl's owner when the person belongs to it, else the person themselves.
    repo_create_require then checks that the person belongs to it."""
    answer = ctx.parameters.get("owner") if isinstance(ctx.parameters, dict) else None
    if answer not in (None, ""):
        try:
            return owner_ref_normalize(answer, field="parameters.owner")
        except OwnerRefError as exc:
            raise ActionInputError(str(exc)) from None
    if actor is None:
        raise ActionError(f"the task's user {ctx.user.username!r} no longer exists; nobody would own the repository")
    group = f"group:default/{url_owner.lower()}"
    return group if user_belongs_to(user=actor, owner_ref=group) else user_own_ref(actor)


ACTIONS = [PublishGit()]
