"""Upgrading the repositories a template made to its current version: a three-way merge, the way
cruft and copier do it. On the repository itself:

    BASE    the pristine render publish:git committed (the default branch's root commit), or the
            newest `paved/template-<v>` branch the owner has already merged (a previous upgrade)
    THEIRS  `paved/template-<version>`: BASE plus one commit whose tree is the current template
            rendered with the stored answers
    OURS    the default branch head, with the owner's edits

`paved/upgrade-<version>` is a merge commit of OURS and THEIRS (conflict markers committed, the
conflicted files listed in its message) for the owner to review and merge. The git host is the
record of what happened: which upgrade branches exist, which template branches are merged.

This module is the upgrade policy only: which base, which branches, who may. The git plumbing
(merges, merged branches, ancestry) is githost's, called through its services.

Access (issue 9): an upgrade opens branches on a repository, so it is made only for a person who
may push to it (githost.repository.push: its owner's members) and holds scaffolder.template.upgrade
for it: checked against the template (its kind, tags, annotations) as owned by the repository's
owner, so the default owner-only grant means "the owners of the repository", not "of the template".
The worker checks again, for every repository, as whoever asked.
"""

import dataclasses
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from catalog.access import entity_resource
from catalog.models import Entity
from core.access import authorize
from core.permissions import TEMPLATE
from githost.access import repo_may_push, repository_resource
from githost.models import GitRepository
from githost.services import (
    GitHostError,
    conflicts_from_message,
    repo_branch_create,
    repo_branch_delete,
    repo_commit_tree,
    repo_get,
    repo_head,
    repo_is_ancestor,
    repo_log,
    repo_merge_to_branch,
    repo_merged_branches,
    repo_root_commit,
)
from scaffolding.actions.base import ActionCancelled, ActionError, resolve_inside
from scaffolding.lib.expressions import ExpressionError
from scaffolding.models import ScaffoldedRepository, ScaffoldRun
from scaffolding.runner import StepFailed, render_files_only
from scaffolding.selectors import parameter_steps, template_base, template_get_by_ref, template_version
from scaffolding.services import actor_ref

logger = logging.getLogger(__name__)

UPGRADABLE_PROVIDERS = ("git",)
TEMPLATE_BRANCH_PREFIX = "paved/template-"
UPGRADE_BRANCH_PREFIX = "paved/upgrade-"


class UpgradeError(Exception):
    """An upgrade that cannot be made; the message is shown to people as is."""


@dataclass(frozen=True)
class UpgradeResult:
    """What upgrading one repository did: status is upgraded, exists, up-to-date, unsupported, not-yours
    or failed."""

    repository: str
    status: str
    branch: str = ""
    commit: str = ""
    conflicts: tuple[str, ...] = ()
    message: str = ""


# --- The branches on the git host --------------------------------------------------------------


def upgrade_branch_state(repo: ScaffoldedRepository, version: str) -> dict | None:
    """{"branch", "commit", "url", "conflicts"} of paved/upgrade-<version>, or None when it does not exist."""
    branch = UPGRADE_BRANCH_PREFIX + version
    try:
        commit = repo_head(owner=repo.owner, name=repo.name, branch=branch)
    except GitHostError:
        return None
    if not commit:
        return None
    log = repo_log(owner=repo.owner, name=repo.name, ref=commit, limit=1)
    # Linked by commit: the browse pages take a ref as one path segment, and the branch name has a "/".
    url = reverse("githost:tree_root", kwargs={"owner": repo.owner, "name": repo.name, "ref": commit})
    return {"branch": branch, "commit": commit, "url": url,
            "conflicts": conflicts_from_message(log[0]["message"] if log else "")}


def merged_template_version(repo: ScaffoldedRepository, head: str) -> str:
    """The version of the newest paved/template-<v> branch merged into `head`, or "" when none is:
    the one no other merged template branch descends from; on a tie (unrelated), the newest commit."""
    merged = repo_merged_branches(owner=repo.owner, name=repo.name, into=head, prefix=TEMPLATE_BRANCH_PREFIX)
    return merged[0].removeprefix(TEMPLATE_BRANCH_PREFIX) if merged else ""


# --- Who may upgrade ----------------------------------------------------------------------------


def upgrade_allowed(*, repo: ScaffoldedRepository, template: Entity, user) -> bool:
    """May `user` open upgrade branches of `template` on `repo`: they may push to it and hold
    scaffolder.template.upgrade for the template as owned by the repository's owner."""
    if user is None or repo.provider not in UPGRADABLE_PROVIDERS:
        return False
    return upgrade_allowed_on(host_repo=repo_get(owner=repo.owner, name=repo.name), template=template, user=user)


def upgrade_allowed_on(*, host_repo: GitRepository | None, template: Entity, user) -> bool:
    """upgrade_allowed for a repository of the git host already read (None: it is not there)."""
    if user is None or host_repo is None:
        return False
    resource = dataclasses.replace(entity_resource(template), type=TEMPLATE,
                                   owner_refs=repository_resource(host_repo).owner_refs)
    return authorize(user, "scaffolder.template.upgrade", resource) and repo_may_push(user=user, repo=host_repo)


# --- Upgrading ---------------------------------------------------------------------------------


def lineage_upgrade(*, template_ref: str, actor_id: int | None) -> list[UpgradeResult]:
    """Upgrade every repository of the template that is behind (what the Celery task runs)."""
    template = template_get_by_ref(ref=template_ref)
    if template is None:
        logger.warning("lineage upgrade: template %s no longer exists", template_ref)
        return []
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    version = template_version(template=template)
    results = []
    queryset = ScaffoldedRepository.objects.filter(template_ref=template.ref).exclude(template_version=version)
    for repo in queryset.select_related("run", "run__created_by").order_by("created_at", "id"):
        try:
            result = lineage_upgrade_repository(repo=repo, template=template, actor=actor, version=version)
        except Exception as exc:  # one broken repository must not stop the others
            logger.exception("lineage upgrade of %s/%s crashed", repo.owner, repo.name)
            result = UpgradeResult(f"{repo.owner}/{repo.name}", "failed", message=f"unexpected error: {exc}")
        if result.status == "failed":
            logger.warning("lineage upgrade of %s failed: %s", result.repository, result.message)
        results.append(result)
    return results


def lineage_upgrade_repository(*, repo: ScaffoldedRepository, template: Entity, actor,
                               version: str | None = None) -> UpgradeResult:
    """Open paved/upgrade-<version> on `repo` with the current template merged in. Idempotent.

    `version` is the template's current version when the caller has it already (hashing the
    template's files once per repository is the slow part of an upgrade of many).
    """
    full_name = f"{repo.owner}/{repo.name}"
    if repo.provider not in UPGRADABLE_PROVIDERS:
        return UpgradeResult(full_name, "unsupported", message=f"upgrade not supported for {repo.provider} yet")
    if repo_get(owner=repo.owner, name=repo.name) is None:
        return UpgradeResult(full_name, "failed", message=f"repository {full_name} does not exist")
    if not upgrade_allowed(repo=repo, template=template, user=actor):
        return UpgradeResult(full_name, "not-yours", message=f"not yours: only those who may push to {full_name} "
                                                             "(its owner's members) upgrade it")
    version = version or template_version(template=template)
    try:
        existing = upgrade_branch_state(repo, version)
        if existing:
            return UpgradeResult(full_name, "exists", existing["branch"], existing["commit"],
                                 tuple(existing["conflicts"]), "the upgrade branch already exists")
        return _upgrade(repo, template, version, actor)
    except (GitHostError, UpgradeError) as exc:
        return UpgradeResult(full_name, "failed", message=str(exc))


def _upgrade(repo: ScaffoldedRepository, template: Entity, version: str, actor) -> UpgradeResult:
    full_name = f"{repo.owner}/{repo.name}"
    ours = repo_head(owner=repo.owner, name=repo.name, branch=repo.default_branch)
    if not ours:
        raise UpgradeError(f"{full_name} has no branch {repo.default_branch!r} to upgrade")
    if merged_template_version(repo, ours) == version:
        return UpgradeResult(full_name, "up-to-date", message=f"{repo.default_branch} already has version {version}")
    author = _author(actor)
    theirs_branch = TEMPLATE_BRANCH_PREFIX + version
    audit = {"actor": actor, "via": f"upgrade to {template.ref} version {version}"}
    with tempfile.TemporaryDirectory(prefix="paved-upgrade-") as scratch:
        source = _render(repo, template, version, Path(scratch), actor)
        base = _base(repo, ours)
        created = repo_branch_create(owner=repo.owner, name=repo.name, branch=theirs_branch, start_point=base,
                                     **audit)
        try:
            theirs = repo_commit_tree(owner=repo.owner, name=repo.name, branch=theirs_branch, source_dir=source,
                                      message=f"{template.ref} at version {version}, rendered with the stored answers",
                                      author_name=author[0], author_email=author[1], **audit)
        except GitHostError:
            if created:  # a template branch left at BASE would read as "merged": this version up to date
                repo_branch_delete(owner=repo.owner, name=repo.name, branch=theirs_branch, expected=base, **audit)
            raise
    if repo_is_ancestor(owner=repo.owner, name=repo.name, ancestor=theirs, descendant=ours):
        return UpgradeResult(full_name, "up-to-date", message="the new version renders no change to this repository")
    branch = UPGRADE_BRANCH_PREFIX + version
    message = (f"Upgrade to {template.ref} version {version}\n\nMerges the re-rendered template ({theirs_branch}) "
               f"into {repo.default_branch}. Review it, resolve any conflicts, then merge this branch.\n")
    merged = repo_merge_to_branch(owner=repo.owner, name=repo.name, ours=repo.default_branch, theirs=theirs_branch,
                                  branch=branch, message=message, author_name=author[0], author_email=author[1],
                                  **audit)
    if merged is None:  # of two workers upgrading at once, one branch wins and is kept
        existing = upgrade_branch_state(repo, version)
        if existing is None:
            raise UpgradeError(f"cannot create {branch}")
        commit, conflicts = existing["commit"], existing["conflicts"]
    else:
        commit, conflicts = merged.commit, merged.conflicts
    ScaffoldedRepository.objects.filter(pk=repo.pk).update(upgraded_at=timezone.now(), upgraded_to_version=version)
    return UpgradeResult(full_name, "upgraded", branch, commit, tuple(conflicts))


def _base(repo: ScaffoldedRepository, ours: str) -> str:
    """The commit of the last render the owner has: the newest merged template branch, else the root commit."""
    version = merged_template_version(repo, ours)
    base = (repo_head(owner=repo.owner, name=repo.name, branch=TEMPLATE_BRANCH_PREFIX + version) if version
            else repo_root_commit(owner=repo.owner, name=repo.name, ref=ours))
    if not base:
        raise UpgradeError("the default branch has no root commit")
    return base


def _author(actor) -> tuple[str, str]:
    if actor is None:
        return "Paved", "paved@localhost"
    name = actor.get_full_name() or actor.get_username()
    return name, actor.email or f"{actor.get_username()}@users.noreply.paved"


def _render(repo: ScaffoldedRepository, template: Entity, version: str, scratch: Path, actor) -> Path:
    """The current template rendered with the repository's answers; returns its published directory."""
    spec = (template.body or {}).get("spec") or {}
    origin = repo.run
    # The original creator, not whoever clicks Upgrade: templates that render `user` would otherwise
    # show a spurious change in every file that mentions them.
    creator = origin.created_by if origin and origin.created_by_id else actor
    run = ScaffoldRun(
        template_ref=template.ref, template_version=version, spec=spec, values=_values(repo.values, spec),
        template_base=template_base(template=template), created_by=creator,
        created_by_ref=(origin.created_by_ref if origin else "") or actor_ref(creator),
    )
    workspace = scratch / "workspace"
    try:
        render_files_only(run=run, workspace=workspace, steps_outputs=origin.step_outputs if origin else None)
        source = resolve_inside(workspace, repo.source_path, field_name="sourcePath")
    except StepFailed as exc:
        raise UpgradeError(f"rendering {template.ref} failed: {exc.message}") from None
    except (ActionError, ActionCancelled, ExpressionError) as exc:
        raise UpgradeError(f"rendering {template.ref} failed: {exc}") from None
    if not source.is_dir():
        raise UpgradeError(f"sourcePath {repo.source_path!r} is not a directory of the new render")
    return source


def _values(values, spec: dict) -> dict:
    """The stored answers, plus the defaults of parameters the template gained since."""
    values = dict(values) if isinstance(values, dict) else {}
    for step in parameter_steps(spec):
        properties = step["schema"].get("properties")
        for name, prop in (properties if isinstance(properties, dict) else {}).items():
            if name not in values and isinstance(prop, dict) and "default" in prop:
                values[name] = prop["default"]
    return values
