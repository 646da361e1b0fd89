"""The authentication backend for the OpenID Connect callback: verify, resolve, sign in.

mozilla-django-oidc checks state, nonce, PKCE, the signature (alg pinned, key from the JWKS) and
`exp`; this adds the checks it leaves out (`iss`, `aud`, `azp`, required claims, userinfo `sub`)
and turns every failure into a Refusal the callback page explains, instead of a 500.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from catalog.selectors import IdentityAmbiguous, user_entity_email
from portal.sso.config import ProviderUnavailable, client_setting, endpoint, issuer, sso_enabled
from portal.sso.resolvers import Identity, identity_from_claims, resolve_user_entity

logger = logging.getLogger(__name__)
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat")


class Refusal(Exception):
    """Why a sign-in was refused, in words for the person; `outcome` and `status` for the log and page."""

    def __init__(self, message: str, *, outcome: str = "denied", status: int = 403, identity: Identity | None = None):
        super().__init__(message)
        self.message = message
        self.outcome = outcome
        self.status = status
        self.identity = identity


def _failed(message: str) -> Refusal:
    return Refusal(message, outcome="failed", status=400)


class PavedOIDCBackend(OIDCAuthenticationBackend):
    """Signs in whoever the provider vouches for, as the catalog User the resolvers find."""

    get_settings = staticmethod(client_setting)
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        # The base class reads every endpoint here, and Django builds backends for every password
        # sign-in too: endpoints are read only when a single sign-on callback comes in.
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: endpoint("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: endpoint("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: endpoint("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.PAVED_OIDC_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.PAVED_OIDC_CLIENT_SECRET or "")
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.PAVED_OIDC_SIGN_ALGO)

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password form never reaches the provider.
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except Refusal as refusal:
            request.sso_refusal = refusal
        except ProviderUnavailable as exc:
            request.sso_refusal = Refusal(str(exc), outcome="failed", status=502)
        except requests.RequestException as exc:
            request.sso_refusal = Refusal(f"The sign-in provider did not answer as expected: {exc}",
                                          outcome="failed", status=502)
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            request.sso_refusal = _failed(f"The sign-in provider's answer could not be verified: {exc}")
        except (KeyError, TypeError, ValueError) as exc:  # malformed JSON or JWKS from the provider
            logger.warning("Single sign-on: unusable answer from the provider", exc_info=True)
            request.sso_refusal = _failed(f"The sign-in provider's answer could not be used: {exc!r}")
        return None

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)  # the base class skips the is_active check

    def verify_token(self, token, **kwargs):
        if not isinstance(token, str) or not token:
            raise SuspiciousOperation("The provider sent no id token.")
        payload = super().verify_token(token, **kwargs)
        missing = [claim for claim in REQUIRED_CLAIMS if claim not in payload]
        if missing:
            raise SuspiciousOperation(f"The id token lacks the required claim(s) {', '.join(missing)}.")
        if payload["iss"] != issuer():
            raise SuspiciousOperation(f"The id token was issued by {payload['iss']!r}, not {issuer()!r}.")
        audience = payload["aud"] if isinstance(payload["aud"], list) else [payload["aud"]]
        client_id = settings.PAVED_OIDC_CLIENT_ID
        if client_id not in audience:
            raise SuspiciousOperation("The id token was issued to another client (aud).")
        if len(audience) > 1 and payload.get("azp") != client_id:
            raise SuspiciousOperation("The id token names several audiences but not this client as azp.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if access_token and self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core 5.3.2: userinfo of another subject must not be used.
            if not isinstance(userinfo, dict) or userinfo.get("sub") != payload["sub"]:
                raise _failed("The provider's userinfo answer is about another subject.")
            for name, value in userinfo.items():
                claims.setdefault(name, value)
        identity = identity_from_claims(
            claims=claims, issuer=payload["iss"], username_claim=settings.PAVED_OIDC_USERNAME_CLAIM,
            email_domains=settings.PAVED_OIDC_EMAIL_DOMAINS,
        )
        self.request.sso_identity = identity
        try:
            entity = resolve_user_entity(identity=identity, resolvers=settings.PAVED_OIDC_RESOLVERS)
        except IdentityAmbiguous as exc:
            raise Refusal(f"{exc} Ask the platform team to keep one e-mail per catalog User.",
                          identity=identity) from None
        if entity is not None:
            self.request.sso_entity_ref = entity.ref
            user = self._account(username=entity.name, email=user_entity_email(entity=entity), identity=identity)
        elif settings.PAVED_OIDC_ALLOW_UNKNOWN_USERS and identity.email:
            # Named by the e-mail, which can never be a catalog User's name ('@' is not allowed in
            # names), so the account does not pick up the groups of a User added later by that name.
            user = self._account(username=identity.email, email=identity.email, identity=identity)
        else:
            raise Refusal("Your account is not in the Paved catalog.", identity=identity)
        if not user.is_active:
            raise Refusal(f"The Paved account {user.get_username()} is disabled.", identity=identity)
        return user

    def _account(self, *, username: str, email: str, identity: Identity):
        """The Django user single sign-on signs in as: created on first sign-in, e-mail kept current."""
        found = list(self.UserModel.objects.filter(username__iexact=username)[:2])
        if len(found) > 1:
            raise Refusal(f"Several Paved accounts are named {username!r}; ask an admin to merge them.",
                          identity=identity)
        if not found:
            user = self.UserModel(username=username, email=email)
            user.set_unusable_password()
            user.save()
            return user
        user = found[0]
        # A local account with a password (the break-glass admin, `make run`'s users) is not
        # single sign-on's to take: anyone able to publish a catalog User of that name could.
        if user.has_usable_password():
            raise Refusal(
                f"A local Paved account named {user.get_username()!r} exists with a password. Sign in with "
                "the password, or ask an admin to remove it so single sign-on can use the account.",
                identity=identity,
            )
        if user.email != email:
            user.email = email
            user.save(update_fields=["email"])
        return user
