"""Backstage-compatible TechDocs backend endpoints (mounted at /api/techdocs/, routes in api/urls.py).

`static/docs/...` serves the built files, `metadata/techdocs/...` the site's
techdocs_metadata.json, `metadata/entity/...` the catalog entity, and `sync/...` streams a
build as server-sent events (`log` lines, then `finish` with `updated`), as Backstage's
`/sync` does.

Every endpoint needs techdocs.entity.read on the entity (an entity the caller may not see in
the catalog is not found) and goes through core's `api_view`: errors, refusals and wrong methods
are Backstage's envelope, and any unsafe method sent with a session cookie must pass the CSRF
check (none is accepted today, but the rule holds for every API endpoint).
"""

import json
import mimetypes
import time

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

from catalog.access import entity_readable, entity_resource
from core.access import require
from core.api.errors import InputError, NotFoundError, api_view
from core.api.sse import sse_comment
from techdocs import selectors, services, storage
from techdocs.models import DocsBuild

# Built HTML still holds the theme's scripts: served raw it runs sandboxed, without scripts.
RAW_HTML_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'"
SYNC_POLL_SECONDS = 0.5


def _readable_entity(request: HttpRequest, namespace: str, kind: str, name: str):
    """The entity whose docs are asked for; NotFoundError unless the caller may see it,
    PermissionDenied (a 403 envelope) unless they may read its docs."""
    entity = selectors.docs_entity_get(namespace=namespace, kind=kind, name=name)
    if entity is None or not entity_readable(request.user, entity):
        raise NotFoundError(f"No entity named '{kind}:{namespace}/{name}' found")
    require(request.user, "techdocs.entity.read", entity_resource(entity))
    return entity


@api_view("GET")
def static(request: HttpRequest, namespace: str, kind: str, name: str, path: str) -> HttpResponse:
    _readable_entity(request, namespace, kind, name)
    site = selectors.docs_site_get(namespace=namespace, kind=kind, name=name)
    file = storage.read(site.storage_path, path) if site else None
    if file is None:
        raise NotFoundError(f"No file {path!r} in the docs of {kind}:{namespace}/{name}.")
    content_type, _ = mimetypes.guess_type(file.name)
    response = FileResponse(file.stream, content_type=content_type or "application/octet-stream")
    if file.size is not None and not response.has_header("Content-Length"):
        response["Content-Length"] = str(file.size)
    response["X-Content-Type-Options"] = "nosniff"
    if content_type in ("text/html", "image/svg+xml", "application/xhtml+xml"):
        response["Content-Security-Policy"] = RAW_HTML_CSP
    return response


@api_view("GET")
def metadata_techdocs(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    _readable_entity(request, namespace, kind, name)
    site = selectors.docs_site_get(namespace=namespace, kind=kind, name=name)
    file = storage.read(site.storage_path, "techdocs_metadata.json") if site else None
    if file is None:
        raise NotFoundError(f"No built docs for {kind}:{namespace}/{name}.")
    return HttpResponse(file.read(), content_type="application/json")


@api_view("GET")
def metadata_entity(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    entity = _readable_entity(request, namespace, kind, name)
    return HttpResponse(entity.final, content_type="application/json")


def _event(name: str, data) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _sync_stream(site, build: DocsBuild | None, deadline: float):
    if build is None:
        yield _event("finish", {"updated": False})
        return
    sent = 0
    while True:
        build.refresh_from_db(fields=["status", "log", "error"])
        lines = build.log.splitlines()
        for line in lines[sent:]:
            yield _event("log", line)
        sent = len(lines)
        if not build.active:
            break
        if time.monotonic() > deadline:
            yield _event("error", "The build did not finish in time; it goes on in the background.")
            return
        yield sse_comment("keep-alive")
        time.sleep(SYNC_POLL_SECONDS)
    if build.status == DocsBuild.Status.FAILED:
        yield _event("error", build.error or "The build failed.")
    yield _event("finish", {"updated": build.status == DocsBuild.Status.SUCCEEDED})


@api_view("GET")
def sync(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    """Like Backstage, a reader's visit builds docs whose source changed since the last build (the
    scan would too); a forced rebuild is the page's Rebuild, which needs techdocs.entity.build."""
    entity = _readable_entity(request, namespace, kind, name)
    if not selectors.techdocs_ref_of(entity):
        raise NotFoundError(f"No documented entity named '{kind}:{namespace}/{name}' found")
    site = services.docs_site_sync(entity=entity)
    if site.ref_error:
        raise InputError(site.ref_error)
    build = selectors.docs_build_active(site=site)
    if build is None and site.source_hash != site.built_hash:
        build = services.docs_build_request(site=site, reason=DocsBuild.Reason.SOURCE_CHANGED, actor=request.user)
    deadline = time.monotonic() + settings.PAVED_TECHDOCS_BUILD_TIMEOUT + 60
    response = StreamingHttpResponse(_sync_stream(site, build, deadline), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response



@api_view("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def not_found(request: HttpRequest) -> HttpResponse:
    raise NotFoundError(f"No TechDocs API endpoint at {request.path}")
