"""Shared helpers of the delivery-events tests: webhook sources, signed requests, processing."""

import hashlib
import hmac
import json

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from insights.lib.webhooks.sealing import seal
from insights.models import Delivery, WebhookSource
from insights.services.events import delivery_process, webhook_sources_forget

SECRET = "s3cret-s3cret-s3cret-s3cret"


@pytest.fixture
def sealing_key(settings):
    settings.PAVED_SECRETS_ENCRYPTION_KEY = Fernet.generate_key().decode()


def make_source(kind: str, name: str | None = None, secret: str = SECRET) -> WebhookSource:
    webhook_sources_forget()
    return WebhookSource.objects.create(name=name or kind, kind=kind, secret_sealed=seal(secret))


def hub_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pd_signature(body: bytes, secret: str = SECRET) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(path: str, payload, **headers):
    """POST like a delivery tool does: no session, CSRF enforced as for a browser (it must not apply)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Client(enforce_csrf_checks=True).post(path, body, content_type="application/json", headers=headers)


def github_post(event: str, payload, delivery: str, *, secret: str = SECRET, name: str = "github"):
    body = json.dumps(payload).encode()
    return post(f"/api/insights/webhooks/{name}", body, **{"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
                                                           "X-Hub-Signature-256": hub_signature(body, secret)})


def process_pending() -> list[str]:
    """Run the processing task for every stored, pending delivery (what the worker does)."""
    return [delivery_process(delivery_id=pk) for pk in
            Delivery.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True)]


def grant(user, *permissions: str) -> None:
    """Bind a role holding `permissions` to `user` (by their default User ref)."""
    from core.access import access_cache_clear
    from core.models import Grant, Role, RoleBinding

    role = Role.objects.create(name=f"role-{user.username}-{len(permissions)}")
    for permission in permissions:
        Grant.objects.create(role=role, permission=permission)
    RoleBinding.objects.create(role=role, subject=f"user:default/{user.username}")
    access_cache_clear()


@pytest.fixture
def sender(django_user_model):
    """A CI account allowed to send events."""
    user = django_user_model.objects.create_user("ci-bot", "ci@example.com", "x")
    grant(user, "insights.events.write")
    return user


@pytest.fixture
def events_token(sender) -> str:
    from portal.tokens import api_token_create

    return api_token_create(user=sender, name="ci", scope="events")
