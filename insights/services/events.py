"""Delivery events: receiving webhooks and API batches and processing the stored deliveries (the
applying itself is insights.services.delivery_apply; the roll-ups insights.services.rollups).

Receiving is quick and stores only the raw delivery (once per source delivery id), then enqueues
`insights.tasks.delivery_process` on commit; processing normalises it (insights.lib.webhooks) and
hands the events to `events_apply`, which upserts the rows and applies the roll-up deltas they
caused, so replaying anything is a no-op. `dora_rebuild` recomputes every roll-up from the rows.
A delivery that cannot be read is kept as failed with the reason (the field named); one whose
event type or action means nothing for DORA is kept as ignored.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.access import is_platform_admin, require
from core.audit import audit_record
from core.queue import task_enqueue_on_commit
from insights.lib.webhooks import api as api_events
from insights.lib.webhooks import argocd, github, gitlab, pagerduty, signatures
from insights.lib.webhooks import githost as githost_events
from insights.lib.webhooks.events import (
    Normalised,
    PayloadError,
)
from insights.lib.webhooks.sealing import SecretUnreadable, seal, unseal
from insights.models import Delivery, WebhookSource
from insights.services.delivery_apply import dora_rebuild, events_apply, match_components, unmatched_rematch

logger = logging.getLogger(__name__)

NORMALISERS = {"github": github, "gitlab": gitlab, "argocd": argocd, "pagerduty": pagerduty,
               "githost": githost_events}
PROCESS_TASK = "insights.tasks.delivery_process"


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
    except (SecretUnreadable, ImproperlyConfigured) as exc:
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


def events_forbidden_message() -> str:
    return "Sending delivery events needs insights.events.write (an API token with the events or write scope)."


__all__ = ["PermissionDenied", "Received", "WebhookInvalid", "WebhookRefused", "WebhookTooLarge",
           "delivery_process", "dora_rebuild", "events_submit", "githost_push_record", "match_components",
           "unmatched_rematch", "webhook_receive", "webhook_source_save"]

