"""Which catalog User a signed-in identity is, for sign-in resolvers (single sign-on).

Backstage's resolvers look users up in the default namespace by name, or by
`spec.profile.email` anywhere; so do these. Both compare case-insensitively, as refs and
e-mail addresses do.
"""

from catalog.models import Entity, SearchEntry
from catalog.selectors import EMAIL_KEY

DEFAULT_NAMESPACE = "default"


class IdentityAmbiguous(Exception):
    """More than one catalog User matches: signing in as either would be a guess."""

    def __init__(self, refs: list[str]):
        super().__init__(f"Several catalog users match: {', '.join(refs)}.")
        self.refs = refs


def user_entity_for_identity(*, email: str = "", name: str = "") -> Entity | None:
    """The catalog User whose profile e-mail is `email`, or whose name is `name` (one of the two).

    Raises IdentityAmbiguous when several Users share the e-mail.
    """
    if bool(email) == bool(name):
        raise ValueError("Pass exactly one of email= or name=.")
    if name:
        return Entity.objects.filter(ref=f"user:{DEFAULT_NAMESPACE}/{name.strip().lower()}").first()
    matches = list(
        Entity.objects.filter(
            ref__startswith="user:",
            id__in=SearchEntry.objects.filter(key=EMAIL_KEY, value=email.strip().lower()).values("entity_id"),
        ).order_by("ref")[:5]
    )
    if len(matches) > 1:
        raise IdentityAmbiguous([entity.ref for entity in matches])
    return matches[0] if matches else None


def user_entity_email(*, entity: Entity) -> str:
    """The User's `spec.profile.email` as written in the catalog ('' when it has none)."""
    profile = ((entity.body or {}).get("spec") or {}).get("profile") or {}
    email = profile.get("email")
    return email.strip() if isinstance(email, str) else ""
