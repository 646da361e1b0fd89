"""Who may do what to a repository on the built-in git host.

A repository belongs to a catalog owner, `owner_ref` (a lower-case Group or User ref): the members
of that owner (and of its parent groups) push, through `githost.repository.push` granted with
IS_ENTITY_OWNER; rewriting protected refs needs `githost.repository.admin`. The person who
created a repository is not an owner by that alone: ownership is the catalog's.

githost sits below the catalog and never imports it: it describes a repository to core.access,
which asks the catalog (through the identity resolver it registered) who a person is.

Reserved repositories, the `platform/` owner and PAVED_GITOPS_REPO, are written only by the portal
itself (the GitOps actions commit through githost.services as the portal): they have no owner,
so over HTTP only platform admins push to them, and publish:git never creates one.
"""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from core.access import Resource, authorize, decision, identity_of, is_platform_admin, require
from core.audit import audit_record
from core.permissions import REPOSITORY
from githost.models import GitRepository

RESERVED_OWNERS = frozenset({"platform"})
OWNER_REF_RE = re.compile(r"^(?:([a-z][a-z0-9-]{0,62}):)?(?:([a-z0-9][a-z0-9._-]{0,62})/)?([a-z0-9][a-z0-9._-]{0,62})$")


class OwnerRefError(ValueError):
    """An owner that is not a catalog ref; the message says what was expected."""


def repo_is_reserved(owner: str, name: str) -> bool:
    """True for repositories only the portal writes: the `platform/` owner and the GitOps repository."""
    gitops = str(settings.PAVED_GITOPS_REPO or "").strip().lower()
    return owner.lower() in RESERVED_OWNERS or f"{owner}/{name}".lower() == gitops


def owner_ref_normalize(value: object, *, field: str = "owner") -> str:
    """"team-a", "group:team-a" or "Group:default/Team-A" -> "group:default/team-a" (Backstage's
    shorthand: kind Group, namespace default). OwnerRefError naming `field` for anything else."""
    text = str(value or "").strip().lower()
    found = OWNER_REF_RE.match(text)
    if not found:
        raise OwnerRefError(f"{field}: {value!r} is not an owner; expected a Group or User ref such as "
                            "group:default/team-a")
    kind, namespace, name = found.group(1) or "group", found.group(2) or "default", found.group(3)
    if kind not in ("group", "user"):
        raise OwnerRefError(f"{field}: {value!r} is a {kind}; a repository is owned by a Group or a User")
    return f"{kind}:{namespace}/{name}"


def repository_resource(repo: GitRepository) -> Resource:
    """The repository as the policy sees it: owned by `owner_ref` (nobody when reserved or unset)."""
    owners = frozenset() if not repo.owner_ref or repo_is_reserved(repo.owner, repo.name) else frozenset(
        {repo.owner_ref.lower()})
    return Resource(type=REPOSITORY, ref=repo.full_name, owner_refs=owners)


def repo_may_read(*, user, repo: GitRepository) -> bool:
    return authorize(user, "githost.repository.read", repository_resource(repo))


def repo_read_filter(*, user) -> Q | None:
    """None: every repository. Otherwise the ones `user` may read (owner-only grants: their owners')."""
    allowed = decision(user, "githost.repository.read")
    if allowed.allow_all:
        return None
    identity = identity_of(user)
    if identity is not None and any(grant.rule == "IS_ENTITY_OWNER" for grant in allowed.conditions):
        return Q(owner_ref__in=sorted(identity.ownership_refs))
    return Q(pk__in=[])


def repo_may_push(*, user, repo: GitRepository) -> bool:
    return authorize(user, "githost.repository.push", repository_resource(repo))


def repo_push_require(*, user, repo: GitRepository) -> None:
    """PermissionDenied (audited) saying who may push, unless `user` may push to `repo`."""
    require(user, "githost.repository.push", repository_resource(repo))


def repo_is_admin(*, user, repo: GitRepository) -> bool:
    """May force-push and delete the default branch and move or delete tags."""
    return authorize(user, "githost.repository.admin", repository_resource(repo))


def user_belongs_to(*, user, owner_ref: str) -> bool:
    """True when `owner_ref` is the person, one of their groups or a group below one of them: what
    IS_ENTITY_OWNER would say of a thing owned by `owner_ref`."""
    identity = identity_of(user)
    return identity is not None and owner_ref.lower() in identity.ownership_refs


def repo_create_require(*, user, owner: str, name: str, owner_ref: str) -> None:
    """PermissionDenied (audited) unless `user` may create owner/name for `owner_ref`: they hold
    githost.repository.create, belong to `owner_ref` (platform admins belong everywhere), and the
    repository is not one of the portal's own."""
    target = f"{owner}/{name}"
    if repo_is_reserved(owner, name):
        reason = (f"{target} is reserved: the platform/ owner and the GitOps repository "
                  f"({settings.PAVED_GITOPS_REPO}) are written only by the portal itself; choose another owner")
    else:
        require(user, "githost.repository.create")
        if user_belongs_to(user=user, owner_ref=owner_ref) or is_platform_admin(user):
            return
        reason = (f"{owner_ref} is not yours: a repository is created for a team you belong to (or for yourself), "
                  "and its members are the ones who may push")
    audit_record(actor=user, action="githost.repository.create", target=target, outcome="denied",
                 detail={"owner_ref": owner_ref, "reason": reason})
    raise PermissionDenied(reason)


def user_own_ref(user) -> str:
    """The person's own owner ref (always one of their identity's refs), for repositories they
    make without naming a team."""
    return f"user:default/{user.get_username().lower()}"
