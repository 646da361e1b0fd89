"""Delivery events: receiving webhooks and API batches, turning them into deployments, changes and
incidents matched to catalog components, and keeping the daily roll-ups (DeliveryDay) in step.

Receiving is quick and stores only the raw delivery (once per source delivery id), then enqueues
`insights.tasks.delivery_process` on commit; processing normalises it (insights.lib.webhooks),
upserts the rows and applies the roll-up *deltas* the change caused: each row's contribution to
the four keys is a function of its fields (`_deployment_part`, `_change_part`, `_incident_part`), so
an update subtracts the old contribution and adds the new one, and replaying anything is a no-op.
`dora_rebuild` recomputes every roll-up from the rows (a repair, and the tests' cross-check).
"""

import hashlib
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.selectors import entity_refs_by_annotation, existing_refs
from core.access import is_platform_admin, require
from core.audit import audit_record
from core.queue import task_enqueue_on_commit
from insights.lib import dora
from insights.lib.webhooks import api as api_events
from insights.lib.webhooks import argocd, github, gitlab, pagerduty, signatures
from insights.lib.webhooks import githost as githost_events
from insights.lib.webhooks.events import (
    ChangeEvent,
    DeploymentEvent,
    IncidentEvent,
    Normalised,
    PayloadError,
)
from insights.lib.webhooks.sealing import SecretUnreadable, seal, unseal
from insights.models import Change, Delivery, DeliveryDay, Deployment, DeploymentCommit, Incident, WebhookSource

logger = logging.getLogger(__name__)

ORG = DeliveryDay.ORG
COUNTED = (Deployment.Status.SUCCESS, Deployment.Status.ROLLBACK)
NORMALISERS = {"github": github, "gitlab": gitlab, "argocd": argocd, "pagerduty": pagerduty,
               "githost": githost_events}
PROCESS_TASK = "insights.tasks.delivery_process"
CHUNK = 1000


class WebhookRefused(Exception):
    """401: unsigned, wrongly signed, or for a source that does not exist or is disabled."""


class WebhookInvalid(Exception):
    """400: signed, but not something the source sends (malformed JSON, no delivery id)."""


class WebhookTooLarge(Exception):
    """413: larger than PAVED_INSIGHTS_WEBHOOK_MAX_BYTES."""


@dataclass(frozen=True)
class Received:
    delivery_id: str
    duplicate: bool


# --- Webhook sources (platform admins) ----------------------------------------------------------


def webhook_source_save(*, actor, name: str, kind: str, secret: str, incident_label: str = "incident",
                        enabled: bool = True) -> WebhookSource:
    """Create or replace the source `name` (its secret sealed); platform admins only, audited."""
    if not is_platform_admin(actor):
        require(actor, "*")  # audits the refusal and raises with the reason
    if kind not in WebhookSource.Kind.values:
        raise ValueError(f"kind: expected one of {', '.join(WebhookSource.Kind.values)}, got {kind!r}")
    if len(secret) < 16:
        raise ValueError("secret: use at least 16 characters (e.g. `openssl rand -hex 32`)")
    with transaction.atomic():
        source, created = WebhookSource.objects.update_or_create(
            name=name, defaults={"kind": kind, "secret_sealed": seal(secret), "enabled": enabled,
                                 "incident_label": incident_label})
        audit_record(actor=actor, action="insights.webhook_source.save", target=name,
                     detail={"kind": kind, "created": created, "enabled": enabled})
    webhook_sources_forget()
    return source


# --- Receiving ----------------------------------------------------------------------------------


# name -> (source, secret, cached until): a tool posts to the same source all day; the lookup and
# the decryption were a third of a delivery's answer time. A changed or disabled source takes effect
# in other processes within SOURCE_CACHE_SECONDS (this process forgets at once: webhook_source_save).
_sources: dict[str, tuple[WebhookSource, str, float]] = {}
SOURCE_CACHE_SECONDS = 10.0


def _source(name: str) -> tuple[WebhookSource, str]:
    cached = _sources.get(name)
    if cached is not None and cached[2] > time.monotonic():
        return cached[0], cached[1]
    source = WebhookSource.objects.filter(name=name, enabled=True).first()
    if source is None:
        _sources.pop(name, None)
        # The same answer as a bad signature: a prober learns nothing about which sources exist.
        raise WebhookRefused(f"No enabled webhook source {name!r} accepts this delivery.")
    try:
        secret = unseal(source.secret_sealed)
    except SecretUnreadable as exc:
        logger.error("webhook source %s: %s", source.name, exc)
        raise WebhookRefused(f"Webhook source {source.name!r} cannot check signatures: {exc}.") from None
    if len(_sources) > 100:
        _sources.clear()
    _sources[name] = (source, secret, time.monotonic() + SOURCE_CACHE_SECONDS)
    return source, secret


def webhook_sources_forget() -> None:
    _sources.clear()


def _header(headers, name: str) -> str:
    return str(headers.get(name) or "")


def _verify(source: WebhookSource, secret: str, headers, body: bytes) -> None:
    kind = source.kind
    ok = (
        kind == "github" and signatures.github_valid(secret=secret, body=body,
                                                     header=_header(headers, "X-Hub-Signature-256"))
        or kind == "gitlab" and signatures.gitlab_valid(secret=secret, header=_header(headers, "X-Gitlab-Token"))
        or kind == "argocd" and signatures.secret_header_valid(secret=secret,
                                                             header=_header(headers, "X-Webhook-Secret"))
        or kind == "pagerduty" and signatures.pagerduty_valid(secret=secret, body=body,
                                                              header=_header(headers, "X-PagerDuty-Signature"))
    )
    if not ok:
        raise WebhookRefused(f"The delivery is not signed with the secret of webhook source {source.name!r} "
                             f"({WebhookSource.Kind(kind).label}).")


def _delivery_key(kind: str, headers, payload: dict, body: bytes) -> tuple[str, str]:
    """(delivery id, event type) as the source names them."""
    if kind == "github":
        delivery_id = _header(headers, "X-GitHub-Delivery")
        if not delivery_id:
            raise WebhookInvalid("X-GitHub-Delivery: missing (GitHub sends it with every delivery)")
        return delivery_id, _header(headers, "X-GitHub-Event")
    if kind == "gitlab":
        delivery_id = (_header(headers, "Idempotency-Key") or _header(headers, "X-Gitlab-Event-UUID")
                       or "sha256:" + hashlib.sha256(body).hexdigest())
        return delivery_id, _header(headers, "X-Gitlab-Event") or str(payload.get("object_kind") or "")
    if kind == "pagerduty":
        delivery_id = pagerduty.delivery_id(payload)
        if not delivery_id:
            raise WebhookInvalid("event.id: missing (PagerDuty V3 webhooks carry one)")
        event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
        return delivery_id, str(event.get("event_type") or "")
    return argocd.delivery_id(payload), str(payload.get("phase") or "")


def webhook_receive(*, source_name: str, headers, body: bytes) -> Received:
    """Verify and store one webhook delivery, and queue its processing. Nothing is stored unless the
    signature holds; a delivery id seen before is answered as a duplicate and stored once."""
    if len(body) > settings.PAVED_INSIGHTS_WEBHOOK_MAX_BYTES:
        raise WebhookTooLarge(f"The delivery is {len(body)} bytes; at most "
                              f"{settings.PAVED_INSIGHTS_WEBHOOK_MAX_BYTES} are accepted "
                              "(PAVED_INSIGHTS_WEBHOOK_MAX_BYTES).")
    source, secret = _source(source_name)
    _verify(source, secret, headers, body)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookInvalid(f"Malformed JSON body: {exc}") from None
    if not isinstance(payload, dict):
        raise WebhookInvalid("The body must be a JSON object.")
    delivery_id, event_type = _delivery_key(source.kind, headers, payload, body)
    return _store(source=source.name, kind=source.kind, delivery_id=delivery_id[:200], event_type=event_type[:100],
                  payload=body.decode())


def _store(*, source: str, kind: str, delivery_id: str, event_type: str, payload: str) -> Received:
    """One INSERT (committed on its own outside a transaction: a webhook's answer is mostly round
    trips to the database), then the task is queued once the row is committed."""
    fields = {"source": source, "kind": kind, "delivery_id": delivery_id, "event_type": event_type,
              "payload": payload}
    try:
        if connection.get_autocommit():
            delivery = Delivery.objects.create(**fields)
        else:
            with transaction.atomic():  # a savepoint: a duplicate must not break the caller's transaction
                delivery = Delivery.objects.create(**fields)
    except IntegrityError:
        return Received(delivery_id=delivery_id, duplicate=True)
    task_enqueue_on_commit(PROCESS_TASK, delivery.pk)
    return Received(delivery_id=delivery_id, duplicate=False)


def events_submit(*, actor, body: bytes, idempotency_key: str = "") -> tuple[Received, int]:
    """POST /api/events: validate every item (PayloadError names `events[i].field`), store the batch
    once (by Idempotency-Key, else the body's hash) and queue it. Returns (received, item count)."""
    require(actor, "insights.events.write")
    if len(body) > settings.PAVED_INSIGHTS_EVENTS_MAX_BYTES:
        raise WebhookTooLarge(f"The request is {len(body)} bytes; at most {settings.PAVED_INSIGHTS_EVENTS_MAX_BYTES} "
                              "are accepted (PAVED_INSIGHTS_EVENTS_MAX_BYTES): send smaller batches.")
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body: malformed JSON ({exc})") from None
    events = api_events.parse_events(data, max_items=settings.PAVED_INSIGHTS_EVENTS_MAX_ITEMS)
    key = idempotency_key.strip()[:160] or "sha256:" + hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        received = _store(source="api", kind="api", delivery_id=f"{actor.pk}:{key}", event_type="events",
                          payload=body.decode())
        if not received.duplicate:
            audit_record(actor=actor, action="insights.events.write", target=f"{len(events)} events",
                         detail={"delivery": key})
    return received, len(events)


def githost_push_record(*, owner: str, name: str, pushes: list[dict]) -> Received:
    """A push to the built-in git host with the commits it brought (read by the task that calls this)."""
    heads = ",".join(f"{p['ref']}:{p['new']}" for p in pushes)
    payload = json.dumps({"repository": f"{owner}/{name}", "pushes": pushes}, default=str)
    if len(payload) > settings.PAVED_INSIGHTS_WEBHOOK_MAX_BYTES:
        for push in pushes:  # keep the newest commits of a huge push: they bound the lead time anyway
            push["commits"] = push["commits"][:500]
        payload = json.dumps({"repository": f"{owner}/{name}", "pushes": pushes}, default=str)
    digest = hashlib.sha256(heads.encode()).hexdigest()[:32]
    return _store(source="githost", kind="githost", delivery_id=f"{owner}/{name}:{digest}", event_type="push",
                  payload=payload)


# --- Processing ---------------------------------------------------------------------------------


def delivery_process(*, delivery_id: int) -> str:
    """Normalise one stored delivery and apply it; returns its new status. Running it twice is harmless."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return delivery.status if delivery else "missing"
        try:
            normalised = _normalise(delivery)
        except PayloadError as exc:
            normalised, error = None, str(exc)
        if normalised is None:
            delivery.status, delivery.note = Delivery.Status.FAILED, error[:500]
        elif normalised.events:
            events_apply(events=normalised.events, source=delivery.source)
            delivery.status, delivery.note = Delivery.Status.PROCESSED, f"{len(normalised.events)} events"
        else:
            delivery.status, delivery.note = Delivery.Status.IGNORED, normalised.ignored[:500]
        delivery.processed_at = timezone.now()
        delivery.save(update_fields=["status", "note", "processed_at"])
    return delivery.status


def _normalise(delivery: Delivery) -> Normalised:
    try:
        payload = json.loads(delivery.payload)
    except ValueError as exc:
        raise PayloadError(f"payload: malformed JSON ({exc})") from None
    if delivery.kind == "api":
        return Normalised(events=api_events.parse_events(payload, max_items=settings.PAVED_INSIGHTS_EVENTS_MAX_ITEMS))
    label = "incident"
    if delivery.kind in ("github", "gitlab"):
        source = WebhookSource.objects.filter(name=delivery.source).only("incident_label").first()
        label = source.incident_label if source and source.incident_label else label
    return NORMALISERS[delivery.kind].normalise(delivery.event_type, payload, incident_label=label)


def deliveries_pending_resend(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Queue again the deliveries still pending after a while (a lost message, a broker outage)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(Delivery.objects.filter(status=Delivery.Status.PENDING, received_at__lt=cutoff)
               .order_by("received_at").values_list("pk", flat=True)[:limit])
    with transaction.atomic():
        for pk in ids:
            task_enqueue_on_commit(PROCESS_TASK, pk)
    return len(ids)


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


# --- Roll-up deltas -----------------------------------------------------------------------------


def _day(moment: datetime):
    return moment.astimezone(UTC).date()


def _production(environment: str) -> bool:
    return environment.strip().lower() in settings.PAVED_INSIGHTS_PRODUCTION_ENVIRONMENTS


class Deltas:
    """Changes to DeliveryDay rows, summed in memory and written once (flush)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, object], dict] = {}
        self.failing: dict[int, Deployment] = {}  # deployments found to have caused a failure

    def _row(self, ref: str, day) -> dict:
        return self.rows.setdefault((ref, day), {"deployments": 0, "failed_deployments": 0, "changes": 0,
                                                 "lead_hist": {}, "incidents": 0, "unresolved": 0,
                                                 "restore_hist": {}})

    def add(self, part: tuple | None, sign: int, *, org: bool = True, component: bool = True) -> None:
        if part is None:
            return
        ref, day, counts, hists = part
        targets = ([ORG] if org else []) + ([ref] if component and ref else [])
        for target in targets:
            row = self._row(target, day)
            for name, value in counts.items():
                row[name] += sign * value
            for name, seconds in hists.items():
                _hist_shift(row[name], seconds, sign)

    def flush(self) -> int:
        """Write the summed deltas; rows are locked (select_for_update) so two workers add up."""
        keys = sorted((key for key, row in self.rows.items() if _nonzero(row)), key=lambda k: (k[0], k[1]))
        if not keys:
            return 0
        if connection.vendor == "postgresql":
            written = _upsert_postgres([(key, self.rows[key]) for key in keys])
            self.rows.clear()
            return written
        DeliveryDay.objects.bulk_create([DeliveryDay(component_ref=ref, day=day) for ref, day in keys],
                                        ignore_conflicts=True, batch_size=CHUNK)
        changed = []
        for start in range(0, len(keys), CHUNK):
            part = keys[start:start + CHUNK]
            part_set = set(part)
            # A superset (refs × days) filtered here: a long OR of pairs exceeds SQLite's expression depth.
            rows = (DeliveryDay.objects.select_for_update()
                    .filter(component_ref__in={ref for ref, _ in part}, day__in={day for _, day in part})
                    .order_by("pk"))
            for record in rows:
                delta = self.rows.get((record.component_ref, record.day))
                if delta is None or (record.component_ref, record.day) not in part_set:
                    continue
                for name in ("deployments", "failed_deployments", "changes", "incidents", "unresolved"):
                    setattr(record, name, getattr(record, name) + delta[name])
                for name in ("lead_hist", "restore_hist"):
                    merged = dict(getattr(record, name) or {})
                    for bucket, (count, total) in delta[name].items():
                        old = merged.get(bucket, [0, 0])
                        merged[bucket] = [old[0] + count, old[1] + total]
                        if merged[bucket][0] <= 0:
                            del merged[bucket]
                    setattr(record, name, merged)
                changed.append(record)
        DeliveryDay.objects.bulk_update(changed, ["deployments", "failed_deployments", "changes", "lead_hist",
                                                  "incidents", "unresolved", "restore_hist"], batch_size=CHUNK)
        self.rows.clear()
        return len(changed)


# PostgreSQL adds the deltas in one statement per thousand rows, the row locks held by the upsert
# itself (Django's bulk_update, a CASE per column, was most of the processing time). The histograms
# are merged bucket by bucket in SQL; emptied buckets are dropped.
_HIST_MERGE = """(SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(c, s)), '{{}}'::jsonb)
    FROM (SELECT k, sum((v->>0)::bigint) AS c, sum((v->>1)::bigint) AS s
          FROM (SELECT * FROM jsonb_each(d.{col}) UNION ALL SELECT * FROM jsonb_each(EXCLUDED.{col})) AS e(k, v)
          GROUP BY k) AS t WHERE c > 0)"""
_UPSERT = """INSERT INTO {table} AS d (component_ref, day, deployments, failed_deployments, changes, lead_hist,
    incidents, unresolved, restore_hist) VALUES {values}
ON CONFLICT (component_ref, day) DO UPDATE SET deployments = d.deployments + EXCLUDED.deployments,
    failed_deployments = d.failed_deployments + EXCLUDED.failed_deployments, changes = d.changes + EXCLUDED.changes,
    incidents = d.incidents + EXCLUDED.incidents, unresolved = d.unresolved + EXCLUDED.unresolved,
    lead_hist = {lead}, restore_hist = {restore}"""


def _upsert_postgres(items: list[tuple[tuple, dict]]) -> int:
    table = DeliveryDay._meta.db_table
    sql_head = _UPSERT.format(table=table, values="{values}", lead=_HIST_MERGE.format(col="lead_hist"),
                              restore=_HIST_MERGE.format(col="restore_hist"))
    with connection.cursor() as cursor:
        for start in range(0, len(items), CHUNK):
            part = items[start:start + CHUNK]
            params = []
            for (ref, day), row in part:
                params += [ref, day, row["deployments"], row["failed_deployments"], row["changes"],
                           json.dumps(row["lead_hist"]), row["incidents"], row["unresolved"],
                           json.dumps(row["restore_hist"])]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s::jsonb)"] * len(part))
            cursor.execute(sql_head.replace("{values}", values), params)
    return len(items)


def _hist_shift(hist: dict, seconds: float, sign: int) -> None:
    key = str(dora.hist_index(seconds))
    count, total = hist.get(key, (0, 0))
    hist[key] = [count + sign, total + sign * int(round(seconds))]


def _nonzero(row: dict) -> bool:
    return any(row[n] for n in ("deployments", "failed_deployments", "changes", "incidents", "unresolved")) or any(
        count or total for name in ("lead_hist", "restore_hist") for count, total in row[name].values())


def _deployment_part(d: Deployment) -> tuple | None:
    if not d.production or d.status not in COUNTED:
        return None
    return (d.component_ref, _day(d.deployed_at), {"deployments": 1, "failed_deployments": int(d.caused_failure)}, {})


def _change_part(c: Change, component_ref: str) -> tuple | None:
    if c.deployment_id is None or c.lead_seconds is None:
        return None
    return (component_ref, _day(c.deployed_at), {"changes": 1}, {"lead_hist": c.lead_seconds})


def _incident_part(i: Incident) -> tuple | None:
    hists = {"restore_hist": (i.resolved_at - i.opened_at).total_seconds()} if i.resolved_at else {}
    return (i.component_ref, _day(i.opened_at), {"incidents": 1, "unresolved": int(i.resolved_at is None)}, hists)


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
    existing = {d.external_id: d for d in Deployment.objects.filter(source=source, external_id__in=list(latest))}
    new, updated, commits = [], [], []
    for external_id, e in latest.items():
        d = existing.get(external_id)
        if d is None:
            new.append(Deployment(
                source=source, external_id=external_id, service=e.service[:320], match_keys=list(e.match_keys),
                component_ref=refs.get((e.service, e.match_keys), ""), environment=e.environment,
                production=_production(e.environment), status=e.status, deployed_at=e.deployed_at,
                commit_shas=list(e.commit_shas)))
            continue
        if e.status == Deployment.Status.PENDING and d.status != Deployment.Status.PENDING:
            continue  # a late "created" after its outcome: the outcome stands
        before = _deployment_part(d)
        d.status, d.deployed_at = e.status, e.deployed_at
        added = [s for s in e.commit_shas if s not in d.commit_shas]
        d.commit_shas = d.commit_shas + added
        commits += [(d, s) for s in added]
        deltas.add(before, -1)
        deltas.add(_deployment_part(d), +1)
        updated.append(d)
    Deployment.objects.bulk_create(new, batch_size=CHUNK)
    if updated:
        Deployment.objects.bulk_update(updated, ["status", "deployed_at", "commit_shas"], batch_size=CHUNK)
    commits += [(d, s) for d in new for s in d.commit_shas]
    _commits_insert([(d.pk, s) for d, s in commits])
    for d in new:
        deltas.add(_deployment_part(d), +1)
    touched = new + updated
    _mark_rollbacks([d for d in touched if d.production and d.status == Deployment.Status.ROLLBACK], deltas)
    _link_changes([d for d in touched if d.production and d.status in COUNTED], deltas)
    _resolve_hints(touched, deltas)


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
        fresh += Deployment.objects.select_for_update().filter(pk__in=pks[start:start + CHUNK],
                                                               caused_failure=False).values_list("pk", flat=True)
        Deployment.objects.filter(pk__in=pks[start:start + CHUNK]).update(caused_failure=True)
    for pk in fresh:
        d = deltas.failing[pk]
        d.caused_failure = False
        deltas.add(_deployment_part(d), -1)
        d.caused_failure = True
        deltas.add(_deployment_part(d), +1)
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
    deltas.add(_change_part(change, old_ref), -1)
    change.deployment_id, change.deployed_at = deployment_id, deployed_at
    change.lead_seconds = max(0, int((deployed_at - change.authored_at).total_seconds()))
    deltas.add(_change_part(change, component_ref), +1)


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
        for change in (Change.objects.filter(Q(sha__in=part) | Q(head_sha__in=part))
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
        pairs += DeploymentCommit.objects.filter(sha__in=shas[start:start + CHUNK]).values_list("sha", "deployment_id")
    ids = sorted({pk for _, pk in pairs})
    found: dict[int, tuple] = {}
    for start in range(0, len(ids), CHUNK):
        found.update((pk, (at, ref)) for pk, at, ref in Deployment.objects.filter(
            pk__in=ids[start:start + CHUNK], production=True, status__in=COUNTED).values_list(
            "pk", "deployed_at", "component_ref"))
    return [(s, pk, *found[pk]) for s, pk in pairs if pk in found]


def _apply_changes(events: list[ChangeEvent], source: str, refs: dict, deltas: Deltas) -> None:
    latest = {e.sha: e for e in events}
    shas = list(latest)
    known = set()
    for start in range(0, len(shas), CHUNK):
        known |= set(Change.objects.filter(sha__in=shas[start:start + CHUNK]).values_list("sha", flat=True))
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
    Change.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)


def _find_causes(hints: set[str]) -> dict[str, Deployment]:
    """{hint: the earliest counted production deployment it names}: a deployment's external id, or
    a commit it shipped (a full SHA, or a prefix of at least 7 hex digits, as issue texts write them)."""
    found: dict[str, Deployment] = {}
    hints = {h for h in hints if h}
    if not hints:
        return found
    counted = {"production": True, "status__in": COUNTED}
    for d in Deployment.objects.filter(external_id__in=hints, **counted).order_by("-deployed_at"):
        found[d.external_id] = d  # ordered newest first: the earliest wins
    shas = {h.lower() for h in hints - set(found) if len(h) >= 7 and all(c in "0123456789abcdefABCDEF" for c in h)}
    full = {h for h in shas if len(h) >= 40}
    shipped = sorted(_shipping(sorted(full)), key=lambda row: (row[2], row[1]), reverse=True)
    ids = {pk for _, pk, _, _ in shipped}
    by_pk = {d.pk: d for d in Deployment.objects.filter(pk__in=ids)} if ids else {}
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
    existing = {i.external_id: i for i in Incident.objects.filter(source=source, external_id__in=list(latest))}
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
        before = _incident_part(incident)
        if e.knows_resolution:
            incident.resolved_at = e.resolved_at
        incident.title = e.title or incident.title
        incident.severity = e.severity or incident.severity
        incident.caused_by_hint = e.caused_by or incident.caused_by_hint
        deltas.add(before, -1)
        deltas.add(_incident_part(incident), +1)
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
        deltas.add(_incident_part(incident), +1)


def _resolve_hints(deployments: list[Deployment], deltas: Deltas) -> None:
    """Incidents that named a cause (a deployment id or a commit) before its deployment arrived."""
    by_hint: dict[str, Deployment] = {}
    for d in sorted((d for d in deployments if d.production and d.status in COUNTED),
                    key=lambda d: d.deployed_at, reverse=True):  # the earliest deployment wins
        for hint in [d.external_id, *d.commit_shas]:
            by_hint[hint] = d
    hints = list(by_hint)
    for start in range(0, len(hints), CHUNK):
        waiting = list(Incident.objects.filter(caused_by=None, caused_by_hint__in=hints[start:start + CHUNK]))
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
            rows = list(model.objects.filter(component_ref="").order_by("pk")[:limit])
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
                    deltas.add(_deployment_part(d), +1, org=False)
                for change in Change.objects.filter(deployment__in=hits).select_related("deployment"):
                    deltas.add(_change_part(change, change.deployment.component_ref), +1, org=False)
            elif model is Incident:
                for incident in hits:
                    deltas.add(_incident_part(incident), +1, org=False)
        deltas.flush()
    return matched


def dora_rebuild() -> int:
    """Recompute every DeliveryDay row from the deployments, changes and incidents (a repair)."""
    deltas = Deltas()
    with transaction.atomic():
        _apply_lock()
        DeliveryDay.objects.all().delete()
        for d in Deployment.objects.filter(production=True, status__in=COUNTED).iterator(chunk_size=CHUNK):
            deltas.add(_deployment_part(d), +1)
        for change in (Change.objects.exclude(deployment=None).select_related("deployment")
                       .iterator(chunk_size=CHUNK)):
            deltas.add(_change_part(change, change.deployment.component_ref), +1)
        for incident in Incident.objects.iterator(chunk_size=CHUNK):
            deltas.add(_incident_part(incident), +1)
        return deltas.flush()


def events_forbidden_message() -> str:
    return "Sending delivery events needs insights.events.write (an API token with the events or write scope)."


__all__ = ["PermissionDenied", "Received", "WebhookInvalid", "WebhookRefused", "WebhookTooLarge",
           "delivery_process", "dora_rebuild", "events_submit", "githost_push_record", "match_components",
           "unmatched_rematch", "webhook_receive", "webhook_source_save"]
