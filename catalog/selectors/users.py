"""Who a person is in the catalog: the User entities that are them, their groups, and which
catalog User a single sign-on identity is.

Backstage's sign-in resolvers look users up in the default namespace by name, or by
`spec.profile.email` anywhere; so does `user_entity_for_identity`. Both compare
case-insensitively, as refs and e-mail addresses do.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from catalog.lib.refs import entity_key
from catalog.models import Entity, Relation, SearchEntry

EMAIL_KEY = "spec.profile.email"
DEFAULT_NAMESPACE = "default"


# --- Groups of a signed-in person ---------------------------------------------------------


def user_entity_refs(user) -> QuerySet:
    """Refs of the catalog User entities that are this person: same user name or same e-mail."""
    username = (user.get_username() or "").strip()
    match = Q(name__iexact=username) if username else Q(pk__in=[])
    email = (getattr(user, "email", "") or "").strip().lower()
    if email:
        match |= Q(id__in=SearchEntry.objects.filter(key=EMAIL_KEY, value=email).values("entity_id"))
    return Entity.objects.filter(match, ref__startswith="user:").values("ref")


def user_groups(user) -> list[str]:
    """Lower-case refs of the groups the person's catalog User is a member of (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = Relation.objects.filter(type="memberOf", source_ref__in=user_entity_refs(user)).values_list(
        "target_ref", flat=True
    )
    return sorted(set(rows))


def user_owner_refs(user) -> list[str]:
    """Owner refs that make an entity the person's: their catalog User refs and those users' groups."""
    if not getattr(user, "is_authenticated", False):
        return []
    user_refs = [row["ref"] for row in user_entity_refs(user)]
    if not user_refs:
        return []
    groups = Relation.objects.filter(type="memberOf", source_ref__in=user_refs).values_list("target_ref", flat=True)
    return sorted(set(user_refs) | set(groups))


# --- People behind catalog refs (notifications) ----------------------------------------------

MAX_GROUP_DEPTH = 10


def accounts_for_refs(refs) -> list:
    """The active accounts of the people `refs` name: User refs directly, Group refs through their
    members and their child groups' members (Backstage's notification recipients for an entity).
    An account is a User's when its user name is the User's name or its e-mail the User's e-mail."""
    wanted = {str(ref).strip().lower() for ref in refs if str(ref).strip()}
    user_refs = {ref for ref in wanted if ref.startswith("user:")}
    groups = {ref for ref in wanted if ref.startswith("group:")}
    frontier = set(groups)
    for _ in range(MAX_GROUP_DEPTH):  # child groups, breadth first, bounded (a parentOf cycle ends here)
        children = set(Relation.objects.filter(type="parentOf", source_ref__in=frontier)
                       .values_list("target_ref", flat=True)) - groups
        if not children:
            break
        groups |= children
        frontier = children
    if groups:
        members = Relation.objects.filter(type="hasMember", source_ref__in=groups, target_ref__startswith="user:")
        member_of = Relation.objects.filter(type="memberOf", target_ref__in=groups, source_ref__startswith="user:")
        user_refs |= set(members.values_list("target_ref", flat=True))
        user_refs |= set(member_of.values_list("source_ref", flat=True))
    if not user_refs:
        return []
    entities = Entity.objects.filter(ref__in=user_refs)
    names = {name.lower() for name in entities.values_list("name", flat=True)}
    emails = set(SearchEntry.objects.filter(key=EMAIL_KEY, entity__in=entities).values_list("value", flat=True))
    accounts = get_user_model().objects.filter(is_active=True).annotate(
        login=Lower("username"), address=Lower("email"))
    return list(accounts.filter(Q(login__in=names) | Q(address__in=emails - {""})))


# --- Sign-in resolvers (single sign-on) ------------------------------------------------------


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
        return Entity.objects.filter(ref=entity_key("user", DEFAULT_NAMESPACE, name.strip())).first()
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
