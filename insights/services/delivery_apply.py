"""Applying normalised delivery events: matching them to catalog components, upserting the
deployment, change and incident rows, and the roll-up deltas that follows; matching the unmatched
rows again; rebuilding every roll-up from the rows."""

import json
from collections import defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.lookups import Lookup
from django.utils import timezone

from catalog.selectors import entity_refs_by_annotation, existing_refs
from insights.lib.webhooks.events import ChangeEvent, DeploymentEvent, IncidentEvent
from insights.models import Change, DeliveryDay, DeliveryMonth, Deployment, DeploymentCommit, Incident
from insights.services.rollups import (
    CHUNK,
    COUNTED,
    Deltas,
    change_part,
    deployment_part,
    incident_part,
    is_production,
    pg_array,
)

# --- Set membership ---------------------------------------------------------------------------


class _AnyOf(Lookup):
    """`column = ANY(%s)` with the values as one array parameter. psycopg binds on the client here:
    a `column IN (%s, ... x1000)` query string was split and quoted placeholder by placeholder,
    half a second of a 5,000-event batch's processing."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        kind = "bigint" if all(isinstance(v, int) for v in self.rhs) else "text"
        return f"{lhs} = ANY(%s::{kind}[])", (*params, pg_array(self.rhs))


def _among(field: str, values) -> Q:
    """A filter `field` in `values`: one array parameter on PostgreSQL, IN (...) elsewhere."""
    values = list(values)
    if values and connection.vendor == "postgresql":
        return Q(_AnyOf(F(field), values))
    return Q(**{f"{field}__in": values})


# --- Matching -----------------------------------------------------------------------------------


def _name_ref(service: str) -> str:
    """The component ref a service name stands for: `name`, `ns/name` or a full ref."""
    service = service.strip().lower()
    if ":" in service:
        return service if service.startswith("component:") and "/" in service else ""
    if "/" in service:
        namespace, _, name = service.partition("/")
        return f"component:{namespace}/{name}" if namespace and name and "/" not in name else ""
    return f"component:default/{service}" if service else ""


def match_components(items) -> dict[tuple, str]:
    """{(service, match_keys): component ref} for (service, match_keys) pairs: an annotation match
    first (in the order the source lists them), then the service's name."""
    items = set(items)
    by_key: dict[str, set[str]] = defaultdict(set)
    for _, keys in items:
        for key, value in keys:
            by_key[key].add(value)
    annotated = {key: entity_refs_by_annotation(key=key, values=values) for key, values in by_key.items()}
    names = {_name_ref(service) for service, _ in items} - {""}
    known = existing_refs(refs=names) if names else {}
    found = {}
    for service, keys in items:
        ref = next((annotated[key][value.lower()] for key, value in keys if value.lower() in annotated[key]), "")
        if not ref:
            name_ref = _name_ref(service)
            ref = name_ref if name_ref in known else ""
        found[(service, keys)] = ref
    return found



# --- Applying events ----------------------------------------------------------------------------


# Applying events is serialised (one transaction at a time, PostgreSQL advisory lock): two workers
# inserting the same commit or deployment at once would each count it in the roll-ups. Receiving
# stays concurrent; one worker applies a 1,000-event batch in well under a second (bench/).
APPLY_LOCK = 0x1A5E_0001


def _apply_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPLY_LOCK])


def events_apply(*, events: list, source: str) -> None:
    """Upsert the events' rows and apply their roll-up deltas, in one transaction."""
    refs = match_components({(e.service, e.match_keys) for e in events if e.service or e.match_keys})
    deltas = Deltas()
    with transaction.atomic():
        _apply_lock()
        deployments = [e for e in events if isinstance(e, DeploymentEvent)]
        changes = [e for e in events if isinstance(e, ChangeEvent)]
        incidents = [e for e in events if isinstance(e, IncidentEvent)]
        if deployments:
            _apply_deployments(deployments, source, refs, deltas)
        if changes:
            _apply_changes(changes, source, refs, deltas)
        if incidents:
            _apply_incidents(incidents, source, refs, deltas)
        _apply_failures(deltas)
        deltas.flush()


def _apply_deployments(events: list[DeploymentEvent], source: str, refs: dict, deltas: Deltas) -> None:
    latest = {e.external_id: e for e in events}  # a batch naming one deployment twice: the last wins
    existing = {d.external_id: d for d in Deployment.objects.filter(_among("external_id", latest), source=source)}
    new, updated, commits = [], [], []
    for external_id, e in latest.items():
        d = existing.get(external_id)
        if d is None:
            new.append(Deployment(
                source=source, external_id=external_id, service=e.service[:320], match_keys=list(e.match_keys),
                component_ref=refs.get((e.service, e.match_keys), ""), environment=e.environment,
                production=is_production(e.environment), status=e.status, deployed_at=e.deployed_at,
                commit_shas=list(e.commit_shas)))
            continue
        if e.status == Deployment.Status.PENDING and d.status != Deployment.Status.PENDING:
            continue  # a late "created" after its outcome: the outcome stands
        before = deployment_part(d)
        d.status, d.deployed_at = e.status, e.deployed_at
        added = [s for s in e.commit_shas if s not in d.commit_shas]
        d.commit_shas = d.commit_shas + added
        commits += [(d, s) for s in added]
        deltas.add(before, -1)
        deltas.add(deployment_part(d), +1)
        updated.append(d)
    _deployments_insert(new)
    if updated:
        Deployment.objects.bulk_update(updated, ["status", "deployed_at", "commit_shas"], batch_size=CHUNK)
    commits += [(d, s) for d in new for s in d.commit_shas]
    _commits_insert([(d.pk, s) for d, s in commits])
    for d in new:
        deltas.add(deployment_part(d), +1)
    touched = new + updated
    _mark_rollbacks([d for d in touched if d.production and d.status == Deployment.Status.ROLLBACK], deltas)
    _link_changes([d for d in touched if d.production and d.status in COUNTED], deltas)
    _resolve_hints(touched, deltas)


_DEPLOY_COLUMNS = ("source", "external_id", "service", "match_keys", "component_ref", "environment", "production",
                   "status", "deployed_at", "commit_shas", "caused_failure", "created_at")
_DEPLOY_TYPES = ("text", "text", "text", "jsonb", "text", "text", "bool", "text", "timestamptz", "jsonb", "bool",
                 "timestamptz")


def _deployments_insert(rows: list[Deployment]) -> None:
    """New deployments, with their ids set. On PostgreSQL one INSERT ... SELECT FROM unnest(arrays):
    twelve array parameters instead of twelve per row (the ORM's insert of a batch's 600 rows was a
    quarter of its processing time); elsewhere bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Deployment.objects.bulk_create(rows, batch_size=CHUNK)
        return
    now = timezone.now()
    for d in rows:
        d.created_at = now
    arrays = [
        pg_array([json.dumps(getattr(d, c)) if t == "jsonb" else getattr(d, c) for d in rows])
        for c, t in zip(_DEPLOY_COLUMNS, _DEPLOY_TYPES, strict=True)
    ]
    casts = ", ".join(f"%s::{'text' if t == 'jsonb' else t}[]" for t in _DEPLOY_TYPES)
    select = ", ".join(f"c{i}::jsonb" if t == "jsonb" else f"c{i}" for i, t in enumerate(_DEPLOY_TYPES))
    names = ", ".join(f"c{i}" for i in range(len(_DEPLOY_TYPES)))
    sql = (f"INSERT INTO {Deployment._meta.db_table} ({', '.join(_DEPLOY_COLUMNS)}) "
           f"SELECT {select} FROM unnest({casts}) AS u({names}) RETURNING id, external_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        ids = dict((external_id, pk) for pk, external_id in cursor.fetchall())
    for d in rows:
        d.pk = ids[d.external_id]
        d._state.adding = False


def _commits_insert(rows: list[tuple[int, str]]) -> None:
    """DeploymentCommit rows, by COPY on PostgreSQL (two per deployment: the ORM's insert was a
    third of the processing time), by bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        DeploymentCommit.objects.bulk_create([DeploymentCommit(deployment_id=pk, sha=s) for pk, s in rows],
                                             batch_size=CHUNK)
        return
    sql = f"COPY {DeploymentCommit._meta.db_table} (deployment_id, sha) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _failed(d: Deployment, deltas: Deltas) -> None:
    """Mark `d` as having caused a failure (applied in one query by `_apply_failures`)."""
    deltas.failing.setdefault(d.pk, d)


def _apply_failures(deltas: Deltas) -> None:
    """Set caused_failure on the deployments that do not have it yet, counted once each: the
    database says which (another instance or worker may have set it already)."""
    if not deltas.failing:
        return
    pks = list(deltas.failing)
    fresh = []
    for start in range(0, len(pks), CHUNK):
        fresh += Deployment.objects.select_for_update().filter(_among("pk", pks[start:start + CHUNK]),
                                                               caused_failure=False).values_list("pk", flat=True)
        Deployment.objects.filter(_among("pk", pks[start:start + CHUNK])).update(caused_failure=True)
    for pk in fresh:
        d = deltas.failing[pk]
        d.caused_failure = False
        deltas.add(deployment_part(d), -1)
        d.caused_failure = True
        deltas.add(deployment_part(d), +1)
    deltas.failing.clear()


def _mark_rollbacks(rollbacks: list[Deployment], deltas: Deltas) -> None:
    """A rollback undid the service's previous successful production deployment: that one failed."""
    for rollback in rollbacks:
        previous = (Deployment.objects.filter(service=rollback.service, environment=rollback.environment,
                                              production=True, status=Deployment.Status.SUCCESS,
                                              deployed_at__lt=rollback.deployed_at)
                    .order_by("-deployed_at").first())
        if previous is not None:
            _failed(previous, deltas)


def _change_moves(change: Change, deployment_id: int, deployed_at: datetime, component_ref: str,
                  old_ref: str, deltas: Deltas) -> None:
    deltas.add(change_part(change, old_ref), -1)
    change.deployment_id, change.deployed_at = deployment_id, deployed_at
    change.lead_seconds = max(0, int((deployed_at - change.authored_at).total_seconds()))
    deltas.add(change_part(change, component_ref), +1)


def _link_changes(deployments: list[Deployment], deltas: Deltas) -> None:
    """Changes these deployments shipped whose first production deployment is one of them."""
    by_sha: dict[str, list[Deployment]] = defaultdict(list)
    for d in deployments:
        for s in d.commit_shas:
            by_sha[s].append(d)
    if not by_sha:
        return
    shas = list(by_sha)
    moved = []
    for start in range(0, len(shas), CHUNK):
        part = shas[start:start + CHUNK]
        for change in (Change.objects.filter(_among("sha", part) | _among("head_sha", part))
                       .select_related("deployment")):
            candidates = by_sha.get(change.sha, []) + by_sha.get(change.head_sha, [])
            first = min(candidates, key=lambda d: (d.deployed_at, d.pk))
            current = (change.deployed_at, change.deployment_id)
            if change.deployment_id is not None and current <= (first.deployed_at, first.pk) and (
                    change.deployment_id != first.pk or change.deployed_at == first.deployed_at):
                continue  # already with an earlier deployment (or this one, at its current time)
            old_ref = change.deployment.component_ref if change.deployment is not None else ""
            _change_moves(change, first.pk, first.deployed_at, first.component_ref, old_ref, deltas)
            moved.append(change)
    Change.objects.bulk_update(moved, ["deployment", "deployed_at", "lead_seconds"], batch_size=CHUNK)


def _shipping(shas: list[str]) -> list[tuple[str, int, datetime, str]]:
    """(sha, deployment id, deployed at, component) of the counted production deployments that
    shipped these commits. Two indexed reads, not a join: with a million deployments the planner
    chose to hash the whole deployments table for a join."""
    pairs: list[tuple[str, int]] = []
    for start in range(0, len(shas), CHUNK):
        pairs += DeploymentCommit.objects.filter(_among("sha", shas[start:start + CHUNK])).values_list(
            "sha", "deployment_id")
    ids = sorted({pk for _, pk in pairs})
    found: dict[int, tuple] = {}
    for start in range(0, len(ids), CHUNK):
        found.update((pk, (at, ref)) for pk, at, ref in Deployment.objects.filter(
            _among("pk", ids[start:start + CHUNK]), production=True, status__in=COUNTED).values_list(
            "pk", "deployed_at", "component_ref"))
    return [(s, pk, *found[pk]) for s, pk in pairs if pk in found]


def _apply_changes(events: list[ChangeEvent], source: str, refs: dict, deltas: Deltas) -> None:
    latest = {e.sha: e for e in events}
    shas = list(latest)
    known = set()
    for start in range(0, len(shas), CHUNK):
        known |= set(Change.objects.filter(_among("sha", shas[start:start + CHUNK])).values_list("sha", flat=True))
    fresh = [e for s, e in latest.items() if s not in known]  # the first report of a commit stands
    if not fresh:
        return
    wanted = list({e.sha for e in fresh} | {e.head_sha for e in fresh if e.head_sha})
    shipped: dict[str, tuple] = {}
    for s, deployment_id, at, ref in _shipping(wanted):
        if s not in shipped or (at, deployment_id) < shipped[s][:2]:
            shipped[s] = (at, deployment_id, ref)
    rows = []
    for e in fresh:
        change = Change(sha=e.sha, head_sha=e.head_sha, source=source, service=e.service[:320],
                        match_keys=list(e.match_keys), component_ref=refs.get((e.service, e.match_keys), ""),
                        author=e.author, authored_at=e.authored_at)
        hits = [shipped[s] for s in (e.sha, e.head_sha) if s in shipped]
        if hits:
            at, deployment_id, ref = min(hits)
            _change_moves(change, deployment_id, at, ref, "", deltas)
        rows.append(change)
    _changes_insert(rows)


_CHANGE_COLUMNS = ("sha", "head_sha", "source", "service", "match_keys", "component_ref", "author", "authored_at",
                   "deployment_id", "deployed_at", "lead_seconds")
_CHANGE_TYPES = ("text", "text", "text", "text", "jsonb", "text", "text", "timestamptz", "bigint", "timestamptz",
                 "bigint")


def _changes_insert(rows: list[Change]) -> None:
    """New changes, a commit already stored left as it is (the first report stands). On PostgreSQL
    one INSERT ... SELECT FROM unnest(arrays) (the ORM's bulk_create prepared and quoted eleven values
    a row, a fifth of a batch's processing); elsewhere bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Change.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)
        return
    casts = ", ".join(f"%s::{'text' if t == 'jsonb' else t}[]" for t in _CHANGE_TYPES)
    select = ", ".join(f"c{i}::jsonb" if t == "jsonb" else f"c{i}" for i, t in enumerate(_CHANGE_TYPES))
    names = ", ".join(f"c{i}" for i in range(len(_CHANGE_TYPES)))
    sql = (f"INSERT INTO {Change._meta.db_table} ({', '.join(_CHANGE_COLUMNS)}) "
           f"SELECT {select} FROM unnest({casts}) AS u({names}) ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            part = rows[start:start + CHUNK]
            cursor.execute(sql, [pg_array([json.dumps(getattr(c, col)) if t == "jsonb" else getattr(c, col)
                                           for c in part])
                                 for col, t in zip(_CHANGE_COLUMNS, _CHANGE_TYPES, strict=True)])


def _find_causes(hints: set[str]) -> dict[str, Deployment]:
    """{hint: the earliest counted production deployment it names}: a deployment's external id, or
    a commit it shipped (a full SHA, or a prefix of at least 7 hex digits, as issue texts write them)."""
    found: dict[str, Deployment] = {}
    hints = {h for h in hints if h}
    if not hints:
        return found
    counted = {"production": True, "status__in": COUNTED}
    for d in Deployment.objects.filter(_among("external_id", hints), **counted).order_by("-deployed_at"):
        found[d.external_id] = d  # ordered newest first: the earliest wins
    shas = {h.lower() for h in hints - set(found) if len(h) >= 7 and all(c in "0123456789abcdefABCDEF" for c in h)}
    full = {h for h in shas if len(h) >= 40}
    shipped = sorted(_shipping(sorted(full)), key=lambda row: (row[2], row[1]), reverse=True)
    ids = {pk for _, pk, _, _ in shipped}
    by_pk = {d.pk: d for d in Deployment.objects.filter(_among("pk", ids))} if ids else {}
    for sha, pk, _, _ in shipped:  # newest first: the earliest wins
        found[sha] = by_pk[pk]
    for prefix in shas - full:  # short SHAs from issue texts: rare, one query each
        commit = (DeploymentCommit.objects.filter(sha__startswith=prefix, deployment__production=True,
                                                  deployment__status__in=COUNTED)
                  .select_related("deployment").order_by("deployment__deployed_at").first())
        if commit is not None:
            found[prefix] = commit.deployment
    return found


def _apply_incidents(events: list[IncidentEvent], source: str, refs: dict, deltas: Deltas) -> None:
    latest: dict[str, IncidentEvent] = {}
    for e in events:
        earlier = latest.get(e.external_id)
        # A batch holding "triggered" then "resolved": keep the resolution whatever the order.
        if earlier is not None and not e.knows_resolution:
            continue
        latest[e.external_id] = e
    existing = {i.external_id: i for i in Incident.objects.filter(_among("external_id", latest), source=source)}
    new, updated = [], []
    for external_id, e in latest.items():
        incident = existing.get(external_id)
        if incident is None:
            incident = Incident(source=source, external_id=external_id, service=e.service[:320],
                                match_keys=list(e.match_keys), component_ref=refs.get((e.service, e.match_keys), ""),
                                title=e.title, severity=e.severity, opened_at=e.opened_at,
                                resolved_at=e.resolved_at, caused_by_hint=e.caused_by)
            new.append(incident)
            continue
        before = incident_part(incident)
        if e.knows_resolution:
            incident.resolved_at = e.resolved_at
        incident.title = e.title or incident.title
        incident.severity = e.severity or incident.severity
        incident.caused_by_hint = e.caused_by or incident.caused_by_hint
        deltas.add(before, -1)
        deltas.add(incident_part(incident), +1)
        updated.append(incident)
    waiting = [i for i in new + updated if i.caused_by_id is None and i.caused_by_hint]
    causes = _find_causes({i.caused_by_hint for i in waiting})
    for incident in waiting:
        cause = causes.get(incident.caused_by_hint) or causes.get(incident.caused_by_hint.lower())
        if cause is not None:
            incident.caused_by = cause
            _failed(cause, deltas)
    Incident.objects.bulk_create(new, batch_size=CHUNK)
    if updated:
        Incident.objects.bulk_update(updated, ["resolved_at", "title", "severity", "caused_by_hint", "caused_by"],
                                     batch_size=CHUNK)
    for incident in new:
        deltas.add(incident_part(incident), +1)


def _resolve_hints(deployments: list[Deployment], deltas: Deltas) -> None:
    """Incidents that named a cause (a deployment id or a commit) before its deployment arrived."""
    by_hint: dict[str, Deployment] = {}
    for d in sorted((d for d in deployments if d.production and d.status in COUNTED),
                    key=lambda d: d.deployed_at, reverse=True):  # the earliest deployment wins
        for hint in [d.external_id, *d.commit_shas]:
            by_hint[hint] = d
    hints = list(by_hint)
    for start in range(0, len(hints), CHUNK):
        waiting = list(Incident.objects.filter(_among("caused_by_hint", hints[start:start + CHUNK]), caused_by=None))
        for incident in waiting:
            cause = by_hint[incident.caused_by_hint]
            incident.caused_by = cause
            _failed(cause, deltas)
        Incident.objects.bulk_update(waiting, ["caused_by"], batch_size=CHUNK)


# --- Unmatched rows matched later -------------------------------------------------------------


def unmatched_rematch(*, limit: int = 50_000) -> int:
    """Match the rows still without a component against the catalog as it is now; returns how many
    matched. Their contributions join the component's roll-ups (the organisation's had them already)."""
    matched = 0
    deltas = Deltas()
    with transaction.atomic():
        _apply_lock()
        for model in (Deployment, Incident, Change):
            rows = list(model.objects.filter(component_ref="").exclude(service="").order_by("pk")[:limit])
            found = match_components({(r.service, tuple(map(tuple, r.match_keys))) for r in rows})
            hits = []
            for row in rows:
                ref = found.get((row.service, tuple(map(tuple, row.match_keys))), "")
                if ref:
                    row.component_ref = ref
                    hits.append(row)
            if not hits:
                continue
            model.objects.bulk_update(hits, ["component_ref"], batch_size=CHUNK)
            matched += len(hits)
            if model is Deployment:
                for d in hits:
                    deltas.add(deployment_part(d), +1, org=False)
                for change in Change.objects.filter(deployment__in=hits).select_related("deployment"):
                    deltas.add(change_part(change, change.deployment.component_ref), +1, org=False)
            elif model is Incident:
                for incident in hits:
                    deltas.add(incident_part(incident), +1, org=False)
        deltas.flush()
    return matched


def dora_rebuild() -> int:
    """Recompute every DeliveryDay row, and so every DeliveryMonth row, from the deployments,
    changes and incidents (a repair)."""
    deltas = Deltas()
    with transaction.atomic():
        _apply_lock()
        DeliveryDay.objects.all().delete()
        DeliveryMonth.objects.all().delete()
        for d in Deployment.objects.filter(production=True, status__in=COUNTED).iterator(chunk_size=CHUNK):
            deltas.add(deployment_part(d), +1)
        for change in (Change.objects.exclude(deployment=None).select_related("deployment")
                       .iterator(chunk_size=CHUNK)):
            deltas.add(change_part(change, change.deployment.component_ref), +1)
        for incident in Incident.objects.iterator(chunk_size=CHUNK):
            deltas.add(incident_part(incident), +1)
        return deltas.flush()


