"""Use cases that change docs: sync a site with its entity, request, claim and run builds, publish.

The catalog is only read. Builds are DocsBuild rows: requested here, claimed by a worker with a
conditional UPDATE, run by builder.build_site(), and published in one transaction so the last
good site stays online when a build fails.
"""

import logging
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog.lib.refs import split_key
from catalog.models import Entity
from catalog.selectors import accounts_for_refs
from catalog.sources import source_path_allowed
from core.audit import audit_record
from core.notifications import notify
from core.queue import task_enqueue_on_commit
from techdocs import builder, http_source, repo_source, search, storage
from techdocs.models import DocsBuild, DocsPage, DocsSite
from techdocs.selectors import docs_build_active, documented_entities, techdocs_ref_of
from techdocs.signals import docs_published

logger = logging.getLogger(__name__)
MAX_LOG_CHARS = 200_000


class RefError(Exception):
    """The techdocs-ref cannot be resolved to a directory; shown on the entity's docs page."""


def _export(host_url) -> Path:
    try:
        return repo_source.export_from_git_host(host_url)
    except repo_source.RepoSourceError as exc:
        raise RefError(str(exc)) from None


def _fetch_http(url: str, *, relative: str | None = None) -> Path:
    """The site at `url`, or at `dir:<relative>` seen from the catalog file at `url`, read over HTTP."""
    try:
        return http_source.fetch_docs(http_source.dir_base(url, relative) if relative is not None else url)
    except http_source.HttpSourceError as exc:
        raise RefError(str(exc)) from None


def _resolve_dir(target: str, entity_source: str) -> Path:
    if entity_source.startswith("file:"):
        base = Path(entity_source[len("file:"):]).parent
        path = (base / target).resolve() if target else base.resolve()
        if not source_path_allowed(path=path):
            raise RefError(f"dir:{target} resolves to {path}, outside the directories the portal may read "
                           "(PAVED_FILE_ROOTS).")
        if not path.is_dir():
            raise RefError(f"dir:{target} resolves to {path}, which is not a readable directory.")
        return path
    if entity_source.startswith("url:"):
        file_url = entity_source[len("url:"):]
        host_url = repo_source.git_host_location(file_url)
        if host_url is None:  # a plain URL location: read the site over HTTP next to catalog-info.yaml
            return _fetch_http(file_url, relative=target)
        try:
            return _export(repo_source.dir_on_git_host(host_url, target))
        except repo_source.RepoSourceError as exc:
            raise RefError(str(exc)) from None
    raise RefError(f"dir:{target} cannot be resolved: the entity has no source location.")


def resolve_source(*, techdocs_ref: str, entity_source: str) -> Path:
    """The directory a `backstage.io/techdocs-ref` points at, or RefError saying why not.

    Files are read in place, the git host's repositories are exported (repo_source), and other
    http(s) hosts in PAVED_READ_ALLOW are fetched page by page from the mkdocs nav (http_source).
    """
    if not techdocs_ref:
        raise RefError("The entity has no backstage.io/techdocs-ref annotation.")
    scheme, _, target = techdocs_ref.partition(":")
    if scheme == "dir":
        return _resolve_dir(target, entity_source)
    if scheme == "url":
        if target.startswith("file:"):
            return resolve_source(techdocs_ref=f"dir:{target[5:]}", entity_source="file:/")
        host_url = repo_source.git_host_location(target)
        if host_url is not None:
            return _export(host_url)
        if not target.startswith(("http://", "https://")):
            raise RefError(f"url:{target}: expected an http(s) URL or a file: path.")
        return _fetch_http(target)
    raise RefError(f"{techdocs_ref!r} is not a techdocs reference: expected dir:<path> or url:<location>.")


def docs_site_sync(*, entity: Entity) -> DocsSite:
    """Create or update the entity's DocsSite: resolved source, its content hash and change time."""
    kind, namespace, name = split_key(entity.ref)
    ref_value = techdocs_ref_of(entity)
    site, _ = DocsSite.objects.get_or_create(
        entity_ref=entity.ref, defaults={"namespace": namespace, "kind": kind, "name": name})
    try:
        source = resolve_source(techdocs_ref=ref_value, entity_source=entity.source or "")
        source_hash = builder.source_hash(source)
        error, source_dir = "", str(source)
    except RefError as exc:
        source, source_hash, error, source_dir = None, "", str(exc), ""
    changes = {"techdocs_ref": ref_value, "ref_error": error, "source_dir": source_dir}
    if source_hash and source_hash != site.source_hash:
        changes["source_hash"] = source_hash
        mtime = builder.latest_change(source)
        changes["source_changed_at"] = datetime.fromtimestamp(mtime, tz=UTC) if mtime else timezone.now()
    changed = {k: v for k, v in changes.items() if getattr(site, k) != v}
    if changed:
        DocsSite.objects.filter(pk=site.pk).update(**changed)
        for key, value in changed.items():
            setattr(site, key, value)
    return site


def _needs_build(site: DocsSite) -> DocsBuild.Reason | None:
    if site.ref_error or not site.source_hash or site.source_hash == site.built_hash:
        return None
    # A source that failed to build is not retried until it changes (or someone asks).
    if site.builds.filter(Q(source_hash=site.source_hash, status=DocsBuild.Status.FAILED)
                          | Q(status__in=DocsBuild.ACTIVE_STATUSES)).exists():
        return None
    return DocsBuild.Reason.SOURCE_CHANGED if site.built_hash else DocsBuild.Reason.REGISTERED


def docs_scan(*, enqueue: bool = True) -> list[int]:
    """Beat: sync every documented entity and request builds for new or changed sources."""
    requested = []
    refs = []
    for entity in documented_entities().only("id", "ref", "body", "source").iterator(chunk_size=200):
        refs.append(entity.ref)
        site = docs_site_sync(entity=entity)
        reason = _needs_build(site)
        if reason:
            requested.append(docs_build_request(site=site, reason=reason, enqueue=enqueue).pk)
    for site in DocsSite.objects.exclude(entity_ref__in=refs):
        docs_site_delete(site=site)  # the entity is gone or no longer documented
    return requested


def docs_site_ensure(*, entity: Entity) -> DocsSite:
    """The entity's DocsSite row, created from the catalog alone: no source is read (that is
    docs_site_sync's, in a task), so a request may call this."""
    kind, namespace, name = split_key(entity.ref)
    site, _ = DocsSite.objects.get_or_create(
        entity_ref=entity.ref,
        defaults={"namespace": namespace, "kind": kind, "name": name, "techdocs_ref": techdocs_ref_of(entity)})
    return site


def docs_site_refresh(*, entity_ref: str, enqueue: bool = True) -> DocsBuild | None:
    """Sync one documented entity's site with its source and request a build if it is new or changed:
    the scan's work for one entity, run by a task when a page finds the site missing."""
    entity = documented_entities().filter(ref=entity_ref.lower()).only("id", "ref", "body", "source").first()
    if entity is None:
        return None
    site = docs_site_sync(entity=entity)
    reason = _needs_build(site)
    return docs_build_request(site=site, reason=reason, enqueue=enqueue) if reason else None


def docs_entity_registered(*, entity_ref: str, enqueue: bool = True) -> DocsBuild | None:
    """Build a newly registered entity's docs now rather than at the next scan (the scaffolder calls this)."""
    return docs_site_refresh(entity_ref=entity_ref, enqueue=enqueue)


def docs_site_delete(*, site: DocsSite) -> None:
    root = storage.site_root(namespace=site.namespace, kind=site.kind, name=site.name)
    with transaction.atomic():
        search.index_remove(site=site)
        site.delete()
    storage.remove_quietly(root)  # every build of the site, including copies left by interrupted publishes


def docs_build_request(*, site: DocsSite, reason: str = DocsBuild.Reason.MANUAL, actor=None,
                       enqueue: bool = True) -> DocsBuild:
    """Queue a build, or return the one already queued or running (two requests build once).
    A person's request is audited (automatic builds after a change or a scan are not: the
    DocsBuild row records them)."""
    active = docs_build_active(site=site)
    if active and _fail_if_lost(active):  # its worker died: a new request gets a new build
        active = None
    if active:
        _build_audit(actor=actor, site=site, build=active, reason=reason, joined=True)
        return active
    try:
        with transaction.atomic():
            build = DocsBuild.objects.create(site=site, reason=reason, source_hash=site.source_hash,
                                             requested_by=actor, enqueued_at=timezone.now() if enqueue else None)
            _build_audit(actor=actor, site=site, build=build, reason=reason, joined=False)
    except IntegrityError:  # a concurrent request won the partial unique index
        return docs_build_active(site=site)
    if enqueue:
        task_enqueue_on_commit("techdocs.tasks.docs_build_execute", build.pk)
    return build


def _build_audit(*, actor, site: DocsSite, build: DocsBuild, reason: str, joined: bool) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    audit_record(actor=actor, action="techdocs.entity.build", target=site.entity_ref,
                 detail={"build": build.pk, "reason": str(reason), "joined_running_build": joined})


def docs_build_claim(*, build_id: int, task_id: str) -> bool:
    """queued → running for this task; a retry of the same task may re-claim its own run."""
    now = timezone.now()
    claimed = DocsBuild.objects.filter(pk=build_id, status=DocsBuild.Status.QUEUED).update(
        status=DocsBuild.Status.RUNNING, task_id=task_id, started_at=now, heartbeat_at=now, step="Starting")
    if claimed:
        return True
    return bool(task_id) and DocsBuild.objects.filter(
        pk=build_id, status=DocsBuild.Status.RUNNING, task_id=task_id).exists()


class DatabaseProgress:
    """Reporter that writes the log and percentage to the build row, at most every half second."""

    def __init__(self, build_id: int, *, interval: float = 0.5):
        self.build_id = build_id
        self.lines: list[str] = []
        self.percent = 0
        self.interval = interval
        self._flushed = 0.0

    def log(self, line: str) -> None:
        self.lines.append(line)
        self._maybe_flush()

    def progress(self, done: int, total: int) -> None:
        self.percent = min(95, 10 + int(80 * done / max(total, 1)))
        self._maybe_flush()

    def step(self, name: str, percent: int) -> None:
        self.percent = percent
        self.lines.append(f"INFO    -  [paved] {name}")
        self.flush(step=name)

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._flushed >= self.interval:
            self.flush()

    def flush(self, step: str | None = None) -> None:
        self._flushed = time.monotonic()
        fields = {"log": "\n".join(self.lines)[-MAX_LOG_CHARS:], "progress": self.percent,
                  "heartbeat_at": timezone.now()}
        if step:
            # Steps name the source directory, which can be longer than the column.
            fields["step"] = step[: DocsBuild._meta.get_field("step").max_length]
        DocsBuild.objects.filter(pk=self.build_id).update(**fields)


def _prefixes(site: DocsSite) -> tuple[str, str]:
    kw = {"namespace": site.namespace, "kind": site.kind, "name": site.name}
    page_prefix = reverse("techdocs:site", kwargs=kw)
    file_prefix = reverse("techdocs_api:static", kwargs={**kw, "path": "x"})[:-1]
    return page_prefix, file_prefix


def _limits() -> builder.Limits:
    return builder.Limits(timeout_seconds=settings.PAVED_TECHDOCS_BUILD_TIMEOUT,
                          max_file_bytes=settings.PAVED_TECHDOCS_MAX_FILE_BYTES,
                          max_pages=settings.PAVED_TECHDOCS_MAX_PAGES)


def _finish(build: DocsBuild, report: DatabaseProgress, *, status: str, error: str = "") -> None:
    report.flush()
    DocsBuild.objects.filter(pk=build.pk).update(status=status, error=error, finished_at=timezone.now(),
                                                 progress=100, step="Done" if not error else "Failed")
    if status == DocsBuild.Status.FAILED:
        _notify_owners_of_failure(build, error)


def _notify_owners_of_failure(build: DocsBuild, error: str) -> None:
    """Tell the entity's owners (a User, or a Group's members) that its docs failed to build; once per
    source version, not again for the rebuilds the scan tries."""
    site = build.site
    earlier = DocsBuild.objects.filter(site=site, source_hash=build.source_hash, status=DocsBuild.Status.FAILED)
    if earlier.exclude(pk=build.pk).exists():
        return
    owner = Entity.objects.filter(ref=site.entity_ref).values_list("owner_ref", flat=True).first()
    if not owner:
        return
    notify(users=accounts_for_refs([owner]), title=f"Docs build failed for {site.name}", description=error[:2000],
           link=reverse("techdocs:build_status", kwargs={"namespace": site.namespace, "kind": site.kind,
                                                        "name": site.name}),
           severity="high", topic="techdocs", origin=f"techdocs:{site.entity_ref}")


def docs_build_execute(*, build_id: int, report: DatabaseProgress | None = None) -> DocsBuild | None:
    """Run a claimed build (see docs_build_claim) and publish it if it succeeds."""
    build = DocsBuild.objects.select_related("site").filter(pk=build_id).first()
    if build is None or build.status != DocsBuild.Status.RUNNING:
        return build  # gone, not claimed, or already done by an earlier delivery
    report = report or DatabaseProgress(build.pk)
    site = build.site
    entity = documented_entities().filter(ref=site.entity_ref).only("id", "ref", "body", "source").first()
    try:
        if entity is None:
            raise builder.BuildError(f"{site.entity_ref} is no longer a documented entity in the catalog.")
        report.step("Resolving the techdocs reference", 2)
        site = docs_site_sync(entity=entity)  # fresh source hash and change time
        if site.ref_error:
            raise RefError(site.ref_error)
        source, source_hash = Path(site.source_dir), site.source_hash
        report.step(f"Building {source} with mkdocs and techdocs-core", 5)
        path = storage.build_path(namespace=site.namespace, kind=site.kind, name=site.name, build_id=build.pk)
        page_prefix, file_prefix = _prefixes(site)
        with tempfile.TemporaryDirectory(prefix="paved-docs-") as scratch:
            output = Path(scratch) / "site"
            result = builder.build_site(source_dir=source, output_dir=output, site_name=site.name,
                                        page_prefix=page_prefix, file_prefix=file_prefix, report=report,
                                        limits=_limits(), etag=source_hash)
            report.step(f"Built {len(result.pages)} pages in {result.seconds:.1f} s; publishing and indexing", 96)
            storage.publish(output, path)  # under a fresh path nothing points at yet
        try:
            _publish(site=site, build=build, result=result, storage_path=path, source_hash=source_hash)
        except Exception:
            storage.remove_quietly(path)  # the switch did not happen: the new copy is unreachable
            raise
    except (RefError, builder.BuildError) as exc:
        report.lines.append(f"ERROR   -  {exc}")
        _finish(build, report, status=DocsBuild.Status.FAILED, error=str(exc))
    except Exception as exc:
        logger.exception("docs build %s failed", build.pk)
        report.lines.append(f"ERROR   -  Internal error: {type(exc).__name__}: {exc}")
        _finish(build, report, status=DocsBuild.Status.FAILED, error=f"Internal error ({type(exc).__name__}).")
    else:
        _finish(build, report, status=DocsBuild.Status.SUCCEEDED)
    build.refresh_from_db()
    return build


def _page_row(site: DocsSite, page: builder.Page) -> DocsPage:
    headings = " ".join(s["title"] for s in page.sections if s.get("id"))
    body = " ".join(s["text"] for s in page.sections)
    updated = datetime.fromtimestamp(page.mtime, tz=UTC) if page.mtime else None
    edit_url = page.edit_url if page.edit_url.startswith(("https://", "http://")) else ""
    return DocsPage(site=site, path=page.url[:1000], title=page.title[:500], html=page.html, toc=page.toc,
                    sections=page.sections, headings=headings, body=body, edit_url=edit_url[:2000],
                    updated_at=updated)


def _publish(*, site: DocsSite, build: DocsBuild, result: builder.BuildResult, storage_path: str,
             source_hash: str) -> None:
    old_path = site.storage_path
    now = timezone.now()
    with transaction.atomic():
        search.index_remove(site=site)
        DocsPage.objects.filter(site=site).delete()
        pages = DocsPage.objects.bulk_create([_page_row(site, p) for p in result.pages], batch_size=200)
        search.index_replace(site=site, pages=pages)
        fields = {
            "storage_path": storage_path, "published_build": build, "site_name": result.site_name[:255],
            "site_description": result.site_description, "nav": result.nav, "files": result.files,
            "page_count": len(pages), "built_at": now, "built_hash": source_hash,
        }
        DocsSite.objects.filter(pk=site.pk).update(**fields)
        if old_path and old_path != storage_path:
            transaction.on_commit(lambda: storage.remove_quietly(old_path))
        entity_ref = site.entity_ref
        transaction.on_commit(lambda: _send_published(entity_ref))
    for key, value in fields.items():
        setattr(site, key, value)


def _send_published(entity_ref: str) -> None:
    for receiver, result in docs_published.send_robust(sender=DocsSite, entity_ref=entity_ref):
        if isinstance(result, Exception):
            logger.error("docs_published receiver %r failed: %s", receiver, result)


def docs_build_beat(*, build_id: int) -> None:
    """The running build's worker is alive (called by its heartbeat thread)."""
    DocsBuild.objects.filter(pk=build_id, status=DocsBuild.Status.RUNNING).update(heartbeat_at=timezone.now())


def _lost_message(build: DocsBuild) -> str:
    step = f" (last step: {build.step})" if build.step else ""
    return (f"The docs worker stopped while building{step}: it was restarted or killed. "
            "Rebuild to try again; the next scan also retries a site that was never built.")


def _fail_if_lost(build: DocsBuild) -> bool:
    """Fail a running build whose heartbeat stopped (its worker died); True when it did."""
    cutoff = timezone.now() - timedelta(seconds=settings.PAVED_TECHDOCS_STALE_SECONDS)
    if build.status != DocsBuild.Status.RUNNING or (build.heartbeat_at or build.started_at or cutoff) > cutoff:
        return False
    failed = DocsBuild.objects.filter(pk=build.pk, status=DocsBuild.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)).update(
        status=DocsBuild.Status.FAILED, error=_lost_message(build), finished_at=timezone.now(), step="Failed")
    if failed:
        logger.warning("docs build %s lost its worker; marked failed", build.pk)
    return bool(failed)


def docs_builds_sweep() -> dict:
    """Beat: fail running builds whose worker died; send again queued builds whose message was lost
    (a broker restart, a failed enqueue). The row is the truth; a duplicate message is refused by
    docs_build_claim, so sending twice is safe."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.PAVED_TECHDOCS_STALE_SECONDS)
    lost = 0
    for build in DocsBuild.objects.filter(status=DocsBuild.Status.RUNNING).filter(
            Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)):
        lost += _fail_if_lost(build)
    # A queued build may wait behind others (the docs worker builds one at a time): re-send each at
    # most once per window, so a long queue is not flooded with copies.
    window = now - timedelta(seconds=settings.PAVED_TECHDOCS_RESEND_SECONDS)
    resent = 0
    waiting = DocsBuild.objects.filter(status=DocsBuild.Status.QUEUED).filter(
        Q(enqueued_at__lt=window) | Q(enqueued_at__isnull=True, created_at__lt=window))
    for build_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            if DocsBuild.objects.filter(pk=build_id, status=DocsBuild.Status.QUEUED).update(enqueued_at=now):
                task_enqueue_on_commit("techdocs.tasks.docs_build_execute", build_id)
                resent += 1
    return {"lost": lost, "resent": resent}


def docs_build_here(*, build_id: int) -> DocsBuild | None:
    """Claim and run a build in this process (management command, tests); None if someone else has it."""
    if not docs_build_claim(build_id=build_id, task_id=f"local-{uuid.uuid4()}"):
        return None
    return docs_build_execute(build_id=build_id)
