"""The one policy function: may this person do this, to this thing?

Every page, API endpoint, git push and task asks `authorize()` (or `require()`, which raises
PermissionDenied and audits a refused write). Roles are data (core.models), administered in the
admin; who a person is in the catalog (their User entity, groups, parent and child groups) comes
from an identity resolver that the catalog registers at start-up, because core imports no app.

Semantics, as in Backstage's permission framework: a permission is granted by any role the person
holds; a grant is unconditional or holds only when its rule is true for the resource. A role bound
to a Group applies to its members and the members of its child groups. An entity owned by a Group
is owned by its members and by the members of its parent groups.
"""

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied

from core.permissions import PERMISSIONS, permission_matches

ADMIN_PERMISSION = "*"


@dataclass(frozen=True)
class Identity:
    """Who a signed-in person is in the catalog."""

    user_id: int | None
    user_refs: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    # Refs role bindings match: the person's User refs, groups and those groups' ancestors.
    binding_refs: frozenset[str] = frozenset()
    # Refs that make a thing the person's: User refs, groups and those groups' descendants.
    ownership_refs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Resource:
    """What a permission is checked against, described by the app that owns it."""

    type: str
    ref: str = ""
    owner_refs: frozenset[str] = frozenset()
    kind: str = ""
    tags: frozenset[str] = frozenset()
    annotations: Mapping[str, str] = field(default_factory=dict)
    # Set when the person who made the thing counts as its owner (a location, a task).
    creator_id: int | None = None
    action_id: str = ""
    # True for things made of many owned parts (a location): the person must own every part.
    owners_all_required: bool = False

    @property
    def label(self) -> str:
        return self.ref or self.type


@dataclass(frozen=True)
class GrantSpec:
    permission: str
    rule: str = ""
    params: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """For list pages: allowed on everything, refused, or allowed where one of `conditions` holds."""

    allow_all: bool
    conditions: tuple[GrantSpec, ...] = ()

    @property
    def denied(self) -> bool:
        return not self.allow_all and not self.conditions


# --- Identity -----------------------------------------------------------------------------------


def _default_resolver(user) -> Identity:
    ref = f"user:default/{user.get_username().lower()}"
    return Identity(user_id=user.pk, user_refs=frozenset({ref}), binding_refs=frozenset({ref}),
                    ownership_refs=frozenset({ref}))


_resolver: Callable[[object], Identity] = _default_resolver
_lock = threading.Lock()
_generation = 0
_role_generation = 0
_identities: dict[int, tuple[float, int, Identity]] = {}
_roles: tuple[float, int, tuple] | None = None


def identity_resolver_register(resolver: Callable[[object], Identity]) -> None:
    """The catalog tells core how to find a person's User entity and groups."""
    global _resolver
    _resolver = resolver
    access_cache_clear()


def access_cache_clear(**_kwargs) -> None:
    """Forget cached identities and roles (connected to the role models' change signals)."""
    global _role_generation, _roles
    with _lock:
        _role_generation += 1
        _roles = None
    identities_forget()


def identities_forget(**_kwargs) -> None:
    """Forget cached identities only (the catalog changed: users, groups or memberships may
    have); roles are unchanged, so pages that every signed-in person may see stay query-free."""
    global _generation
    with _lock:
        _generation += 1
        _identities.clear()


def _ttl() -> float:
    return float(settings.PAVED_ACCESS_CACHE_SECONDS)


def identity_of(user) -> Identity | None:
    """Cached on the user object for the request and per process for PAVED_ACCESS_CACHE_SECONDS, so
    a page that checks fifty rows resolves the person once; changes in this process apply at once,
    changes made by another process within the TTL."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    memo = getattr(user, "_paved_identity", None)
    if memo is not None and memo[0] == _generation:
        return memo[1]
    generation = _generation
    now = time.monotonic()
    cached = _identities.get(user.pk)
    if cached is not None and cached[0] > now and cached[1] == generation:
        identity = cached[2]
    else:
        identity = _resolver(user)
        if _ttl() > 0:
            _identities[user.pk] = (now + _ttl(), generation, identity)
    user._paved_identity = (generation, identity)
    return identity


# --- Roles --------------------------------------------------------------------------------------


def _load_roles() -> tuple[tuple[GrantSpec, ...], dict[str, tuple[GrantSpec, ...]]]:
    from core.models import Grant, RoleBinding  # models load after apps are ready

    everyone: list[GrantSpec] = []
    by_role: dict[int, list[GrantSpec]] = {}
    for grant in Grant.objects.select_related("role").order_by("pk"):
        spec = GrantSpec(grant.permission, grant.rule, grant.params or {})
        by_role.setdefault(grant.role_id, []).append(spec)
        if grant.role.everyone:
            everyone.append(spec)
    bound: dict[str, list[GrantSpec]] = {}
    for subject, role_id in RoleBinding.objects.values_list("subject", "role_id"):
        bound.setdefault(subject.lower(), []).extend(by_role.get(role_id, []))
    return tuple(everyone), {subject: tuple(grants) for subject, grants in bound.items()}


def _roles_now():
    global _roles
    now = time.monotonic()
    current = _roles
    if current is not None and current[0] > now and current[1] == _role_generation:
        return current[2]
    generation = _role_generation
    loaded = _load_roles()
    _roles = (now + max(_ttl(), 0.5), generation, loaded)
    return loaded


def grants_of(user) -> tuple[GrantSpec, ...]:
    identity = identity_of(user)
    if identity is None:
        return ()
    if getattr(user, "is_superuser", False):
        return (GrantSpec(ADMIN_PERMISSION),)
    everyone, bound = _roles_now()
    grants = list(everyone)
    for ref in identity.binding_refs:
        grants.extend(bound.get(ref, ()))
    return tuple(grants)


# --- Rules --------------------------------------------------------------------------------------


def _is_owner(identity: Identity, resource: Resource) -> bool:
    if resource.creator_id is not None and resource.creator_id == identity.user_id:
        return True
    if resource.owners_all_required:
        return bool(resource.owner_refs) and resource.owner_refs <= identity.ownership_refs
    return bool(resource.owner_refs & identity.ownership_refs)


def _has_annotation(resource: Resource, params: Mapping) -> bool:
    key = str(params.get("annotation", ""))
    if key not in resource.annotations:
        return False
    return "value" not in params or str(resource.annotations[key]) == str(params["value"])


def _is_kind(resource: Resource, params: Mapping) -> bool:
    kinds = params.get("kinds", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return resource.kind.lower() in {str(k).lower() for k in kinds}


def rule_holds(rule: str, params: Mapping, identity: Identity, resource: Resource | None) -> bool:
    """Unknown rules and missing resources hold for nobody: a conditional grant never widens access."""
    if resource is None:
        return False
    if rule == "IS_ENTITY_OWNER":
        return _is_owner(identity, resource)
    if rule == "IS_TASK_OWNER":
        return resource.creator_id is not None and resource.creator_id == identity.user_id
    if rule == "HAS_ANNOTATION":
        return _has_annotation(resource, params)
    if rule == "IS_ENTITY_KIND":
        return _is_kind(resource, params)
    if rule == "HAS_TAG":
        return str(params.get("tag", "")).lower() in {t.lower() for t in resource.tags}
    if rule == "HAS_ACTION_ID":
        return resource.action_id == str(params.get("actionId", ""))
    return False


# --- The policy ---------------------------------------------------------------------------------


def authorize(user, permission: str, resource: Resource | None = None) -> bool:
    """True when one of the person's grants gives `permission` (on `resource`, for conditional ones)."""
    if _everyone_allows(user, permission):
        return True
    identity = identity_of(user)
    if identity is None or not getattr(user, "is_active", True):
        return False
    for grant in grants_of(user):
        if not permission_matches(grant.permission, permission):
            continue
        if not grant.rule or rule_holds(grant.rule, grant.params, identity, resource):
            return True
    return False


def _everyone_allows(user, permission: str) -> bool:
    """An unconditional grant of the Everyone role holds for every signed-in, active person,
    whoever they are in the catalog: answered without resolving their identity."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    everyone, _ = _roles_now()
    return any(not g.rule and permission_matches(g.permission, permission) for g in everyone)


def decision(user, permission: str) -> Decision:
    """What `permission` allows without a resource: lets list queries filter in the database."""
    if _everyone_allows(user, permission):
        return Decision(allow_all=True)
    identity = identity_of(user)
    if identity is None or not getattr(user, "is_active", True):
        return Decision(allow_all=False)
    conditions = []
    for grant in grants_of(user):
        if not permission_matches(grant.permission, permission):
            continue
        if not grant.rule:
            return Decision(allow_all=True)
        conditions.append(grant)
    return Decision(allow_all=False, conditions=tuple(conditions))


def is_platform_admin(user) -> bool:
    """Holds `*`: superusers and the roles bound to the platform team."""
    return any(g.permission == ADMIN_PERMISSION and not g.rule for g in grants_of(user))


def denied_message(permission: str, resource: Resource | None = None) -> str:
    known = PERMISSIONS.get(permission)
    what = known.description.rstrip(".").lower() if known else permission
    target = f" ({resource.label})" if resource is not None else ""
    owners = " Only its owners and platform admins may." if resource is not None and resource.owner_refs else ""
    return f"You are not allowed to {what}{target}: {permission} is not granted to you.{owners}"


def require(user, permission: str, resource: Resource | None = None) -> None:
    """Raise PermissionDenied (with a message saying why) unless authorized; refused writes are audited."""
    if authorize(user, permission, resource):
        return
    known = PERMISSIONS.get(permission)
    if known is None or known.write:
        from core.audit import audit_record

        audit_record(actor=user, action=permission, target=resource.label if resource else "", outcome="denied")
    raise PermissionDenied(denied_message(permission, resource))
