"""API tokens: creation and lookup. Only a SHA-256 of each token is stored."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.models import ApiToken

TOKEN_PREFIX = "pvd_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user, name: str = "") -> str:
    """Create a token for `user` and return the raw value; it is not stored and cannot be shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:12], token_hash=_digest(raw))
    return raw


def api_token_user(*, raw: str):
    """The active user a raw token belongs to, or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_digest(raw), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write last_used_at at most once a minute: a hot API client must not turn reads into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_by_name(username: str):
    return get_user_model().objects.filter(username=username).first()
