"""Reads for the docs pages, the API and the global search box.

The catalog is read through catalog.selectors where it offers a read, and otherwise by small
read-only queries on catalog.models (the documented-entities query below).
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from catalog.lib.refs import entity_key
from catalog.models import Entity, SearchEntry
from catalog.selectors import entity_get, entity_url
from techdocs.models import DocsBuild, DocsPage, DocsSite
from techdocs.navigation import NavIndex, build_index

ANNOTATION = "backstage.io/techdocs-ref"
ANNOTATION_KEY = f"metadata.annotations.{ANNOTATION}"
LIST_COLUMNS = ("id", "ref", "kind", "namespace", "name", "title", "description", "owner_ref")


def documented_entities() -> QuerySet:
    """Catalog entities carrying the techdocs-ref annotation (read-only query on the catalog)."""
    ids = SearchEntry.objects.filter(key=ANNOTATION_KEY).values("entity_id")
    return Entity.objects.filter(id__in=ids)


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


def docs_list(*, query: str = "", owner: str = "", state: str = "", page: int | str = 1,
              page_size: int = 50, visible: Q | None = None) -> tuple[Page, list[str]]:
    """Documented entities with their site, latest build and freshness; and the owner facet. With
    `visible` (catalog.entity.read as a Q on Entity), only the entities it lets through."""
    documented = documented_entities() if visible is None else documented_entities().filter(visible)
    entities = documented.only(*LIST_COLUMNS).order_by("ref")
    owners = sorted({o for o in documented.values_list("owner_ref", flat=True) if o})
    if query:
        words = query.lower().split()[:8]
        sites = DocsSite.objects.all()
        for word in words:
            sites = sites.filter(Q(site_name__icontains=word) | Q(site_description__icontains=word))
        match_refs = list(sites.values_list("entity_ref", flat=True)[:1000])
        cond = Q()
        for word in words:
            cond &= Q(name__icontains=word) | Q(title__icontains=word) | Q(description__icontains=word)
        entities = entities.filter(cond | Q(ref__in=match_refs))
    if owner:
        entities = entities.filter(owner_ref=owner.lower())
    entity_list = list(entities[:5000])
    newest = DocsBuild.objects.filter(site=OuterRef("pk")).order_by("-created_at", "-id").values("id")[:1]
    sites = {s.entity_ref: s for s in DocsSite.objects.filter(entity_ref__in=[e.ref for e in entity_list])
             .defer("nav", "files").annotate(latest_build_id=Subquery(newest))}
    latest = {b.site_id: b for b in DocsBuild.objects.filter(pk__in=[s.latest_build_id for s in sites.values()])
              .only("id", "site_id", "status", "created_at", "finished_at")}
    rows = []
    for entity in entity_list:
        entity.url = entity_url(entity.ref)
        entity.owner_url = entity_url(entity.owner_ref) if entity.owner_ref else ""
        site = sites.get(entity.ref)
        row = DocsRow(entity=entity, site=site, build=latest.get(site.pk) if site else None, stale=is_stale(site))
        if state == "stale" and not row.stale:
            continue
        if state and state != "stale" and row.state != state:
            continue
        rows.append(row)
    return Paginator(rows, page_size).get_page(page), owners
