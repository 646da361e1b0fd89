"""Sign-in resolvers: which catalog User an identity from the provider is (Backstage's names).

Each resolver takes the identity and returns the catalog User entity or None; they are tried in
the order of PAVED_OIDC_RESOLVERS and the first match wins. E-mail addresses count only when the
provider does not say they are unverified, and only in PAVED_OIDC_EMAIL_DOMAINS when that is set.
"""

from collections.abc import Callable
from dataclasses import dataclass

from catalog.models import Entity
from catalog.selectors import user_entity_for_identity


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: from the verified id token, completed by userinfo."""

    issuer: str
    subject: str
    email: str = ""  # '' unless usable: present, not marked unverified, in an allowed domain
    username: str = ""

    @property
    def email_local_part(self) -> str:
        return self.email.partition("@")[0]


def identity_from_claims(*, claims: dict, issuer: str, username_claim: str, email_domains: list[str]) -> Identity:
    email = claims.get("email")
    email = email.strip().lower() if isinstance(email, str) and email.count("@") == 1 else ""
    # Google, Okta, Keycloak and GitLab send email_verified; an address marked false may be anyone's.
    if claims.get("email_verified") in (False, "false"):
        email = ""
    domains = {d.strip().lower().lstrip("@") for d in email_domains if d.strip()}
    if email and domains and email.partition("@")[2] not in domains:
        email = ""
    username = claims.get(username_claim)
    return Identity(
        issuer=issuer,
        subject=str(claims.get("sub", "")),
        email=email,
        username=username.strip() if isinstance(username, str) else "",
    )


def email_matching_user_entity_profile_email(identity: Identity) -> Entity | None:
    return user_entity_for_identity(email=identity.email) if identity.email else None


def username_matching_user_entity_name(identity: Identity) -> Entity | None:
    return user_entity_for_identity(name=identity.username) if identity.username else None


def email_local_part_matching_user_entity_name(identity: Identity) -> Entity | None:
    return user_entity_for_identity(name=identity.email_local_part) if identity.email else None


RESOLVERS: dict[str, Callable[[Identity], Entity | None]] = {
    "emailMatchingUserEntityProfileEmail": email_matching_user_entity_profile_email,
    "usernameMatchingUserEntityName": username_matching_user_entity_name,
    "emailLocalPartMatchingUserEntityName": email_local_part_matching_user_entity_name,
}


def resolve_user_entity(*, identity: Identity, resolvers: list[str]) -> Entity | None:
    """The first catalog User a resolver finds (raises IdentityAmbiguous if one finds several)."""
    for name in resolvers:
        entity = RESOLVERS[name](identity)
        if entity is not None:
            return entity
    return None
