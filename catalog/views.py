"""Catalog pages. Thin: parse input, call a selector or a service, render or redirect.

Sign-in is enforced for every page by `portal.auth.LoginRequiredMiddleware`; the decorators
say it again so a view moved elsewhere stays protected. Every page asks the access policy:
lists show what catalog.entity.read allows, an entity the person may not read is "not found",
and each change `require`s its permission (a refusal is the 403 page, audited by `require`).
"""

import json
from urllib.parse import urlencode, urlsplit

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from catalog import access, selectors, services
from catalog.apidocs import api_doc, highlighted
from catalog.forms import EntityFilterForm, RegisterForm
from catalog.graph import Node, graph_svg, neighbourhood
from catalog.lib.relations import RELATION_PAIRS
from catalog.models import Entity, Location
from catalog.panels import panels_for
from core.access import authorize, require
from core.htmx import is_partial, render_page_or_fragment

ENTITY_TABS = ("overview", "api", "relations", "raw")
SAFE_LINK_SCHEMES = ("http", "https", "mailto")
RELATION_LABELS = {
    "dependsOn": "Depends on", "dependencyOf": "Dependency of", "providesApi": "Provides APIs",
    "consumesApi": "Consumes APIs", "apiProvidedBy": "Provided by", "apiConsumedBy": "Consumed by",
    "hasPart": "Has parts", "partOf": "Part of", "ownerOf": "Owns", "ownedBy": "Owned by",
    "hasMember": "Members", "memberOf": "Member of", "parentOf": "Child groups", "childOf": "Parent group",
}


# --- Entity list ------------------------------------------------------------------------------


def _list_params(filters: selectors.EntityFilters) -> dict[str, str]:
    values = {"kind": filters.kind, "type": filters.spec_type, "owner": filters.owner, "lifecycle": filters.lifecycle,
              "tag": filters.tag, "namespace": filters.namespace, "q": filters.q, "mine": "1" if filters.mine else ""}
    return {k: v for k, v in values.items() if v}


def _list_url(params: dict[str, str], **changes) -> str:
    merged = {**params, **changes}
    query = urlencode({k: v for k, v in merged.items() if v})
    return reverse("catalog:entity_list") + (f"?{query}" if query else "")


@login_required
@require_GET
def entity_list(request: HttpRequest) -> HttpResponse:
    form = EntityFilterForm(request.GET)
    form.is_valid()
    filters = form.filters()
    result = selectors.entity_list(filters=filters, page=request.GET.get("page") or 1, user=request.user,
                                   visible=access.entity_read_filter(request.user))
    params = _list_params(filters)
    for name, values in [("type" if k == "spec_type" else k, v) for k, v in result.facets.items()] + [
        ("kind", result.kinds)
    ]:
        for value in values:
            value.url = _list_url(params, **{name: "" if value.active else value.value})
    page = result.page
    context = {
        "result": result, "page_obj": page, "entities": page.object_list, "filters": filters, "params": params,
        "all_kinds_url": _list_url(params, kind=""),
        "mine_url": _list_url(params, mine="" if filters.mine else "1"),
        "clear_url": reverse("catalog:entity_list"),
        "prev_url": _page_url(params, page.previous_page_number()) if page.has_previous() else "",
        "next_url": _page_url(params, page.next_page_number()) if page.has_next() else "",
        "page_urls": [(n, _page_url(params, n)) for n in _page_window(page)],
    }
    return render_page_or_fragment(request, "catalog/entity_list.html", "catalog/partials/entity_table.html", context)


def _page_url(params: dict[str, str], number: int) -> str:
    return _list_url(params, page=str(number) if number != 1 else "")


def _page_window(page, width: int = 3) -> list[int]:
    last = page.paginator.num_pages
    return [n for n in range(max(1, page.number - width), min(last, page.number + width) + 1)]


# --- Entity page ------------------------------------------------------------------------------


def _safe_links(metadata: dict) -> list[dict]:
    links = []
    for item in metadata.get("links") or [] if isinstance(metadata.get("links"), list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        url = item["url"].strip()
        safe = urlsplit(url).scheme.lower() in SAFE_LINK_SCHEMES
        title = item.get("title") if isinstance(item.get("title"), str) and item["title"].strip() else url
        links.append({"url": url if safe else "", "title": title, "text": url})
    return links


def _annotations(metadata: dict) -> list[tuple[str, str]]:
    raw = metadata.get("annotations")
    if not isinstance(raw, dict):
        return []
    return sorted((str(k), v if isinstance(v, str) else json.dumps(v, default=str)) for k, v in raw.items())


def _profile(spec: dict) -> dict:
    profile = spec.get("profile") if isinstance(spec.get("profile"), dict) else {}
    return {k: profile[k] for k in ("displayName", "email") if isinstance(profile.get(k), str)}


GRAPH_DEPTHS = (1, 2, 3)
MAX_RELATION_FILTERS = 20


def _graph_params(request: HttpRequest) -> tuple[int, list[str]]:
    """Depth (1-3, else 1) and relation types to keep (known types only; unknown ones are dropped)."""
    try:
        depth = int(request.GET.get("depth", "1"))
    except ValueError:
        depth = 1
    depth = depth if depth in GRAPH_DEPTHS else 1
    known = set(RELATION_LABELS) | set(RELATION_PAIRS)
    types = []
    for value in request.GET.getlist("rel")[:MAX_RELATION_FILTERS]:
        if value in known and value not in types:
            types.append(value)
    return depth, types


def _graph(entity: Entity, overview: selectors.EntityOverview, *, depth: int = 1, types=(), visible=None) -> dict:
    centre = Node(entity.ref, entity.kind, entity.title or entity.name)
    graph = neighbourhood(
        centre=centre, first_hop=[(n.type, Node(n.ref, n.kind, n.label, n.url)) for n in overview.neighbours],
        depth=depth, types=types, url_for=selectors.entity_url, visible=visible,
    )
    drawn = {t for edge_types in graph.edges.values() for t in edge_types}
    present = sorted(set(overview.by_type) | set(types) | drawn)
    return {
        "svg": graph_svg(graph), "depth": depth, "types": types, "hidden": graph.hidden, "size": len(graph.nodes),
        "depths": GRAPH_DEPTHS,
        "type_choices": [(t, RELATION_LABELS.get(t, t), t in types) for t in present],
    }


def _raw(entity: Entity) -> dict:
    try:
        data = json.loads(entity.final)
    except (TypeError, ValueError):
        data = entity.body
    as_json = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    as_yaml = yaml.safe_dump(json.loads(as_json), sort_keys=False, allow_unicode=True, width=120)
    return {"json": highlighted(as_json, "json"), "yaml": highlighted(as_yaml, "openapi")}


def _entity_or_404(request: HttpRequest, namespace: str, kind: str, name: str) -> Entity:
    """The entity, if it exists and the person may read it (otherwise it does not exist for them)."""
    entity = selectors.entity_get(kind=kind, namespace=namespace, name=name)
    if entity is None or not access.entity_readable(request.user, entity):
        raise Http404("No such entity in the catalog.")
    return entity


@login_required
@require_GET
def entity_detail(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    entity = _entity_or_404(request, namespace, kind, name)
    resource = access.entity_resource(entity)
    is_api = entity.kind.lower() == "api"
    tab = request.GET.get("tab", "overview")
    if tab not in ENTITY_TABS or (tab == "api" and not is_api):
        tab = "overview"
    overview = selectors.entity_overview(entity=entity)
    body = entity.body if isinstance(entity.body, dict) else {}
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    depth, types = _graph_params(request)
    graph = _graph(entity, overview, depth=depth, types=types, visible=access.entity_read_filter(request.user)) \
        if tab in ("overview", "relations") else None
    if graph is not None and is_partial(request) and request.headers.get("HX-Target") == "entity-graph":
        response = render(request, "catalog/partials/entity_graph.html", {"entity": entity, "tab": tab, "graph": graph,
                                                                          "kind": entity.kind.lower()})
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response
    my_refs = set(selectors.user_owner_refs(request.user))
    context = {
        "entity": entity, "overview": overview, "tab": tab, "is_api": is_api,
        "source_links": selectors.entity_source_links(entity=entity),
        "kind": entity.kind.lower(), "links": _safe_links(metadata), "annotations": _annotations(metadata),
        "profile": _profile(spec),
        "relation_groups": [
            (rtype, RELATION_LABELS.get(rtype, rtype), items) for rtype, items in overview.by_type.items()
        ],
        "is_mine": bool(entity.owner_ref and entity.owner_ref in my_refs),
        "can_refresh": bool(entity.location_id) and authorize(request.user, "catalog.entity.refresh", resource),
        "can_delete": authorize(request.user, "catalog.entity.delete", resource),
        "graph": graph,
        "api": api_doc(api_type=spec.get("type"), definition=spec.get("definition")) if is_api and tab == "api"
        else None,
        "raw": _raw(entity) if tab == "raw" else None,
        "tabs": [(t, label) for t, label in (("overview", "Overview"), ("api", "API definition"),
                                              ("relations", "Relations"), ("raw", "YAML / JSON"))
                 if t != "api" or is_api],
        # What the apps above the catalog add (docs, ...): see catalog/panels.py.
        "panels": panels_for(entity, request),
    }
    response = render(request, "catalog/entity_detail.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_POST
def entity_refresh(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    entity = _entity_or_404(request, namespace, kind, name)
    require(request.user, "catalog.entity.refresh", access.entity_resource(entity))
    location = services.entity_refresh_request(entity=entity, actor=request.user)
    if is_partial(request):
        return render(request, "catalog/partials/refresh_requested.html", {"location": location})
    if location:
        messages.success(request, f"Refresh of {location.target} requested; it runs in the background.")
    else:
        messages.warning(request, "This entity has no location to refresh.")
    return redirect(selectors.entity_url(entity.ref))


@login_required
@require_http_methods(["GET", "POST"])
def entity_unregister(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    """Backstage's "Unregister entity": remove the whole location when the person may (it emits
    nothing they may not delete), otherwise the entity alone, which the next refresh brings back
    unless its file changes."""
    entity = _entity_or_404(request, namespace, kind, name)
    require(request.user, "catalog.entity.delete", access.entity_resource(entity))
    location = access.location_unregister_allowed(request.user, entity)
    if request.method == "POST":
        if location is not None and request.POST.get("remove") == "location":
            count = services.location_delete(location=location, actor=request.user)
            messages.success(request, f"Unregistered {location.target} and its {count} entities.")
        else:
            services.entity_delete(entity=entity, actor=request.user)
            messages.success(request, f"Deleted {entity.ref}." + (
                " It returns on the location's next refresh unless you remove it from its file."
                if entity.location_id else ""))
        return redirect("catalog:entity_list")
    context = {"entity": entity, "location": location, "kind": entity.kind.lower(),
               "entity_url": selectors.entity_url(entity.ref),
               "siblings": selectors.location_entities(location=location, limit=50) if location else []}
    return render(request, "catalog/entity_unregister.html", context)


# --- Register existing component --------------------------------------------------------------


def _preview(form: RegisterForm) -> dict | None:
    try:
        preview = services.location_preview(type=form.cleaned_data["location_type"],
                                             target=form.cleaned_data["location_target"])
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("target", message)
        return None
    existing = selectors.existing_refs(refs=preview.result.entities.keys())
    entities = [
        {"ref": key, "kind": em.body.get("kind", ""), "exists": key in existing,
         "url": selectors.entity_url(key) if key in existing else "",
         "generated": em.source == f"{preview.type}:{preview.target}" and key.startswith("location:")}
        for key, em in sorted(preview.result.entities.items())
    ]
    return {"type": preview.type, "target": preview.target, "entities": entities,
            "problems": preview.result.problems, "fatal": preview.result.fatal}


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    require(request.user, "catalog.location.create")
    form = RegisterForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "import":
            try:
                location = services.location_create(type=form.cleaned_data["location_type"],
                                                    target=form.cleaned_data["location_target"], actor=request.user)
            except services.LocationExists as exc:
                messages.info(request, "This location is already registered.")
                location = exc.location
            except ValidationError as exc:
                form.add_error("target", exc.messages)
            else:
                messages.success(request, "Location registered; the catalog is reading it now.")
            if not form.errors:
                return redirect("catalog:location_detail", location_id=location.pk)
        else:
            preview = _preview(form)
    context = {"form": form, "preview": preview}
    return render_page_or_fragment(request, "catalog/register.html", "catalog/partials/register_form.html", context)


# --- Locations --------------------------------------------------------------------------------


def _location_or_404(request: HttpRequest, location_id) -> Location:
    location = selectors.location_get(location_id=location_id)
    if location is None:
        raise Http404("No such location.")
    access.location_read_require(request.user, location)
    return location


def _location_context(request: HttpRequest, location: Location) -> dict:
    pending = location.refreshed_at is None or location.refresh_requested_at is not None
    resource = access.location_resource(location)
    return {"location": location, "pending": pending,
            "entities": selectors.location_entities(location=location),
            "errors": selectors.location_errors(location=location),
            "can_refresh": authorize(request.user, "catalog.location.refresh", resource),
            "can_delete": authorize(request.user, "catalog.location.delete", resource)}


@login_required
@require_GET
def location_list(request: HttpRequest) -> HttpResponse:
    page = selectors.location_list(page=request.GET.get("page") or 1)
    page.object_list = access.locations_readable(request.user, page.object_list)
    resources = access.location_resources(page.object_list)
    for location in page.object_list:
        location.can_refresh = authorize(request.user, "catalog.location.refresh", resources[location.pk])
        location.can_delete = authorize(request.user, "catalog.location.delete", resources[location.pk])
    return render(request, "catalog/location_list.html", {"page_obj": page, "locations": page.object_list})


@login_required
@require_GET
def location_detail(request: HttpRequest, location_id) -> HttpResponse:
    location = _location_or_404(request, location_id)
    return render(request, "catalog/location_detail.html", _location_context(request, location))


@login_required
@require_GET
def location_status(request: HttpRequest, location_id) -> HttpResponse:
    location = selectors.location_get(location_id=location_id)
    if location is None:
        return HttpResponseStopPolling()
    access.location_read_require(request.user, location)
    response = render(request, "catalog/partials/location_status.html", _location_context(request, location))
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def location_refresh(request: HttpRequest, location_id) -> HttpResponse:
    location = _location_or_404(request, location_id)
    require(request.user, "catalog.location.refresh", access.location_resource(location))
    services.location_refresh_request(location=location, actor=request.user)
    messages.success(request, f"Refresh of {location.target} requested.")
    return redirect("catalog:location_detail", location_id=location.pk)


@login_required
@require_http_methods(["GET", "POST"])
def location_delete(request: HttpRequest, location_id) -> HttpResponse:
    location = _location_or_404(request, location_id)
    require(request.user, "catalog.location.delete", access.location_resource(location))
    if request.method == "POST":
        count = services.location_delete(location=location, actor=request.user)
        messages.success(request, f"Removed {location.target} and its {count} entities.")
        return redirect("catalog:location_list")
    return render(request, "catalog/location_delete.html", {"location": location})


# --- Orphans and errors -----------------------------------------------------------------------


@login_required
@require_GET
def orphan_list(request: HttpRequest) -> HttpResponse:
    page = selectors.orphan_list(page=request.GET.get("page") or 1, visible=access.entity_read_filter(request.user))
    for entity in page.object_list:
        entity.can_delete = authorize(request.user, "catalog.entity.delete", access.entity_resource(entity))
    return render(request, "catalog/orphan_list.html", {"page_obj": page, "entities": page.object_list})


@login_required
@require_POST
def orphan_delete(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = selectors.orphan_get(entity_id=entity_id)
    if entity is None or not access.entity_readable(request.user, entity):
        raise Http404("No such orphan.")
    require(request.user, "catalog.entity.delete", access.entity_resource(entity))
    services.entity_delete(entity=entity, actor=request.user)
    if is_partial(request):
        return HttpResponse("")  # the row swaps itself out
    messages.success(request, f"Deleted {entity.ref}.")
    return redirect("catalog:orphan_list")


@login_required
@require_GET
def error_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    page = selectors.error_list(page=request.GET.get("page") or 1, user=request.user, mine=mine,
                                visible=access.entity_read_filter(request.user))
    context = {"page_obj": page, "errors": page.object_list, "mine": mine,
               "page_suffix": "&mine=1" if mine else ""}
    return render(request, "catalog/error_list.html", context)
