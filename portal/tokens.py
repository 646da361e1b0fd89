"""API tokens: creation and lookup. Only a SHA-256 of each token is stored."""

import hashlib
import secrets
import time

from django.conf import settings
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


# digest -> (user, expires at): an API client sends the same token on every request, and the
# lookup (a join with the user) was most of a by-name request's time. A revoked token or a
# deactivated user stays valid in other processes for at most PAVED_TOKEN_CACHE_SECONDS.
_cache: dict[str, tuple[object, float]] = {}
MAX_CACHED = 1000


def api_token_cache_clear() -> None:
    _cache.clear()


def api_token_user(*, raw: str):
    """The active user a raw token belongs to, or None."""
    if not raw or len(raw) > 200:
        return None
    digest = _digest(raw)
    cached = _cache.get(digest)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=digest, revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        _cache.pop(digest, None)
        return None
    if len(_cache) >= MAX_CACHED:
        _cache.clear()
    _cache[digest] = (token.user, time.monotonic() + settings.PAVED_TOKEN_CACHE_SECONDS)
    now = timezone.now()
    # Write last_used_at at most once a minute: a hot API client must not turn reads into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_by_name(username: str):
    return get_user_model().objects.filter(username=username).first()
