"""API tokens: creation and lookup. Only a SHA-256 of each token is stored.

A token carries scopes ("read", or "read" + "write") and may expire. An ingestion token ("facts" for
CI reports to scorecards, "events" for delivery tools to insights) can do nothing but send to its own
endpoints (INGEST_PATHS), so a CI secret that leaks cannot read or change the catalog. Scopes are enforced where
requests come in (portal.auth): a read-only token can read the API and clone, never change
anything; what a token may change is further limited by its owner's permissions.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.audit import audit_record
from portal.models import ApiToken

TOKEN_PREFIX = "pvd_"
READ = ApiToken.Scope.READ.value
WRITE = ApiToken.Scope.WRITE.value
FACTS = ApiToken.Scope.FACTS.value
EVENTS = ApiToken.Scope.EVENTS.value
SCOPE_SETS = {READ: [READ], WRITE: [READ, WRITE], FACTS: [FACTS], EVENTS: [EVENTS]}
# Where each ingestion scope may send (path prefixes); everything else answers 403 to such a token.
INGEST_PATHS = {FACTS: ("/api/facts",), EVENTS: ("/api/events", "/api/insights/webhooks/")}


@dataclass(frozen=True)
class TokenGrant:
    """What a presented token proves: who, what it may do, until when."""

    user: object
    scopes: frozenset[str]
    expires_at: datetime | None

    @property
    def can_write(self) -> bool:
        return WRITE in self.scopes

    @property
    def ingest_paths(self) -> tuple[str, ...] | None:
        """The only path prefixes an ingestion-only token may use; None for read and read-write tokens."""
        if self.scopes & {READ, WRITE}:
            return None
        return tuple(p for scope in sorted(self.scopes) for p in INGEST_PATHS.get(scope, ())) or ("/api/-none-",)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user, name: str = "", scope: str = WRITE, expires_in_days: int | None = None) -> str:
    """Create a token for `user` and return the raw value; it is not stored and cannot be shown again."""
    if scope not in SCOPE_SETS:
        raise ValueError(f"Unknown token scope {scope!r}; expected one of {', '.join(SCOPE_SETS)}.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], token_hash=_digest(raw),
                                    scopes=SCOPE_SETS[scope], expires_at=expires_at)
    audit_record(actor=user, action="paved.token.create", target=f"{token.prefix}… {name}".strip(),
                 detail={"scopes": token.scopes, "expires_at": expires_at.isoformat() if expires_at else None})
    return raw


def api_token_revoke(*, user, token_id: int) -> bool:
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked=False).update(revoked=True)
    api_token_cache_clear()
    if revoked:
        token = ApiToken.objects.get(pk=token_id)
        audit_record(actor=user, action="paved.token.revoke", target=f"{token.prefix}… {token.name}".strip())
    return bool(revoked)


# digest -> (grant, cached until): an API client sends the same token on every request, and the
# lookup (a join with the user) was most of a by-name request's time. A revoked token or a
# deactivated user stays valid in other processes for at most PAVED_TOKEN_CACHE_SECONDS.
_cache: dict[str, tuple[TokenGrant, float]] = {}
MAX_CACHED = 1000


def api_token_cache_clear() -> None:
    _cache.clear()


def _grant_of(token: ApiToken) -> TokenGrant:
    # Rows made before scopes existed are migrated to read+write; an empty list means read-only.
    return TokenGrant(user=token.user, scopes=frozenset(token.scopes or [READ]), expires_at=token.expires_at)


def api_token_lookup(*, raw: str) -> TokenGrant | None:
    """The grant of an active, unexpired token of an active user, or None."""
    if not raw or len(raw) > 200:
        return None
    digest = _digest(raw)
    cached = _cache.get(digest)
    if cached is not None and cached[1] > time.monotonic():
        grant = cached[0]
    else:
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=digest, revoked=False, user__is_active=True)
            .first()
        )
        if token is None:
            _cache.pop(digest, None)
            return None
        grant = _grant_of(token)
        if len(_cache) >= MAX_CACHED:
            _cache.clear()
        _cache[digest] = (grant, time.monotonic() + settings.PAVED_TOKEN_CACHE_SECONDS)
        _touch(token)
    if grant.expires_at is not None and grant.expires_at <= timezone.now():
        return None
    return grant


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    # Write last_used_at at most once a minute: a hot API client must not turn reads into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def api_token_user(*, raw: str):
    """The active user a raw token belongs to, or None (whatever its scopes)."""
    grant = api_token_lookup(raw=raw)
    return grant.user if grant else None


def user_by_name(username: str):
    return get_user_model().objects.filter(username=username).first()
