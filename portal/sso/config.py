"""The provider's endpoints and the client's settings, read when a sign-in happens.

Settings are read at call time (not copied into mozilla-django-oidc's OIDC_* settings at start-up)
so password sign-in never waits on the provider, and tests can switch single sign-on per test.
"""

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_CACHE_SECONDS = 3600
ENDPOINTS = {
    # mozilla-django-oidc's name: (Paved's explicit setting, the discovery document's field)
    "OIDC_OP_AUTHORIZATION_ENDPOINT": ("PAVED_OIDC_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    "OIDC_OP_TOKEN_ENDPOINT": ("PAVED_OIDC_TOKEN_ENDPOINT", "token_endpoint"),
    "OIDC_OP_USER_ENDPOINT": ("PAVED_OIDC_USERINFO_ENDPOINT", "userinfo_endpoint"),
    "OIDC_OP_JWKS_ENDPOINT": ("PAVED_OIDC_JWKS_URI", "jwks_uri"),
}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read or does not describe this issuer."""


def sso_enabled() -> bool:
    return bool(settings.PAVED_OIDC_ENABLED)


def discovery_url() -> str:
    return settings.PAVED_OIDC_DISCOVERY_URL or settings.PAVED_OIDC_ISSUER.rstrip("/") + DISCOVERY_PATH


def _fetch_discovery(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.PAVED_OIDC_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"The discovery document {url} could not be read: {exc}") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"The discovery document {url} is not a JSON object.")
    # OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer we asked for,
    # or a look-alike document could hand us another provider's keys and endpoints.
    if str(document.get("issuer", "")).rstrip("/") != settings.PAVED_OIDC_ISSUER.rstrip("/"):
        raise ProviderUnavailable(
            f"The discovery document {url} names issuer {document.get('issuer')!r}, "
            f"not PAVED_OIDC_ISSUER {settings.PAVED_OIDC_ISSUER!r}."
        )
    return document


def discovery() -> dict:
    """The provider's discovery document, cached for an hour; {} when every endpoint is explicit."""
    if all(getattr(settings, name) for name, _field in ENDPOINTS.values()):
        return {}
    url = discovery_url()
    key = f"paved:sso:discovery:{url}"
    document = cache.get(key)
    if document is None:
        document = _fetch_discovery(url)
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def endpoint(oidc_name: str) -> str:
    """One of the provider's endpoints: the explicit setting, else the discovery document's."""
    explicit, field = ENDPOINTS[oidc_name]
    value = getattr(settings, explicit) or discovery().get(field) or ""
    if not value and oidc_name != "OIDC_OP_USER_ENDPOINT":  # userinfo is optional: the id token suffices
        raise ProviderUnavailable(f"The provider names no {field}; set {explicit}.")
    return value


def issuer() -> str:
    """The `iss` every id token must carry: the discovery document's spelling when there is one."""
    return str(discovery().get("issuer") or settings.PAVED_OIDC_ISSUER)


def client_setting(oidc_name: str, *default):
    """mozilla-django-oidc's settings, answered from Paved's PAVED_OIDC_* settings."""
    mapping = {
        "OIDC_RP_CLIENT_ID": settings.PAVED_OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.PAVED_OIDC_CLIENT_SECRET or "",
        "OIDC_RP_SIGN_ALGO": settings.PAVED_OIDC_SIGN_ALGO,
        "OIDC_RP_SCOPES": " ".join(settings.PAVED_OIDC_SCOPES),
        "OIDC_USE_PKCE": True,
        "OIDC_USE_NONCE": True,
        # client_secret_basic is the method every provider must accept (RFC 6749 section 2.3.1).
        "OIDC_TOKEN_USE_BASIC_AUTH": True,
        "OIDC_TIMEOUT": settings.PAVED_OIDC_TIMEOUT_SECONDS,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "portal:sso_callback",
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_ALLOW_UNSECURED_JWT": False,
    }
    if oidc_name in ENDPOINTS:
        return endpoint(oidc_name)
    if oidc_name in mapping:
        return mapping[oidc_name]
    if default:
        return getattr(settings, oidc_name, default[0])
    raise ImproperlyConfigured(f"Setting {oidc_name} not found.")
