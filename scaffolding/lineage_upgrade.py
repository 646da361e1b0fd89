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

`scaffolding.lineage` re-exports the public names here; the lineage page reads the branch state
through `upgrade_branch_state` and `merged_template_version`.

Access (issue 9): an upgrade opens branches on a repository, so it is made only for a person who
may push to it (githost.repository.push: its owner's members) and holds scaffolder.template.upgrade
for it: checked against the template (its kind, tags, annotations) as owned by the repository's
owner, so the default owner-only grant means "the owners of the repository", not "of the template".
The worker checks again, for every repository, as whoever asked.
"""

import dataclasses
import logging
import os
import subprocess
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
    git_run,
    repo_branch_create,
    repo_branch_delete,
    repo_commit_tree,
    repo_get,
    repo_git_dir,
    repo_head,
    repo_log,
)
from scaffolding.models import ScaffoldedRepository, ScaffoldRun
from scaffolding.selectors import parameter_steps, template_base, template_get_by_ref, template_version

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


def conflicts_from_message(message: str) -> list[str]:
    """The files listed under "Conflicts:" in an upgrade commit's message (git's own convention)."""
    _, found, rest = message.partition("\nConflicts:\n")
    return [line.strip() for line in rest.splitlines() if line.startswith("\t") and line.strip()] if found else []


def _git(git_dir: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    """git against a bare repository, unchecked (merge-tree and merge-base answer with their exit status)."""
    with tempfile.TemporaryDirectory(prefix="paved-lineage-home-") as home:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": "C", "GIT_DIR": str(git_dir),
               "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_TERMINAL_PROMPT": "0"}
        return subprocess.run(["git", *args], input=input, capture_output=True, env=env, cwd=git_dir, timeout=300)


def merged_template_version(git_dir: Path, head: str) -> str:
    """The version of the newest paved/template-<v> branch merged into `head`, or "" when none is."""
    tips = {}
    out = _git(git_dir, "for-each-ref", f"--merged={head}", "--format=%(objectname) %(refname:lstrip=2)",
               f"refs/heads/{TEMPLATE_BRANCH_PREFIX}*").stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        sha, _, branch = line.partition(" ")
        tips.setdefault(sha, branch)
    if not tips:
        return ""
    # The one no other merged template branch descends from; on a tie (unrelated), the newest commit.
    independent = _git(git_dir, "merge-base", "--independent", *tips).stdout.decode().split()
    newest = _git(git_dir, "rev-list", "--no-walk", "--max-count=1", *(independent or tips)).stdout.decode().strip()
    return tips.get(newest, "").removeprefix(TEMPLATE_BRANCH_PREFIX)


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
    git_dir = repo_git_dir(repo.owner, repo.name)
    ours = repo_head(owner=repo.owner, name=repo.name, branch=repo.default_branch)
    if not ours:
        raise UpgradeError(f"{full_name} has no branch {repo.default_branch!r} to upgrade")
    if merged_template_version(git_dir, ours) == version:
        return UpgradeResult(full_name, "up-to-date", message=f"{repo.default_branch} already has version {version}")
    author = _author(actor)
    theirs_branch = TEMPLATE_BRANCH_PREFIX + version
    audit = {"actor": actor, "via": f"upgrade to {template.ref} version {version}"}
    with tempfile.TemporaryDirectory(prefix="paved-upgrade-") as scratch:
        source = _render(repo, template, version, Path(scratch), actor)
        base = _base(git_dir, ours)
        created = repo_branch_create(owner=repo.owner, name=repo.name, branch=theirs_branch, start_point=base,
                                     **audit)
        try:
            theirs = repo_commit_tree(owner=repo.owner, name=repo.name, branch=theirs_branch, source_dir=source,
                                      message=f"{template.ref} at version {version}, rendered with the stored answers",
                                      author_name=author[0], author_email=author[1], **audit)
        except GitHostError:
            if created:  # a template branch left at BASE would read as "merged": this version up to date
                repo_branch_delete(owner=repo.owner, name=repo.name, branch=theirs_branch, expected=git_run(
                    repo.owner, repo.name, "rev-parse", f"{base}^{{commit}}").decode().strip(), **audit)
            raise
    if _git(git_dir, "merge-base", "--is-ancestor", theirs, ours).returncode == 0:
        return UpgradeResult(full_name, "up-to-date", message="the new version renders no change to this repository")
    branch = UPGRADE_BRANCH_PREFIX + version
    commit, conflicts = _merge(repo, git_dir, ours=ours, theirs=(theirs, theirs_branch), branch=branch,
                               author=author, title=f"Upgrade to {template.ref} version {version}", audit=audit)
    ScaffoldedRepository.objects.filter(pk=repo.pk).update(upgraded_at=timezone.now(), upgraded_to_version=version)
    return UpgradeResult(full_name, "upgraded", branch, commit, tuple(conflicts))


def _base(git_dir: Path, ours: str) -> str:
    """The last render the owner has: the newest merged template branch, else the root commit."""
    version = merged_template_version(git_dir, ours)
    if version:
        return f"refs/heads/{TEMPLATE_BRANCH_PREFIX}{version}"
    roots = _git(git_dir, "rev-list", "--first-parent", "--max-parents=0", ours).stdout.decode().split()
    if not roots:
        raise UpgradeError("the default branch has no root commit")
    return roots[-1]


def _author(actor) -> tuple[str, str]:
    if actor is None:
        return "Paved", "paved@localhost"
    name = actor.get_full_name() or actor.get_username()
    return name, actor.email or f"{actor.get_username()}@users.noreply.paved"


def _render(repo: ScaffoldedRepository, template: Entity, version: str, scratch: Path, actor) -> Path:
    """The current template rendered with the repository's answers; returns its published directory."""
    from scaffolding.actions.base import ActionCancelled, ActionError, resolve_inside
    from scaffolding.lib.expressions import ExpressionError
    from scaffolding.runner import StepFailed, render_files_only
    from scaffolding.services import actor_ref

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


def _merge(repo, git_dir: Path, *, ours: str, theirs: tuple[str, str], branch: str, author: tuple[str, str],
           title: str, audit: dict) -> tuple[str, list[str]]:
    """Commit the merge of theirs (sha, branch) into ours (conflict markers and all) as a new `branch`."""
    theirs_sha, theirs_branch = theirs
    for _attempt in range(3):
        # Branch names, not shas, so conflict markers say which side is which; full refs, as a tag named
        # like the branch would win over it. The heads are read again below to commit what was merged.
        merged = _git(git_dir, "merge-tree", "--write-tree", "-z", "--name-only", "--no-messages",
                      f"refs/heads/{repo.default_branch}", f"refs/heads/{theirs_branch}")
        now = repo_head(owner=repo.owner, name=repo.name, branch=repo.default_branch)
        then = repo_head(owner=repo.owner, name=repo.name, branch=theirs_branch)
        if (now, then) == (ours, theirs_sha):
            break
        ours, theirs_sha = now or ours, then or theirs_sha  # someone pushed meanwhile: merge what is there now
    else:
        raise UpgradeError(f"{repo.default_branch} keeps changing; try the upgrade again later")
    if merged.returncode not in (0, 1):
        raise UpgradeError(f"git merge-tree failed: {merged.stderr.decode('utf-8', 'replace').strip()}")
    tree, *names = merged.stdout.decode("utf-8", "replace").split("\0")
    conflicts = sorted({name for name in names if name}) if merged.returncode == 1 else []
    message = (f"{title}\n\nMerges the re-rendered template ({theirs_branch}) into {repo.default_branch}. "
               "Review it, resolve any conflicts, then merge this branch.\n")
    if conflicts:
        message += "\nConflicts:\n" + "".join(f"\t{name}\n" for name in conflicts)
    env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1]}
    commit = git_run(repo.owner, repo.name, "commit-tree", tree.strip(), "-p", ours, "-p", theirs_sha, "-F", "-",
                     input=message.encode(), env=env).decode().strip()
    # Create-only: of two workers upgrading at once, one branch wins and is kept.
    if not repo_branch_create(owner=repo.owner, name=repo.name, branch=branch, start_point=commit, **audit):
        existing = upgrade_branch_state(repo, branch.removeprefix(UPGRADE_BRANCH_PREFIX))
        if existing is None:
            raise UpgradeError(f"cannot create {branch}")
        return existing["commit"], existing["conflicts"]
    return commit, conflicts
