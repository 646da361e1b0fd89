"""Repositories belong to a catalog owner (issue 9): add `owner_ref` and give existing ones an owner.

Backfill, most specific first:
1. the owner of the entities registered from the repository's own catalog-info.yaml (when they
   agree on one owner): the team that already owns the service in the catalog owns its code;
2. group:default/<url owner> when such a Group is in the catalog (a repository under team-a/);
3. the user who created it (user:default/<username>): they could push before, and nobody else
   has a better claim;
4. empty, i.e. platform admins only: repositories the portal made itself (the GitOps repository)
   and the reserved `platform/` owner, which only the portal writes.

This migration reads the catalog's tables if the catalog is installed and migrated, without a
migration dependency on it: githost sits below the catalog. On a fresh database there are no
repositories, so there is nothing to look up.
"""

from django.conf import settings
from django.db import migrations, models

RESERVED_OWNERS = {"platform"}


def _reserved(owner: str, name: str) -> bool:
    gitops = str(getattr(settings, "PAVED_GITOPS_REPO", "") or "").strip().lower()
    return owner.lower() in RESERVED_OWNERS or f"{owner}/{name}".lower() == gitops


def _entity_owner(Entity, owner: str, name: str) -> str:
    if Entity is None:
        return ""
    marker = f"/git/{owner}/{name}/"
    owners = {
        ref.lower()
        for ref, source in Entity.objects.filter(source__contains=marker).exclude(kind__iexact="location")
        .values_list("owner_ref", "source")
        if ref and source.endswith("/catalog-info.yaml")
    }
    return owners.pop() if len(owners) == 1 else ""


def _group_owner(Entity, owner: str) -> str:
    if Entity is None:
        return ""
    ref = f"group:default/{owner.lower()}"
    return ref if Entity.objects.filter(ref=ref).exists() else ""


def backfill(apps, schema_editor):
    GitRepository = apps.get_model("githost", "GitRepository")
    repos = list(GitRepository.objects.select_related("created_by").filter(owner_ref=""))
    if not repos:
        return
    try:
        Entity = apps.get_model("catalog", "Entity")
    except LookupError:  # the catalog is not installed or not migrated yet
        Entity = None
    for repo in repos:
        if _reserved(repo.owner, repo.name):
            continue
        owner_ref = _entity_owner(Entity, repo.owner, repo.name) or _group_owner(Entity, repo.owner)
        if not owner_ref and repo.created_by is not None:
            owner_ref = f"user:default/{repo.created_by.username.lower()}"
        if owner_ref:
            GitRepository.objects.filter(pk=repo.pk).update(owner_ref=owner_ref[:320])


class Migration(migrations.Migration):
    dependencies = [
        ("githost", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="gitrepository",
            name="owner_ref",
            field=models.CharField(
                blank=True, db_index=True, max_length=320,
                help_text="Lower-case catalog ref of the owner (group:default/team-a) whose members push; "
                          "empty: platform admins only.",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
