"""The docs status shown on a catalog entity page.

The catalog may not import techdocs (dependencies flow downwards), so its entity page loads
this fragment with htmx from a techdocs URL: stale docs, a reference that cannot be
resolved, or a failed last build are flagged there, where developers look first.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from catalog.access import entity_readable, entity_resource
from core.access import require
from techdocs import selectors
from techdocs.models import DocsBuild


def docs_status(*, namespace: str, kind: str, name: str) -> dict:
    """What the entity page says about this entity's docs."""
    site = selectors.docs_site_get(namespace=namespace, kind=kind, name=name)
    build = selectors.docs_build_latest(site=site) if site else None
    state = "pending"
    if site is not None and site.ref_error:
        state = "error"
    elif build is not None and build.status == DocsBuild.Status.FAILED:
        state = "failed"
    elif site is not None and site.built_at:
        state = "stale" if selectors.is_stale(site) else "fresh"
    return {"site": site, "build": build, "state": state, "last_change": selectors.last_change_of(site),
            "namespace": namespace, "kind": kind, "name": name}


@login_required
@require_GET
def entity_docs_status(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    entity = selectors.docs_entity_get(namespace=namespace, kind=kind, name=name)
    if entity is not None and not entity_readable(request.user, entity):
        raise Http404("No such entity in the catalog.")
    # A site whose entity is gone is checked without a resource: only an unconditional grant passes.
    require(request.user, "techdocs.entity.read", entity_resource(entity) if entity is not None else None)
    response = render(request, "techdocs/partials/entity_docs_status.html",
                      docs_status(namespace=namespace, kind=kind, name=name))
    patch_vary_headers(response, ("HX-Request",))
    return response
