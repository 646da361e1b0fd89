"""Reads for the docs pages, the API and the global search box.

The catalog is read through catalog.selectors where it offers a read, and otherwise by small
read-only queries on catalog.models (the documented-entities query below).
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from catalog.lib.refs import RefError, entity_key, parse_ref
from catalog.models import Entity
from catalog.selectors import entity_get, entity_url
from techdocs.models import DocsBuild, DocsPage, DocsSite
from techdocs.navigation import NavIndex, build_index
from techdocs.search import page_match_sql, words_of

ANNOTATION = "backstage.io/techdocs-ref"
LIST_COLUMNS = ("id", "ref", "kind", "namespace", "name", "title", "description", "owner_ref")


def documented_entities() -> QuerySet:
    """Catalog entities carrying the techdocs-ref annotation (read-only query on the catalog).

    The condition is written exactly as the partial index of migration 0004 states it, so on
    PostgreSQL the list walks that index in ref order and stops after a page."""
    return Entity.objects.filter(body__metadata__annotations__has_key=ANNOTATION)


def techdocs_ref_of(entity: Entity) -> str:
    annotations = ((entity.body or {}).get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(ANNOTATION) or "").strip()


def docs_entity_get(*, namespace: str, kind: str, name: str) -> Entity | None:
    return entity_get(kind=kind, namespace=namespace, name=name)


def docs_site_get(*, namespace: str, kind: str, name: str) -> DocsSite | None:
    """The site, without its navigation and file list (see docs_site_nav for the former)."""
    ref = entity_key(kind, namespace, name)
    return DocsSite.objects.defer("nav", "files").filter(entity_ref=ref).first()


_NAV_CACHE: OrderedDict[tuple, NavIndex] = OrderedDict()
NAV_CACHE_SIZE = 64


def docs_site_nav(*, site: DocsSite) -> NavIndex:
    """The rendered navigation of the site's published build, cached per process and build."""
    key = (site.pk, site.published_build_id, site.built_at)
    index = _NAV_CACHE.get(key)
    if index is None:
        nav = DocsSite.objects.filter(pk=site.pk).values_list("nav", flat=True).first() or []
        prefix = reverse("techdocs:site", kwargs={"namespace": site.namespace, "kind": site.kind, "name": site.name})
        index = build_index(nav, prefix=prefix)
        _NAV_CACHE[key] = index
        while len(_NAV_CACHE) > NAV_CACHE_SIZE:
            _NAV_CACHE.popitem(last=False)
    return index


def docs_page_get(*, site: DocsSite, path: str) -> DocsPage | None:
    path = path.strip("/")
    candidates = [f"{path}/", path] if path else [""]
    return (DocsPage.objects.filter(site=site, path__in=candidates)
            .only("id", "site_id", "path", "title", "html", "toc", "edit_url", "updated_at")
            .order_by("-path").first())


def docs_build_latest(*, site: DocsSite) -> DocsBuild | None:
    return site.builds.first()


def docs_build_active(*, site: DocsSite) -> DocsBuild | None:
    """The site's queued or running build (there is at most one)."""
    return site.builds.filter(status__in=DocsBuild.ACTIVE_STATUSES).first()


def last_change_of(site: DocsSite | None) -> datetime | None:
    if site is None:
        return None
    return site.source_changed_at or site.built_at


def is_stale(site: DocsSite | None, *, now: datetime | None = None) -> bool:
    """Docs whose source has not changed in PAVED_TECHDOCS_STALE_DAYS (scorecards read this)."""
    changed = last_change_of(site)
    if changed is None:
        return False
    now = now or timezone.now()
    return now - changed > timedelta(days=settings.PAVED_TECHDOCS_STALE_DAYS)


def docs_freshness(*, entity_refs: list[str]) -> dict[str, str]:
    """Per entity ref (lower case): "fresh" (docs published and changed within
    PAVED_TECHDOCS_STALE_DAYS), "stale" (published, not changed since) or "missing" (no published
    docs). One query; the maturity assessment's documentation dimension reads it. A long list reads
    every published site instead of sending thousands of refs as query parameters."""
    now = timezone.now()
    states = dict.fromkeys(entity_refs, "missing")
    sites = DocsSite.objects.filter(published_build__isnull=False)
    if len(states) <= 500:
        sites = sites.filter(entity_ref__in=list(states))
    for ref, changed, built in sites.values_list("entity_ref", "source_changed_at", "built_at"):
        if ref in states:
            last = changed or built
            stale = last is not None and now - last > timedelta(days=settings.PAVED_TECHDOCS_STALE_DAYS)
            states[ref] = "stale" if stale else "fresh"
    return states
def docs_facts_for(*, refs) -> dict[str, dict]:
    """What scorecards read about the docs of these entities, in two queries: for each ref with a
    docs site, {"published", "last_updated" (datetime or None), "pages": [(path, title,
    updated_at)]}; refs without a site are absent."""
    wanted = sorted({str(r).lower() for r in refs})
    sites = {row["id"]: row for row in DocsSite.objects.filter(entity_ref__in=wanted).values(
        "id", "entity_ref", "published_build_id", "built_at", "source_changed_at")}
    facts = {row["entity_ref"]: {"published": bool(row["published_build_id"] or row["built_at"]),
                                 "last_updated": row["source_changed_at"] or row["built_at"], "pages": []}
             for row in sites.values()}
    pages = DocsPage.objects.filter(site_id__in=list(sites)).values_list("site_id", "path", "title", "updated_at")
    for site_id, path, title, updated_at in pages.iterator(chunk_size=2000):
        facts[sites[site_id]["entity_ref"]]["pages"].append((path, title, updated_at))
    return facts


@dataclass
class DocsRow:
    entity: Entity
    site: DocsSite | None
    build: DocsBuild | None
    stale: bool

    @property
    def state(self) -> str:
        if self.site is None:
            return "pending"
        if self.site.ref_error:
            return "error"
        if self.build and self.build.active:
            return "building"
        if self.build and self.build.status == DocsBuild.Status.FAILED:
            return "failed"
        return "built" if self.site.built_at else "pending"


STATES = ("built", "building", "failed", "error", "pending", "stale")
OWNER_SUGGESTIONS = 100


@dataclass
class DocsListPage:
    """One page of the docs list, paginated by ref (keyset): `after` and `before` are the cursors of
    the next and previous pages, empty when there is none."""

    rows: list[DocsRow]
    after: str = ""
    before: str = ""


def _latest_status() -> Subquery:
    newest = DocsBuild.objects.filter(site=OuterRef("pk")).order_by("-created_at", "-id").values("status")[:1]
    return Subquery(newest)


def _sites_in_state(state: str) -> QuerySet:
    """The sites whose row would show `state` (DocsRow.state, written as SQL on the sites table)."""
    sites = DocsSite.objects.all()
    if state == "stale":
        cutoff = timezone.now() - timedelta(days=settings.PAVED_TECHDOCS_STALE_DAYS)
        return sites.annotate(changed=Coalesce("source_changed_at", "built_at")).filter(changed__lt=cutoff)
    if state == "error":
        return sites.exclude(ref_error="")
    sites = sites.filter(ref_error="").annotate(latest_status=_latest_status())
    active = [str(s) for s in DocsBuild.ACTIVE_STATUSES]
    if state == "building":
        return sites.filter(latest_status__in=active)
    if state == "failed":
        return sites.filter(latest_status=DocsBuild.Status.FAILED)
    not_busy = Q(latest_status__isnull=True) | ~Q(latest_status__in=[*active, DocsBuild.Status.FAILED])
    return sites.filter(not_busy, built_at__isnull=False)  # built


def _state_filter(state: str) -> Q:
    if state == "pending":  # no site yet, or one that is in none of the other states
        others = DocsSite.objects.exclude(ref_error="") | DocsSite.objects.filter(
            pk__in=_sites_in_state("building").values("pk")) | DocsSite.objects.filter(
            pk__in=_sites_in_state("failed").values("pk")) | DocsSite.objects.filter(built_at__isnull=False)
        return ~Q(ref__in=others.values("entity_ref"))
    return Q(ref__in=_sites_in_state(state).values("entity_ref"))


def _text_filter(query: str) -> Q:
    """Every word in the entity's own text (name, title, description, tags, owner: the catalog's
    lower-case search_text), or in the site's name or description, or in one page of the docs (the
    full-text index global search uses). The entity part is checked while walking the index of
    migration 0004, which carries search_text, so a common word stops after one page; the docs
    parts are subqueries that run once."""
    words = words_of(query)
    if not words:
        return Q()
    own, sites = Q(), DocsSite.objects.all()
    for word in words:
        own &= Q(search_text__contains=word)
        sites = sites.filter(Q(site_name__icontains=word) | Q(site_description__icontains=word))
    cond = own | Q(ref__in=sites.values("entity_ref"))
    sql, params = page_match_sql(words)
    if sql:
        cond |= Q(ref__in=RawSQL(
            f"SELECT s.entity_ref FROM techdocs_docssite s JOIN techdocs_docspage p ON p.site_id = s.id "
            f"WHERE p.id IN ({sql})", params))
    return cond


def _owner_refs(owner: str) -> list[str]:
    """`team-a`, `group:team-a` or `group:default/team-a`; a bare name means a group, as spec.owner does."""
    try:
        return [parse_ref(owner, default_kind="group").key]
    except RefError:
        return []


def docs_list(*, query: str = "", owner: str = "", state: str = "", after: str = "", before: str = "",
              page_size: int = 50, visible: Q | None = None) -> DocsListPage:
    """A page of documented entities, ordered by ref, with their site, latest build and freshness.

    Filters and pagination run in SQL (keyset on the unique ref), so a page costs the same few
    queries at any catalog size. With `visible` (catalog.entity.read as a Q on Entity), only the
    entities it lets through."""
    entities = documented_entities() if visible is None else documented_entities().filter(visible)
    if query:
        entities = entities.filter(_text_filter(query))
    if owner:
        entities = entities.filter(owner_ref__in=_owner_refs(owner))
    if state in STATES:
        entities = entities.filter(_state_filter(state))
    entities = entities.only(*LIST_COLUMNS)
    if before:
        found = list(entities.filter(ref__lt=before).order_by("-ref")[:page_size + 1])
        more, found = len(found) > page_size, found[:page_size][::-1]
        cursors = {"before": found[0].ref if more and found else "", "after": found[-1].ref if found else ""}
    else:
        found = list((entities.filter(ref__gt=after) if after else entities).order_by("ref")[:page_size + 1])
        more, found = len(found) > page_size, found[:page_size]
        cursors = {"after": found[-1].ref if more else "", "before": found[0].ref if after and found else ""}
    return DocsListPage(rows=_rows_of(found), **cursors)


def _rows_of(entities: list[Entity]) -> list[DocsRow]:
    newest = DocsBuild.objects.filter(site=OuterRef("pk")).order_by("-created_at", "-id").values("id")[:1]
    sites = {s.entity_ref: s for s in DocsSite.objects.filter(entity_ref__in=[e.ref for e in entities])
             .defer("nav", "files").annotate(latest_build_id=Subquery(newest))}
    latest = {b.site_id: b for b in DocsBuild.objects.filter(pk__in=[s.latest_build_id for s in sites.values()])
              .only("id", "site_id", "status", "created_at", "finished_at")} if sites else {}
    rows = []
    for entity in entities:
        entity.url = entity_url(entity.ref)
        entity.owner_url = entity_url(entity.owner_ref) if entity.owner_ref else ""
        site = sites.get(entity.ref)
        rows.append(DocsRow(entity=entity, site=site, build=latest.get(site.pk) if site else None,
                            stale=is_stale(site)))
    return rows


def docs_owner_suggestions(*, text: str = "", visible: Q | None = None) -> list[str]:
    """At most OWNER_SUGGESTIONS owners (groups and users) whose name or ref starts with `text`, for the
    owner box: an index range on (kind, ref), never every owner of the catalog."""
    text = text.strip().lower()
    owners = Entity.objects.filter(kind__in=("Group", "User"))
    if visible is not None:
        owners = owners.filter(visible)
    # Ranges of the ref index ("C" collation, catalog migration 0005): a walk that stops at 100.
    if ":" in text:
        owners = owners.filter(ref__startswith=text)
    elif text:
        owners = owners.filter(Q(ref__startswith=f"group:default/{text}") | Q(ref__startswith=f"user:default/{text}"))
    else:
        owners = owners.filter(ref__gte="group:")  # groups sort first: the walk starts there
    return list(owners.order_by("ref").values_list("ref", flat=True)[:OWNER_SUGGESTIONS])
