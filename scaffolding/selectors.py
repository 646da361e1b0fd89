"""Reads for the scaffolder: templates (catalog entities of kind Template) and runs."""

import hashlib
import json
import os
import posixpath
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, QuerySet
from django.db.models.functions import Lower, TruncMonth

from catalog.lib.refs import entity_key, split_key
from catalog.models import Entity
from githost.services import GitHostError, names_host, parse_host_url, repo_tree_id
from scaffolding import access
from scaffolding.actions import action_registry
from scaffolding.actions.base import ActionInputError
from scaffolding.lib.fetch_base import resolve_in_repository
from scaffolding.models import ScaffoldedRepository, ScaffoldEvent, ScaffoldRun, ScaffoldStep

TEMPLATE_KIND = "template"
MANAGED_BY_LOCATION = "backstage.io/managed-by-location"
SOURCE_LOCATION = "backstage.io/source-location"


def _template_queryset() -> QuerySet:
    # Refs are stored lower case (and indexed); `kind` keeps the case the YAML used.
    return Entity.objects.filter(ref__startswith=f"{TEMPLATE_KIND}:", orphan=False)


def _decorate(template: Entity) -> Entity:
    metadata = (template.body or {}).get("metadata", {})
    template.title = template.title or metadata.get("title") or template.name
    template.description = template.description or metadata.get("description", "")
    template.tags = template.tags or metadata.get("tags", [])
    template.owner_name = split_key(template.owner_ref)[2] if template.owner_ref else ""
    return template


def template_list(*, query: str = "", tag: str = "") -> list[Entity]:
    """Templates ordered by title, filtered by words in their name/title/description and by a tag."""
    queryset = _template_queryset()
    for word in (query or "").lower().split()[:10]:
        queryset = queryset.filter(search_text__contains=word)
    templates = [_decorate(t) for t in queryset.order_by("name")[:500]]
    if tag:
        templates = [t for t in templates if tag.lower() in [str(x).lower() for x in t.tags]]
    return sorted(templates, key=lambda t: t.title.lower())


def template_tags() -> list[str]:
    tags: set[str] = set()
    for row in _template_queryset().values_list("tags", flat=True)[:500]:
        tags.update(str(tag) for tag in row or [])
    return sorted(tags)


def template_get(*, namespace: str, name: str) -> Entity | None:
    ref = entity_key(TEMPLATE_KIND, namespace, name)
    template = _template_queryset().filter(ref=ref).first()
    return _decorate(template) if template else None


def template_get_by_ref(*, ref: str) -> Entity | None:
    """`template:default/x`, `default/x` or `x` (Backstage's templateRef forms)."""
    ref = (ref or "").strip().lower()
    if ":" not in ref:
        ref = f"{TEMPLATE_KIND}:{ref}"
    kind, _, rest = ref.partition(":")
    namespace, _, name = rest.rpartition("/")
    if kind != TEMPLATE_KIND or not name:
        return None
    return template_get(namespace=namespace or "default", name=name)


def parameter_steps(spec: dict) -> list[dict]:
    """spec.parameters as a list of steps [{title, description, schema}], whichever form it takes."""
    parameters = spec.get("parameters") or []
    if isinstance(parameters, dict):
        parameters = [parameters]
    steps = []
    for index, schema in enumerate(parameters if isinstance(parameters, list) else []):
        if not isinstance(schema, dict):
            continue
        steps.append({
            "title": str(schema.get("title") or f"Step {index + 1}"),
            "description": str(schema.get("description") or ""),
            "schema": schema,
        })
    return steps


def template_missing_actions(*, spec) -> list[dict]:
    """The actions a template's steps name that this installation lacks, in order of first use:
    [{"action": "publish:bitbucket", "steps": ["publish"]}]. Create refuses such a template before it
    runs (better than failing half-way); the template page and the dry run say which are missing."""
    steps = spec.get("steps") if isinstance(spec, dict) else None
    if not isinstance(steps, list):
        return []
    installed = action_registry()
    missing: dict[str, list[str]] = {}
    for index, step in enumerate(steps):
        action = step.get("action") if isinstance(step, dict) else None
        if isinstance(action, str) and action and action not in installed:
            label = str(step.get("id") or step.get("name") or f"step-{index + 1}")
            missing.setdefault(action, []).append(label)
    return [{"action": action, "steps": labels} for action, labels in missing.items()]


def missing_actions_text(missing: list[dict]) -> str:
    """'publish:bitbucket' (step publish), 'x:y' (steps a, b)"""
    return ", ".join(f"{item['action']!r} (step{'s' if len(item['steps']) > 1 else ''} {', '.join(item['steps'])})"
                     for item in missing)


def template_parameter_steps(*, template: Entity, user=None) -> list[dict]:
    """The form's steps; with `user`, only the sections they may read (backstage:permissions tags)."""
    spec = (template.body or {}).get("spec", {})
    if user is not None and isinstance(spec, dict) and "parameters" in spec:
        allowed = access.parameters_for_user(parameters=spec["parameters"], user=user, template_ref=template.ref)
        spec = {**spec, "parameters": allowed}
    return parameter_steps(spec)


MAX_VERSION_FILES = 2000


def _skeleton_urls(spec: dict) -> list[str]:
    """The relative urls the template's fetch steps read (./skeleton, ./template...)."""
    urls = []
    for step in spec.get("steps") or []:
        if isinstance(step, dict) and str(step.get("action", "")).startswith("fetch:"):
            url = (step.get("input") or {}).get("url") if isinstance(step.get("input"), dict) else None
            if isinstance(url, str) and "${{" not in url and "://" not in url:
                urls.append(url)
    return sorted(set(urls))[:20]


def _tree_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    paths = [root] if root.is_file() else []
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            paths.extend(Path(dirpath) / f for f in sorted(filenames))
            if len(paths) > MAX_VERSION_FILES:
                break
    for path in paths[:MAX_VERSION_FILES]:
        if path.is_symlink() or not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _files_fingerprint(base: str, urls: list[str]) -> str:
    """What the skeletons hold: a skeleton edit is a new version even when the YAML is unchanged."""
    kind, _, target = base.partition(":")
    parts = []
    for url in urls:
        if kind == "file":
            parts.append(_tree_fingerprint(Path(posixpath.normpath(posixpath.join(target, url)))))
        elif kind == "url":
            try:  # resolved as the fetch steps resolve it: inside the template's repository only
                host_url = parse_host_url(resolve_in_repository(base_url=target, url=url))
            except ActionInputError:
                parts.append("refused")
                continue
            if host_url is None:
                continue
            try:
                parts.append(repo_tree_id(owner=host_url.owner, name=host_url.name, ref=host_url.ref,
                                          path=host_url.path))
            except GitHostError:
                parts.append("missing")
    return ",".join(parts)


def template_version(*, template: Entity) -> str:
    """A short content hash of the template's spec and files: what lineage records as its version."""
    spec = (template.body or {}).get("spec", {})
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode())
    digest.update(_files_fingerprint(template_base(template=template), _skeleton_urls(spec)).encode())
    return digest.hexdigest()[:12]


def template_base(*, template: Entity) -> str:
    """The directory the template's relative urls (./skeleton) are resolved against.

    As Backstage's getEntityBaseUrl: `backstage.io/source-location` when it is a URL, else the
    directory of `backstage.io/managed-by-location`. One exception: a source-location naming a
    repository of the built-in git host is honoured only when the template was read from that same
    repository. Fetch steps read the template's own repository whoever runs it (fetch_source's
    reader check exempts it), so an annotation the template's author writes must not make another
    repository, which its users may not be allowed to read, "its own".
    """
    annotations = (template.body or {}).get("metadata", {}).get("annotations", {}) or {}
    location = annotations.get(MANAGED_BY_LOCATION, "")
    kind, _, target = location.partition(":")
    read_from = ""
    if kind == "file" and target:
        read_from = "file:" + posixpath.dirname(target) + "/"
    elif kind == "url" and target:
        read_from = "url:" + target.rsplit("/", 1)[0] + "/"
    source = annotations.get(SOURCE_LOCATION, "")
    if source.startswith("url:") and _source_location_allowed(source[len("url:"):], read_from):
        return source if source.endswith("/") else source + "/"
    return read_from


def _source_location_allowed(source_url: str, read_from: str) -> bool:
    if not names_host(source_url):
        return True  # other hosts have no per-person read grants here; their reads are allow-listed
    own = parse_host_url(read_from[len("url:"):]) if read_from.startswith("url:") else None
    claimed = parse_host_url(source_url)
    return own is not None and claimed is not None and (own.owner, own.name) == (claimed.owner, claimed.name)


def scaffolded_entities(*, entity_refs: list[str] | None = None) -> dict[str, dict]:
    """Lineage by catalog entity: {entity ref: {"template_ref", "version"}} for the entities a
    template run made (`version`: the template version it was made from or last upgraded to).
    The maturity assessment compares it with template_version() to tell who is behind."""
    wanted = {r.lower() for r in entity_refs} if entity_refs is not None else None
    rows = ScaffoldedRepository.objects.exclude(entity_ref="").order_by("created_at", "id")
    if wanted is not None and len(wanted) <= 500:  # a long list is filtered here, not sent as parameters
        rows = rows.filter(entity_ref__in=list(wanted))
    made = {}
    for ref, template_ref, version, upgraded in rows.values_list("entity_ref", "template_ref", "template_version",
                                                                 "upgraded_to_version"):
        if wanted is None or ref.lower() in wanted:
            made[ref.lower()] = {"template_ref": template_ref, "version": upgraded or version}
    return made


def lineage_of_entities(*, refs) -> dict[str, dict]:
    """For each of these entity refs that a scaffolder run registered: {"template_ref",
    "version" (what its repository is on), "current" (the template's version now, "" when the
    template is gone), "behind" (bool)}. Versions are content hashes, so "behind" is whether they
    differ, not a count. One query for the lineage rows, one per distinct template."""
    wanted = sorted({str(r).lower() for r in refs})
    rows = (ScaffoldedRepository.objects.annotate(ref_lower=Lower("entity_ref")).filter(ref_lower__in=wanted)
            .order_by("created_at", "id"))
    current: dict[str, str] = {}
    out = {}
    for row in rows:
        template_ref = row.template_ref.lower()
        if template_ref not in current:
            template = template_get_by_ref(ref=template_ref)
            current[template_ref] = template_version(template=template) if template is not None else ""
        version = row.upgraded_to_version or row.template_version
        out[row.entity_ref.lower()] = {"template_ref": template_ref, "version": version,
                                       "current": current[template_ref],
                                       "behind": bool(current[template_ref]) and version != current[template_ref]}
    return out


# --- Golden-path usage (for insights) ----------------------------------------------------------


def scaffolded_components(*, entity_refs: list[str] | None = None) -> dict[str, object]:
    """Entity refs made from a template (lineage), each with when its run started (or the
    repository was recorded, when the run is gone): one query."""
    rows = ScaffoldedRepository.objects.exclude(entity_ref="")
    if entity_refs is not None:
        rows = rows.filter(entity_ref__in=[ref.lower() for ref in entity_refs])
    out: dict[str, object] = {}
    for ref, started, created in rows.values_list("entity_ref", "run__started_at", "created_at").order_by("created_at"):
        out.setdefault(ref.lower(), started or created)
    return out


def run_counts_by_month(*, start, end, created_by_refs: list[str] | None = None) -> dict:
    """Finished, non-dry-run scaffolder tasks per calendar month (first day) created in [start, end):
    the self-service requests the portal answered without a ticket. One query."""
    rows = ScaffoldRun.objects.filter(created_at__gte=start, created_at__lt=end, dry_run=False,
                                      status=ScaffoldRun.Status.COMPLETED)
    if created_by_refs is not None:
        rows = rows.filter(created_by_ref__in=[ref.lower() for ref in created_by_refs])
    counts = rows.annotate(month=TruncMonth("created_at")).values("month").annotate(n=Count("id")).order_by()
    out: dict = {}
    for row in counts:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        out[month] = out.get(month, 0) + row["n"]
    return out


# --- Runs --------------------------------------------------------------------------------------


def run_get(*, run_id) -> ScaffoldRun | None:
    try:
        run_id = uuid.UUID(str(run_id))
    except ValueError:
        return None
    return ScaffoldRun.objects.select_related("created_by").filter(pk=run_id).first()


def run_list(*, created_by_refs: list[str] | None = None, statuses: list[str] | None = None,
             limit: int | None = None, offset: int = 0, created_by_user=None,
             with_spec: bool = False, visible_to=None) -> tuple[list[ScaffoldRun], int]:
    """Runs newest first, and how many match; the large JSON columns are left unread, except
    spec and values with `with_spec` (the API's task list shows them)."""
    deferred = ["secrets", "dry_run_files", "template_files", "step_outputs"]
    if not with_spec:
        deferred += ["spec", "values"]
    queryset = ScaffoldRun.objects.defer(*deferred)
    if visible_to is not None:
        allowed = access.run_read_filter(user=visible_to)
        if allowed is not None:
            queryset = queryset.filter(allowed)
    if created_by_refs:
        queryset = queryset.filter(created_by_ref__in=[ref.lower() for ref in created_by_refs])
    if created_by_user is not None:
        queryset = queryset.filter(created_by=created_by_user)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    total = queryset.count()
    queryset = queryset.order_by("-created_at")
    rows = list(queryset[offset:offset + limit] if limit else queryset[offset:])
    return rows, total


def run_steps(*, run: ScaffoldRun) -> list[ScaffoldStep]:
    return list(run.steps.order_by("index"))


def run_events(*, run: ScaffoldRun, after: int | None = None, limit: int = 1000) -> list[ScaffoldEvent]:
    queryset = ScaffoldEvent.objects.filter(run=run)
    if after is not None:
        queryset = queryset.filter(id__gt=after)
    return list(queryset.order_by("id")[:limit])


@dataclass(frozen=True)
class RunEvents:
    """A run and its events after a cursor, from one consistent read (see run_events_after)."""

    run: ScaffoldRun | None  # None: the run was deleted
    events: list[ScaffoldEvent]

    @property
    def finished(self) -> bool:
        return self.run is None or self.run.is_finished


def run_events_after(*, run_id, after: int | None, limit: int = 1000, fields: tuple[str, ...] = ()) -> RunEvents:
    """The run (only `fields`, when given), then its events after the event id `after`.

    The run is read first on purpose: the worker writes a run's final status and its last event in
    one transaction, so when the status read here says finished, the events read next include the
    last one and a poller may stop. Every poller (the /events long-poll, the event stream, the run
    page) reads through here so none can stop early and lose the last lines.
    """
    queryset = ScaffoldRun.objects.filter(pk=run_id)
    run = (queryset.only(*fields) if fields else queryset.select_related("created_by")).first()
    if run is None:
        return RunEvents(run=None, events=[])
    return RunEvents(run=run, events=run_events(run=run, after=after, limit=limit))


def run_events_wait(*, run_id, after: int | None, timeout: float, interval: float, limit: int = 1000,
                    fields: tuple[str, ...] = (), clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep) -> RunEvents:
    """run_events_after, read again every `interval` seconds until there are events, the run has
    finished or `timeout` seconds have passed (a long poll)."""
    deadline = clock() + timeout
    while True:
        batch = run_events_after(run_id=run_id, after=after, limit=limit, fields=fields)
        if batch.events or batch.finished or clock() >= deadline:
            return batch
        sleep(interval)


def run_can_manage(*, run: ScaffoldRun, user) -> bool:
    """Cancel and retry: scaffolder.task.cancel (the task's creator and platform admins by default)."""
    return access.run_can_manage(run=run, user=user)


def run_wait(*, run_id, timeout: float, interval: float = 0.1) -> ScaffoldRun | None:
    """Poll the row until the run has finished or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        run = ScaffoldRun.objects.filter(pk=run_id).first()
        if run is None or run.is_finished or time.monotonic() >= deadline:
            return run
        time.sleep(interval)
