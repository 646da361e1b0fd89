"""Docs pages: the list of documented entities, a page of a site in the portal's chrome, and
the build status fragment with its Rebuild button.

Reading a site needs techdocs.entity.read on its entity (everyone, by default) and rebuilding it
techdocs.entity.build (its owners and platform admins); an entity the person may not see in the
catalog has no docs for them either.

Pages only read what is stored. Reading a site's source is git, HTTP or disk I/O, so it happens in
tasks (techdocs.tasks): a documented entity whose site was never synced gets a "being prepared"
state that polls the build status while docs_site_refresh reads the source and requests the build.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh, HttpResponseStopPolling

from catalog.access import entity_read_filter, entity_readable, entity_resource
from catalog.selectors import entity_url
from core.access import authorize, require
from core.htmx import is_partial, render_page_or_fragment
from core.sanitize import block_external_images
from techdocs import selectors, services, storage, tasks
from techdocs.models import DocsBuild
from techdocs.navigation import render_nav, render_toc
from techdocs.search import docs_search

SITE_SEARCH_LIMIT = 30


def _param(request: HttpRequest, key: str, limit: int = 320) -> str:
    """A text parameter, trimmed, without NUL (PostgreSQL refuses it in a string)."""
    return request.GET.get(key, "").replace("\x00", "").strip()[:limit]


@login_required
@require_GET
def docs_list(request: HttpRequest) -> HttpResponse:
    query, owner, after, before = (_param(request, key) for key in ("q", "owner", "after", "before"))
    state = request.GET.get("state", "")
    state = state if state in selectors.STATES else ""
    visible = entity_read_filter(request.user)
    page = selectors.docs_list(query=query, owner=owner, state=state, after=after, before=before, visible=visible)
    filters = urlencode({key: value for key, value in (("q", query), ("owner", owner), ("state", state)) if value})
    context = {"page": page, "states": selectors.STATES, "query": query, "owner": owner, "state": state,
               "filters": filters}
    if not is_partial(request):
        context["owners"] = selectors.docs_owner_suggestions(text=owner, visible=visible)
    return render_page_or_fragment(request, "techdocs/docs_list.html", "techdocs/partials/docs_table.html", context)


@login_required
@require_GET
def owner_suggestions(request: HttpRequest) -> HttpResponse:
    """The owner box's datalist options for what was typed so far (at most a hundred)."""
    text = _param(request, "owner")
    owners = selectors.docs_owner_suggestions(text=text, visible=entity_read_filter(request.user))
    return render(request, "techdocs/partials/owner_options.html", {"owners": owners})


def _site_or_404(request: HttpRequest, namespace: str, kind: str, name: str):
    entity = selectors.docs_entity_get(namespace=namespace, kind=kind, name=name)
    if entity is None or not entity_readable(request.user, entity):
        raise Http404("No such entity in the catalog.")
    require(request.user, "techdocs.entity.read", entity_resource(entity))
    return entity, selectors.docs_site_get(namespace=namespace, kind=kind, name=name)


@login_required
@require_GET
def docs_page(request: HttpRequest, namespace: str, kind: str, name: str, path: str) -> HttpResponse:
    entity, site = _site_or_404(request, namespace, kind, name)
    build = selectors.docs_build_latest(site=site) if site else None
    documented = bool(selectors.techdocs_ref_of(entity))
    context = {"entity": entity, "entity_url": entity_url(entity.ref), "site": site, "build": build,
               "can_build": _can_build(request, entity), "documented": documented,
               "stale": selectors.is_stale(site), "last_change": selectors.last_change_of(site)}
    if site is None and documented:
        # First visit before the scan: the task reads the source; this page polls until it has.
        tasks.docs_site_refresh_enqueue(entity_ref=entity.ref)
        return render(request, "techdocs/docs_status.html",
                      {**context, "preparing": True, "namespace": namespace, "kind": kind, "name": name})
    if site is None or not site.page_count:
        return render(request, "techdocs/docs_status.html", {**context, "reload": True}, status=200 if site else 404)
    page = selectors.docs_page_get(site=site, path=path)
    prefix = reverse("techdocs:site", kwargs={"namespace": site.namespace, "kind": site.kind, "name": site.name})
    if page is None:
        if path and storage.exists(site.storage_path, path):  # an asset linked relatively
            return redirect(reverse("techdocs_api:static", kwargs={
                "namespace": site.namespace, "kind": site.kind, "name": site.name, "path": path}))
        context.update(nav=render_nav(selectors.docs_site_nav(site=site), current=""), missing=path, home=prefix)
        return render(request, "techdocs/docs_page.html", context, status=404)
    nav = selectors.docs_site_nav(site=site)
    # Decided when the page is served, so changing the setting needs no rebuild.
    html = page.html if settings.PAVED_TECHDOCS_EXTERNAL_IMAGES == "allow" else block_external_images(page.html)
    context.update(page=page, page_html=html, nav=render_nav(nav, current=page.path), toc=render_toc(page.toc),
                   trail=nav.trail_of.get(page.path, []), home=prefix)
    return render(request, "techdocs/docs_page.html", context)


@login_required
@require_GET
def site_search(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    """The search box of one site: its pages only, through the docs search index."""
    entity, site = _site_or_404(request, namespace, kind, name)
    if site is None or not site.page_count:
        return redirect("techdocs:site", namespace=namespace, kind=kind, name=name)
    query = _param(request, "q", 200)
    hits = docs_search(query=query, limit=SITE_SEARCH_LIMIT, site=site) if query else []
    prefix = reverse("techdocs:site", kwargs={"namespace": site.namespace, "kind": site.kind, "name": site.name})
    context = {"entity": entity, "entity_url": entity_url(entity.ref), "site": site, "query": query, "hits": hits,
               "home": prefix, "nav": render_nav(selectors.docs_site_nav(site=site), current=""),
               "can_build": _can_build(request, entity), "build": selectors.docs_build_latest(site=site)}
    return render_page_or_fragment(request, "techdocs/docs_site_search.html", "techdocs/partials/site_hits.html",
                                   context)


def _can_build(request: HttpRequest, entity) -> bool:
    return authorize(request.user, "techdocs.entity.build", entity_resource(entity))


def _status_response(request: HttpRequest, entity, site, build) -> HttpResponse:
    # Polled from a page that shows no docs yet (`then=reload`): once a build has published pages,
    # htmx reloads that page, which then renders them (Backstage's reader does the same).
    reload = request.GET.get("then") == "reload"
    if reload and is_partial(request) and site.page_count and not (build and build.active):
        return HttpResponseClientRefresh()
    context = {"site": site, "build": build, "can_build": _can_build(request, entity), "reload": reload}
    response = render(request, "techdocs/partials/build_status.html", context)
    if request.htmx and request.method == "GET" and not (build and build.active):
        stop = HttpResponseStopPolling(response.content)
        return stop
    return response


@login_required
@require_GET
def build_status(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    entity, site = _site_or_404(request, namespace, kind, name)
    if site is None and selectors.techdocs_ref_of(entity):
        return render(request, "techdocs/partials/preparing.html",  # 200: htmx keeps polling
                      {"namespace": namespace, "kind": kind, "name": name, "can_build": _can_build(request, entity)})
    if site is None:
        raise Http404("This entity has no documentation.")
    return _status_response(request, entity, site, selectors.docs_build_latest(site=site))


@login_required
@require_POST
def build_request(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    entity, site = _site_or_404(request, namespace, kind, name)
    if site is None and not selectors.techdocs_ref_of(entity):
        raise Http404("This entity has no documentation.")
    require(request.user, "techdocs.entity.build", entity_resource(entity))
    # No source is read here: the build reads it first (docs_build_execute syncs the site).
    site = site or services.docs_site_ensure(entity=entity)
    if site.ref_error:
        # The reference was unusable when last read: read it again in a task, which requests the
        # build if it now resolves; the status shows the error until then.
        tasks.docs_site_refresh_enqueue(entity_ref=entity.ref)
        build = None
    else:
        build = services.docs_build_request(site=site, reason=DocsBuild.Reason.MANUAL, actor=request.user)
    if not is_partial(request):
        return redirect("techdocs:site", namespace=site.namespace, kind=site.kind, name=site.name)
    return _status_response(request, entity, site, build)
