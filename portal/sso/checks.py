"""Start-up checks of the PAVED_OIDC_* settings: a typo fails at start, not at someone's first sign-in.

Imported by portal/settings.py, so it must not import anything that needs Django's apps.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

RESOLVER_NAMES = ("emailMatchingUserEntityProfileEmail", "usernameMatchingUserEntityName",
                  "emailLocalPartMatchingUserEntityName")
# RS/ES keys come from the provider's JWKS; HS uses the client secret (mozilla-django-oidc's rule).
SIGN_ALGOS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512")
URL_SETTINGS = ("PAVED_OIDC_ISSUER", "PAVED_OIDC_DISCOVERY_URL", "PAVED_OIDC_AUTHORIZATION_ENDPOINT",
                "PAVED_OIDC_TOKEN_ENDPOINT", "PAVED_OIDC_USERINFO_ENDPOINT", "PAVED_OIDC_JWKS_URI")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _check_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK:  # a provider on this machine (development)
        return
    raise ImproperlyConfigured(f"{name} must be an https:// URL (http:// only for localhost), not {value!r}.")


def check_sso_settings(conf: dict) -> None:
    """Raise ImproperlyConfigured naming the first PAVED_OIDC_* setting that cannot work."""
    for name in ("PAVED_OIDC_ISSUER", "PAVED_OIDC_CLIENT_ID", "PAVED_OIDC_CLIENT_SECRET"):
        if not conf.get(name):
            raise ImproperlyConfigured(f"{name} must be set when PAVED_OIDC_ENABLED is on.")
    for name in URL_SETTINGS:
        if conf.get(name):
            _check_url(name, conf[name])
    if "openid" not in conf["PAVED_OIDC_SCOPES"]:
        scopes = " ".join(conf["PAVED_OIDC_SCOPES"])
        raise ImproperlyConfigured(f"PAVED_OIDC_SCOPES must include openid, not {scopes!r}.")
    if conf["PAVED_OIDC_SIGN_ALGO"] not in SIGN_ALGOS:
        raise ImproperlyConfigured(
            f"PAVED_OIDC_SIGN_ALGO must be one of {', '.join(SIGN_ALGOS)}, not {conf['PAVED_OIDC_SIGN_ALGO']!r}."
        )
    resolvers = conf["PAVED_OIDC_RESOLVERS"]
    unknown = [name for name in resolvers if name not in RESOLVER_NAMES]
    if unknown or not resolvers:
        raise ImproperlyConfigured(
            f"PAVED_OIDC_RESOLVERS: unknown resolver {', '.join(unknown) or '(none given)'}; "
            f"expected one or more of {', '.join(RESOLVER_NAMES)}."
        )
    # The local part alone says nothing about who owns the address (alice@gmail.com is not
    # alice@example.com): Backstage asks for allowed domains with this resolver, and so do we.
    if "emailLocalPartMatchingUserEntityName" in resolvers and not conf["PAVED_OIDC_EMAIL_DOMAINS"]:
        raise ImproperlyConfigured(
            "PAVED_OIDC_RESOLVERS uses emailLocalPartMatchingUserEntityName: set PAVED_OIDC_EMAIL_DOMAINS "
            "to your organisation's e-mail domains, or anyone with an account at the provider could match."
        )
