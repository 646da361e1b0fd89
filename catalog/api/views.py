"""Backstage catalog API views: parse input, call a query or a service, answer JSON.

Entities are served from their stored JSON text (`Entity.final`) without re-encoding.
Every endpoint asks the access policy: reads go through catalog.entity.read (an entity the
caller may not read is "not found", as in Backstage), writes `require` their permission on the
entity or location, which answers the 403 envelope (api_view) and audits the refusal.
"""

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from catalog import access, services
from catalog.api import locations as api_locations
from catalog.api import queries
from catalog.api.cursors import QuerySpec, after_decode, after_encode, cursor_decode
from catalog.api.openapi import OPENAPI
from catalog.api.ordering import parse_order
from catalog.api.serializers import dumps, entities_stream, entities_text
from catalog.lib.refs import RefError, entity_key, parse_ref
from catalog.models import Entity, Location
from core.access import require
from core.api.errors import ConflictError, InputError, NotFoundError, api_view, json_body
from core.api.params import MAX_PAGE, fields_list, int_param, list_param

JSON = "application/json"


def _json(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, content_type=JSON, status=status)


def _uuid(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InputError(f"Invalid {what} {raw!r}: expected a UUID.") from None


def _readable(request: HttpRequest, entity: Entity | None) -> Entity | None:
    return entity if entity is not None and access.entity_readable(request.user, entity) else None


def _entity_by_name(request: HttpRequest, kind: str, namespace: str, name: str) -> Entity:
    entity = _readable(request, Entity.objects.filter(ref=entity_key(kind, namespace, name)).first())
    if entity is None:
        raise NotFoundError(f"No entity named '{kind}:{namespace}/{name}' found")
    return entity


@api_view("GET")
def entity_list(request: HttpRequest) -> HttpResponse:
    query = request.GET
    fields = list_param(query, "fields")
    order = [parse_order(raw, separator=":") for raw in query.getlist("order")]
    limit, offset = int_param(query, "limit"), int_param(query, "offset", default=0)
    if query.get("after"):
        after_limit, after_offset = after_decode(query["after"])
        limit = after_limit if after_limit is not None else limit
        offset = after_offset if after_offset is not None else offset
    rows = queries.entity_list(filters=query.getlist("filter"), order=order, offset=offset, limit=limit,
                               visible=access.entity_read_filter(request.user))
    if limit is None:
        return StreamingHttpResponse(entities_stream(rows, fields), content_type=JSON)
    response = _json(entities_text(rows[:limit], fields))
    if len(rows) > limit:
        following = query.copy()
        following.pop("offset", None)
        following["after"] = after_encode(limit=limit, offset=offset + limit)
        response["Link"] = f'<{request.path}?{following.urlencode()}>; rel="next"'
    return response


@api_view("GET")
def entity_query(request: HttpRequest) -> HttpResponse:
    query = request.GET
    limit = min(int_param(query, "limit", default=20), MAX_PAGE)
    fields = list_param(query, "fields")
    visible = access.entity_read_filter(request.user)
    if query.get("cursor"):
        page = queries.entity_page(spec=QuerySpec(), limit=limit, cursor=cursor_decode(query["cursor"]),
                                   visible=visible)
    else:
        orders = query.getlist("orderField")
        spec = QuerySpec(
            filters=query.getlist("filter"),
            order=parse_order(orders[0], separator=",") if orders else None,
            term=query.get("fullTextFilterTerm", "").strip(),
            text_fields=list_param(query, "fullTextFilterFields"),
        )
        page = queries.entity_page(spec=spec, limit=limit, offset=int_param(query, "offset", default=0),
                                   visible=visible)
    page_info = {}
    if page.next_cursor:
        page_info["nextCursor"] = page.next_cursor
    if page.prev_cursor:
        page_info["prevCursor"] = page.prev_cursor
    return _json('{"items":' + entities_text(page.items, fields) + ',"totalItems":' + str(page.total)
                 + ',"pageInfo":' + dumps(page_info) + "}")


@api_view("GET", "DELETE")
def entity_by_uid(request: HttpRequest, uid: str) -> HttpResponse:
    entity = _readable(request, Entity.objects.filter(uid=_uuid(uid, "uid")).first())
    if entity is None:
        raise NotFoundError(f"No entity with uid {uid} found")
    if request.method == "DELETE":
        require(request.user, "catalog.entity.delete", access.entity_resource(entity))
        services.entity_delete(entity=entity, actor=request.user)
        return HttpResponse(status=204)
    return _json(entity.final)


@api_view("GET")
def entity_by_name(request: HttpRequest, kind: str, namespace: str, name: str) -> HttpResponse:
    final = queries.entity_final_by_ref(kind=kind, namespace=namespace, name=name,
                                        visible=access.entity_read_filter(request.user))
    if final is None:
        raise NotFoundError(f"No entity named '{kind}:{namespace}/{name}' found")
    return _json(final)


@api_view("GET")
def entity_ancestry(request: HttpRequest, kind: str, namespace: str, name: str) -> HttpResponse:
    return _json(api_locations.entity_ancestry_text(_entity_by_name(request, kind, namespace, name)))


@api_view("POST")
def entity_by_refs(request: HttpRequest) -> HttpResponse:
    body = json_body(request)
    refs = body.get("entityRefs")
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise InputError("entityRefs must be a list of entity reference strings.")
    if len(refs) > queries.MAX_REFS:
        raise InputError(f"At most {queries.MAX_REFS} entityRefs are accepted per request.")
    fields = fields_list(body.get("fields")) or list_param(request.GET, "fields")
    finals = queries.entity_finals_by_refs(refs=refs, filters=request.GET.getlist("filter"),
                                           visible=access.entity_read_filter(request.user))
    return _json('{"items":' + entities_text(finals, fields) + "}")


@api_view("GET")
def entity_facets(request: HttpRequest) -> HttpResponse:
    facets = [f.strip() for f in request.GET.getlist("facet") if f.strip()]
    if not facets:
        raise InputError("At least one facet parameter is required, e.g. ?facet=kind.")
    if len(facets) > 50:
        raise InputError("At most 50 facets are accepted.")
    counts = queries.entity_facets(facets=facets, filters=request.GET.getlist("filter"),
                                   visible=access.entity_read_filter(request.user))
    return JsonResponse({"facets": counts})


@api_view("POST")
def entity_refresh(request: HttpRequest) -> HttpResponse:
    raw = json_body(request).get("entityRef")
    try:
        ref = parse_ref(raw)
    except RefError as exc:
        raise InputError(f"Invalid entityRef: {exc}") from None
    entity = _readable(request, Entity.objects.filter(ref=ref.key).first())
    if entity is None:
        raise NotFoundError(f"No entity named '{raw}' found")
    require(request.user, "catalog.entity.refresh", access.entity_resource(entity))
    services.entity_refresh_request(entity=entity, actor=request.user)
    return HttpResponse(status=200)


@api_view("POST")
def entity_validate(request: HttpRequest) -> HttpResponse:
    require(request.user, "catalog.entity.validate")
    body = json_body(request)
    if "entity" not in body:
        raise InputError("entity is required.")
    errors = api_locations.entity_validation_errors(body["entity"], body.get("location"))
    return JsonResponse({"errors": errors}, status=400) if errors else JsonResponse({})


def _location_input(data: object) -> tuple[str, str]:
    if not isinstance(data, dict):
        raise InputError("location must be an object with type and target.")
    location_type, target = data.get("type", "url"), data.get("target")
    if not isinstance(location_type, str) or not isinstance(target, str):
        raise InputError("type and target must be strings.")
    return location_type, target


@api_view("GET", "POST")
def location_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        locations = access.locations_readable(request.user, Location.objects.all())
        return JsonResponse([{"data": api_locations.location_json(loc)} for loc in locations], safe=False)
    require(request.user, "catalog.location.create")
    location_type, target = _location_input(json_body(request))
    if request.GET.get("dryRun", "").lower() == "true":
        preview = services.location_preview(type=location_type, target=target)
        exists = Location.objects.filter(type=preview.type, target=preview.target).exists()
        entities = api_locations.preview_entities(preview)
        location = {"id": str(uuid.uuid4()), "type": preview.type, "target": preview.target}
        return JsonResponse({"location": location, "entities": entities, "exists": exists}, status=201)
    try:
        location = services.location_create(type=location_type, target=target, actor=request.user)
    except services.LocationExists as exc:
        raise ConflictError(f"Location {exc.location.ref} already exists") from None
    return JsonResponse({"location": api_locations.location_json(location), "entities": []}, status=201)


@api_view("GET", "DELETE")
def location_detail(request: HttpRequest, location_id: str) -> HttpResponse:
    location = Location.objects.filter(pk=_uuid(location_id, "location id")).first()
    if location is None:
        raise NotFoundError(f"Found no location with ID {location_id}")
    if request.method == "DELETE":
        require(request.user, "catalog.location.delete", access.location_resource(location))
        services.location_delete(location=location, actor=request.user)
        return HttpResponse(status=204)
    access.location_read_require(request.user, location)
    return JsonResponse(api_locations.location_json(location))


@api_view("GET")
def location_by_entity(request: HttpRequest, kind: str, namespace: str, name: str) -> HttpResponse:
    entity = _entity_by_name(request, kind, namespace, name)
    location = Location.objects.filter(pk=entity.location_id).first() if entity.location_id else None
    if location is None:
        raise NotFoundError(f"No location found for entity '{kind}:{namespace}/{name}'")
    access.location_read_require(request.user, location)
    return JsonResponse(api_locations.location_json(location))


@api_view("POST")
def location_analyze(request: HttpRequest) -> HttpResponse:
    # Analysing is the first step of registering: the same permission.
    require(request.user, "catalog.location.create")
    location_type, target = _location_input(json_body(request).get("location"))
    preview = services.location_preview(type=location_type, target=target)
    return JsonResponse({"existingEntityFiles": api_locations.preview_files(preview), "generateEntities": []})


@api_view("GET")
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(OPENAPI)


@api_view("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def not_found(request: HttpRequest) -> HttpResponse:
    raise NotFoundError(f"No catalog API endpoint at {request.path}")
