"""Notifications: short messages to people (a task finished, a docs build failed, a survey opened).

Any app sends with `notify(...)`, naming Django users (apps resolve catalog Users and Groups to people
through catalog's selectors first). People read theirs in the header's bell, at /notifications/ and
through Backstage's notifications API (/api/notifications/). When PAVED_NOTIFICATIONS_EMAIL is on,
each is also e-mailed by a task (enqueued on commit, and swept every few minutes in case the
broker was down), never in the request that sent it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import Notification
from core.queue import task_enqueue_on_commit

logger = logging.getLogger(__name__)

SEVERITIES = [choice.value for choice in Notification.Severity]
MAX_RECIPIENTS = 5000
EMAIL_BATCH = 200


class NotificationError(ValueError):
    """The notification cannot be sent as given; the message names the field."""


def _link_check(link: str) -> str:
    """A path inside Paved or an http(s) URL; anything else (javascript:, data:) is refused."""
    link = (link or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme in ("http", "https") and parts.netloc:
        return link[:2000]
    if not parts.scheme and not parts.netloc and link.startswith("/") and not link.startswith("//"):
        return link[:2000]
    raise NotificationError(f"link: {link[:80]!r} is not a path in Paved or an http(s) URL")


def notify(*, users: Iterable, title: str, description: str = "", link: str = "", severity: str = "normal",
           topic: str = "", origin: str, actor=None) -> int:
    """Send one notification to each of `users` (active accounts only, each once); returns how many were made."""
    title = " ".join(str(title or "").split())
    if not title:
        raise NotificationError("title: a notification needs a title")
    if severity not in SEVERITIES:
        raise NotificationError(f"severity: expected one of {', '.join(SEVERITIES)}, got {severity!r}")
    link = _link_check(link)
    recipients = {user.pk: user for user in users if user is not None and getattr(user, "is_active", False)}
    if len(recipients) > MAX_RECIPIENTS:
        raise NotificationError(f"recipients: {len(recipients)} people; at most {MAX_RECIPIENTS} per notification")
    if not recipients:
        return 0
    email = bool(settings.PAVED_NOTIFICATIONS_EMAIL)
    rows = [Notification(recipient_id=pk, title=title[:300], description=str(description or "")[:10_000], link=link,
                         severity=severity, topic=str(topic or "")[:200], origin=str(origin)[:200], email_wanted=email)
            for pk in recipients]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=500)
        audit_record(actor=actor, action="notification.send", target=origin,
                     actor_name="" if actor is not None else "paved",
                     detail={"title": title[:200], "recipients": len(rows), "severity": severity})
    if email:
        task_enqueue_on_commit("core.tasks.notifications_email_send")
    return len(rows)


def notifications_of(user, *, read: bool | None = None):
    """The person's own notifications, newest first: all, only read ones (True) or only unread (False)."""
    rows = Notification.objects.filter(recipient=user)
    if read is not None:
        rows = rows.filter(read_at__isnull=not read)
    return rows.order_by("-created", "-id")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def counts_of(user) -> dict:
    rows = Notification.objects.filter(recipient=user)
    unread = rows.filter(read_at__isnull=True).count()
    return {"unread": unread, "read": rows.count() - unread}


def mark(user, *, ids: Iterable[int] | None, read: bool) -> int:
    """Mark the person's own notifications (all of them when `ids` is None) read or unread; returns how many."""
    rows = Notification.objects.filter(recipient=user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    changed = rows.filter(read_at__isnull=read).update(read_at=timezone.now() if read else None)
    if changed:
        audit_record(actor=user, action="notification.read" if read else "notification.unread",
                     target=f"{changed} notification(s)")
    return changed


def email_due(*, limit: int = EMAIL_BATCH) -> int:
    """E-mail wanted notifications not sent yet; each is stamped first, so two workers never send one twice."""
    sent = 0
    base = settings.PAVED_PUBLIC_URL.rstrip("/")
    with transaction.atomic():
        rows = list(Notification.objects.select_for_update(skip_locked=True)
                    .filter(email_wanted=True, emailed_at__isnull=True).select_related("recipient")[:limit])
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=timezone.now())
    for row in rows:
        address = (row.recipient.email or "").strip()
        if not address:
            continue
        link = f"{base}{row.link}" if row.link.startswith("/") else row.link
        body = "\n\n".join(part for part in (row.description, link) if part)
        try:
            send_mail(f"[Paved] {row.title}", body or row.title, None, [address])
            sent += 1
        except Exception as exc:  # noqa: BLE001 - a mail server problem must not stop the batch
            logger.warning("could not e-mail notification %s to %s: %s", row.pk, address, exc)
    return sent


def prune_read(*, now=None) -> int:
    days = settings.PAVED_NOTIFICATIONS_RETENTION_DAYS
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = Notification.objects.filter(read_at__isnull=False, created__lt=cutoff).delete()
    return deleted


def active_users():
    """Everyone a broadcast reaches."""
    return get_user_model().objects.filter(is_active=True)
