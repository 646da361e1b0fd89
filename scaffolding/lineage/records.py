"""Template lineage: the repositories a template made, and the page that lists them.

Recording: when a run completes, each repository its publishing steps recorded (actions with
`publishes`, through `ctx.record_published`) becomes a ScaffoldedRepository row holding the
template's version and the answers behind it.

Reading: the lineage page lists them with their upgrade state, read from the git host.
Upgrading is `scaffolding.lineage.upgrade`; this module queues it.
"""

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from catalog.models import Entity
from catalog.selectors import entity_url
from core.audit import audit_record
from githost.models import GitRepository
from githost.services import GitHostError, repo_git_dir, repo_head
from scaffolding.actions import action_get
from scaffolding.actions.base import published_records
from scaffolding.lineage import tasks
from scaffolding.lineage.upgrade import (
    UPGRADABLE_PROVIDERS,
    merged_template_version,
    upgrade_allowed_on,
    upgrade_branch_state,
)
from scaffolding.models import ScaffoldedRepository, ScaffoldRun, ScaffoldStep
from scaffolding.selectors import template_version
from scaffolding.signals import lineage_recorded

logger = logging.getLogger(__name__)

MAX_ROWS = 200


# --- Recording ---------------------------------------------------------------------------------


def lineage_record(*, run_id) -> list[ScaffoldedRepository]:
    """Upsert one row per repository a completed, non-dry run published. Idempotent; never raises."""
    try:
        run = ScaffoldRun.objects.filter(pk=run_id).first()
    except (ValueError, ValidationError):
        run = None
    if run is None or run.status != ScaffoldRun.Status.COMPLETED or run.dry_run:
        return []
    try:
        rows = _record(run)
    except Exception:  # lineage is a by-product of a finished run: never fail the run's task over it
        logger.exception("lineage of scaffolder run %s could not be recorded", run.pk)
        return []
    refs = sorted({r.entity_ref.lower() for r in rows if r.entity_ref})
    if rows:
        transaction.on_commit(lambda: _send_recorded(refs))
    return rows


def _send_recorded(refs: list[str]) -> None:
    for receiver, result in lineage_recorded.send_robust(sender=ScaffoldedRepository, entity_refs=refs):
        if isinstance(result, Exception):
            logger.error("lineage_recorded receiver %r failed: %s", receiver, result)


def _does(step: ScaffoldStep, what: str) -> bool:
    action = action_get(step.action)
    return action is not None and getattr(action, what)


def _record(run: ScaffoldRun) -> list[ScaffoldedRepository]:
    steps = list(run.steps.filter(status=ScaffoldStep.Status.COMPLETED).order_by("index"))
    outputs = run.step_outputs if isinstance(run.step_outputs, dict) else {}
    entity_ref = next((str(outputs.get(s.step_id, {}).get("entityRef") or "") for s in steps
                       if _does(s, "registers_entities") and isinstance(outputs.get(s.step_id), dict)), "")
    rows = []
    for step in steps:
        if not _does(step, "publishes"):
            continue
        for found in published_records(step.checkpoint):
            if not all(isinstance(found.get(key), str) and found[key] for key in ("provider", "owner", "repo")):
                logger.warning("lineage of run %s: step %s recorded an incomplete repository", run.pk, step.step_id)
                continue
            row, _ = ScaffoldedRepository.objects.update_or_create(
                provider=found["provider"][:20], owner=found["owner"][:200], name=found["repo"][:200],
                defaults={"run": run, "template_ref": run.template_ref, "template_version": run.template_version,
                          "values": run.values or {}, "remote_url": str(found.get("remote_url") or "")[:2000],
                          "default_branch": str(found.get("default_branch") or "main")[:200],
                          "source_path": str(found.get("source_path") or "")[:500],
                          "entity_ref": entity_ref[:500]},
            )
            rows.append(row)
    return rows


# --- Reading: the lineage page -----------------------------------------------------------------


@dataclass
class Lineage:
    """A template's current version and the repositories made from it, with their upgrade state."""

    template: Entity
    version: str
    repositories: list = field(default_factory=list)
    total: int = 0

    @property
    def behind(self) -> list:
        return [r for r in self.repositories if r.behind]

    @property
    def waiting(self) -> list:
        """Repositories behind whose upgrade branch could be opened now, by whoever may."""
        return [r for r in self.repositories if r.behind and r.upgrade_supported and not r.upgrade and not r.problem]

    @property
    def pending(self) -> list:
        """Repositories an upgrade by the person reading would open a branch on now."""
        return [r for r in self.waiting if r.yours]

    @property
    def not_yours(self) -> list:
        return [r for r in self.waiting if not r.yours]


def lineage_get(*, template: Entity, user=None) -> Lineage:
    """The lineage as `user` sees it: `yours` on each row says whether they may upgrade it."""
    version = template_version(template=template)
    queryset = ScaffoldedRepository.objects.filter(template_ref=template.ref).order_by("-created_at", "-id")
    lineage = Lineage(template=template, version=version, total=queryset.count())
    rows = list(queryset[:MAX_ROWS])
    hosted = _host_repositories(rows)
    for repo in rows:
        _decorate(repo, version)
        repo.yours = repo.upgrade_supported and upgrade_allowed_on(
            host_repo=hosted.get((repo.owner, repo.name)), template=template, user=user)
        lineage.repositories.append(repo)
    return lineage


def _host_repositories(rows: list) -> dict:
    """The git host's rows of the lineage's repositories, in one query: {(owner, name): GitRepository}."""
    wanted = {(r.owner, r.name) for r in rows if r.provider in UPGRADABLE_PROVIDERS}
    if not wanted:
        return {}
    found = GitRepository.objects.filter(owner__in={o for o, _ in wanted}, name__in={n for _, n in wanted})
    return {(r.owner, r.name): r for r in found if (r.owner, r.name) in wanted}


def _decorate(repo: ScaffoldedRepository, version: str) -> None:
    repo.full_name = f"{repo.owner}/{repo.name}"
    repo.entity_link = entity_url(repo.entity_ref.lower()) if repo.entity_ref else ""
    repo.upgrade_supported = repo.provider in UPGRADABLE_PROVIDERS
    repo.version, repo.upgrade, repo.last_upgrade, repo.problem = repo.template_version, None, None, ""
    parts = urlsplit(repo.remote_url or "")
    repo.browse_url = repo.remote_url if parts.scheme in ("http", "https") else ""
    if repo.upgrade_supported:
        repo.browse_url = reverse("githost:repo_detail", kwargs={"owner": repo.owner, "name": repo.name})
        try:
            _decorate_from_host(repo, version)
        except GitHostError as exc:
            repo.problem = str(exc)
    repo.behind = repo.version != version


def _decorate_from_host(repo: ScaffoldedRepository, version: str) -> None:
    repo_git_dir(repo.owner, repo.name)  # GitHostError when it is gone from disk: shown as the row's problem
    head = repo_head(owner=repo.owner, name=repo.name, branch=repo.default_branch)
    if head:
        repo.version = merged_template_version(repo, head) or repo.template_version
    repo.upgrade = upgrade_branch_state(repo, version)
    if repo.upgraded_to_version and repo.upgraded_to_version != version:
        repo.last_upgrade = upgrade_branch_state(repo, repo.upgraded_to_version)


# --- Queueing upgrades -------------------------------------------------------------------------


def lineage_upgrade_start(*, template: Entity, actor) -> int:
    """Queue the upgrade of the repositories of `template` that are behind and `actor` may upgrade;
    returns how many. PermissionDenied (audited) when some are behind but none of them is theirs."""
    lineage = lineage_get(template=template, user=actor)
    pending = len(lineage.pending)
    if not pending and lineage.not_yours:
        names = ", ".join(r.full_name for r in lineage.not_yours[:5])
        audit_record(actor=actor, action="scaffolder.template.upgrade", target=template.ref, outcome="denied",
                     detail={"not_yours": [r.full_name for r in lineage.not_yours]})
        raise PermissionDenied(f"None of the repositories behind is yours to upgrade ({names}): upgrading needs "
                               "scaffolder.template.upgrade and the right to push to the repository "
                               "(githost.repository.push, its owner's members).")
    if pending:
        ref, actor_id = template.ref, getattr(actor, "pk", None)
        transaction.on_commit(lambda: tasks.lineage_upgrade.delay(ref, actor_id))
    return pending
