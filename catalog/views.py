"""Catalog pages. Thin: parse input, call a selector or a service, render or redirect.

Sign-in is enforced for every page by `portal.auth.LoginRequiredMiddleware`; the decorators
say it again so a view moved elsewhere stays protected. Every page asks the access policy:
lists show what catalog.entity.read allows, an entity the person may not read is "not found",
and each change `require`s its permission (a refusal is the 403 page, audited by `require`).
"""

import csv
import json
from urllib.parse import urlencode, urlsplit

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
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
from core.audit import audit_record
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

# The list's query string, in the order URLs are written (one URL per state: the URL is the
# page's state, so back/forward and shared links show the same list).
LIST_PARAM_ORDER = ("kind", "type", "owner", "lifecycle", "tag", "namespace", "q", "mine", "sort", "page", "tag_q")
SORT_COLUMNS = (("name", "Name"), ("kind", "Kind"), ("type", "Type"), ("owner", "Owner"),
                ("lifecycle", "Lifecycle"), ("tags", "Tags"), ("description", "Description"))
CSV_COLUMNS = ("ref", "kind", "namespace", "name", "title", "type", "lifecycle", "owner", "tags", "description")
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _list_params(filters: selectors.EntityFilters, sort: str = "") -> list[tuple[str, str]]:
    pairs = [("kind", filters.kind), ("type", filters.spec_type), *[("owner", o) for o in filters.owners],
             ("lifecycle", filters.lifecycle), ("tag", filters.tag), ("namespace", filters.namespace),
             ("q", filters.q), ("mine", "1" if filters.mine else ""), ("sort", sort)]
    return [(k, v) for k, v in pairs if v]


def _list_url(params: list[tuple[str, str]], *, drop: tuple = (), add: tuple = (), name: str = "entity_list",
              **changes: str) -> str:
    """The list with `changes` (name=value replaces every value of name, "" removes it), the
    (name, value) pairs of `drop` removed and those of `add` added."""
    pairs = [(k, v) for k, v in params if k not in changes and (k, v) not in drop]
    pairs += [(k, v) for k, v in changes.items() if v] + [pair for pair in add if pair not in pairs]
    pairs.sort(key=lambda pair: LIST_PARAM_ORDER.index(pair[0]) if pair[0] in LIST_PARAM_ORDER else 99)
    query = urlencode(pairs)
    return reverse(f"catalog:{name}") + (f"?{query}" if query else "")


def _facet_urls(result: selectors.EntityListResult, params: list[tuple[str, str]]) -> None:
    for name, values in result.facets.items():
        name = "type" if name == "spec_type" else name
        for value in values:
            if name == "owner":  # several owners at once: each link adds or removes one
                value.url = _list_url(params, drop=(("owner", value.value),)) if value.active else \
                    _list_url(params, add=(("owner", value.value),))
            else:
                value.url = _list_url(params, **{name: "" if value.active else value.value})
    for value in result.kinds:
        value.url = _list_url(params, kind="" if value.active else value.value)


def _active_filters(filters: selectors.EntityFilters, params: list[tuple[str, str]]) -> list[dict]:
    """Each filter in force, with the link that removes only it."""
    labels = {"kind": "Kind", "type": "Type", "owner": "Owner", "lifecycle": "Lifecycle", "tag": "Tag",
              "namespace": "Namespace", "q": "Text", "mine": "Owned by my groups"}
    chips = []
    for name, value in params:
        if name not in labels:
            continue
        shown = "" if name == "mine" else (value.split("/")[-1] if name == "owner" else value)
        chips.append({"name": name, "label": labels[name], "value": shown,
                      "url": _list_url(params, drop=((name, value),), page="")})
    return chips


def _sort_headers(sort: str, params: list[tuple[str, str]]) -> list[dict]:
    headers = []
    for column, label in SORT_COLUMNS:
        header = {"label": label, "url": "", "direction": ""}
        if column in selectors.SORTS:
            header["direction"] = "ascending" if sort == column else "descending" if sort == f"-{column}" else ""
            header["url"] = _list_url(params, sort=f"-{column}" if sort == column else column)
        headers.append(header)
    return headers


def _list_request(request: HttpRequest) -> tuple[EntityFilterForm, selectors.EntityFilters, Q | None]:
    form = EntityFilterForm(request.GET)
    return form, form.filters(), access.entity_read_filter(request.user)


@login_required
@require_GET
def entity_list(request: HttpRequest) -> HttpResponse:
    form, filters, visible = _list_request(request)
    sort, page_number = form.sort_value(), form.page_number()
    result = selectors.entity_list(filters=filters, page=page_number, sort=sort, user=request.user, visible=visible)
    problems = form.problems()
    page = result.page
    if page_number != page.number:
        problems.append(f"There is no page {page_number}: this is page {page.number} of {page.paginator.num_pages}.")
    tag_search = form.tag_search()
    if tag_search:
        result.facets["tag"] = selectors.entity_tag_facet(filters=filters, search=tag_search, user=request.user,
                                                          visible=visible)
    params = _list_params(filters, sort)
    _facet_urls(result, params)
    context = {
        "result": result, "page_obj": page, "entities": page.object_list, "filters": filters, "params": params,
        "problems": problems, "tag_search": tag_search, "sort_headers": _sort_headers(sort, params),
        "active_filters": _active_filters(filters, params),
        "all_kinds_url": _list_url(params, kind=""),
        "mine_url": _list_url(params, mine="" if filters.mine else "1"),
        "clear_url": _list_url([p for p in params if p[0] == "sort"]),
        "export_url": _list_url(params, name="entity_export"),
        "tag_facet_url": reverse("catalog:entity_tag_facet"),
        "prev_url": _page_url(params, page.previous_page_number()) if page.has_previous() else "",
        "next_url": _page_url(params, page.next_page_number()) if page.has_next() else "",
        "page_urls": [(n, _page_url(params, n)) for n in _page_window(page)],
        # The text box is replaced too unless the person is typing in it (the form sent the
        # request): "Clear" and removing the text filter empty it.
        "swap_search": request.headers.get("HX-Trigger") != "catalog-filter-form",
    }
    if request.headers.get("HX-History-Restore-Request"):
        # Back/forward to a page htmx no longer holds: it asks for the whole page.
        response = render(request, "catalog/entity_list.html", context)
        patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
        return response
    return render_page_or_fragment(request, "catalog/entity_list.html", "catalog/partials/entity_table.html",
                                   context)


@login_required
@require_GET
def entity_tag_facet(request: HttpRequest) -> HttpResponse:
    """The tag facet's search box: tags containing the text, counted over the other filters
    (an htmx fragment; without JavaScript the box submits to the list with `tag_q`)."""
    form, filters, visible = _list_request(request)
    search = form.tag_search()
    values = selectors.entity_tag_facet(filters=filters, search=search, user=request.user, visible=visible)
    params = _list_params(filters, form.sort_value())
    for value in values:
        value.url = _list_url(params, tag="" if value.active else value.value)
    response = render(request, "catalog/partials/tag_facet_values.html",
                      {"values": values, "tag_search": search, "problems": form.problems()})
    patch_vary_headers(response, ("HX-Request",))
    return response


def _csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ (a formula) gets a quote first."""
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    return f"'{text}" if text.startswith(CSV_FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def entity_export(request: HttpRequest) -> HttpResponse:
    """The list as CSV: the same filters, order and catalog.entity.read limits as the page,
    streamed, at most selectors.listing.EXPORT_LIMIT rows."""
    form, filters, visible = _list_request(request)
    problems = form.problems()
    if problems:
        return HttpResponse("\n".join(problems) + "\n", status=400, content_type="text/plain; charset=utf-8")
    sort = form.sort_value()
    audit_record(actor=request.user, action="catalog.entity.export", target="catalog",
                 detail={"query": request.GET.urlencode()[:1000]})
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        for e in selectors.entity_export_rows(filters=filters, user=request.user, visible=visible, sort=sort):
            yield writer.writerow([_csv_cell(v) for v in (e.ref, e.kind, e.namespace, e.name, e.title, e.spec_type,
                                                           e.lifecycle, e.owner_ref, e.tags, e.description)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalog.csv"'
    return response


def _page_url(params: list[tuple[str, str]], number: int) -> str:
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
