"""TechDocs' additions to the catalog's entity page (registered in TechdocsConfig.ready)."""

from django.urls import reverse

from catalog.panels import panel_register
from techdocs.selectors import ANNOTATION


def _documented(entity) -> bool:
    # The annotation's presence, as the page always decided (no query: panels run on every page view).
    annotations = ((entity.body if isinstance(entity.body, dict) else {}).get("metadata") or {}).get("annotations")
    return isinstance(annotations, dict) and ANNOTATION in annotations


def _site_kwargs(entity) -> dict:
    return {"namespace": entity.namespace.lower(), "kind": entity.kind.lower(), "name": entity.name.lower()}


def _status_context(entity, request) -> dict:
    return {"status_url": reverse("techdocs:entity_status", kwargs=_site_kwargs(entity))}


def _site_link(entity) -> str:
    return reverse("techdocs:site", kwargs=_site_kwargs(entity))


def docs_panels_register() -> None:
    """The Docs link beside the entity page's tabs and the docs status fragment (loaded by htmx)."""
    panel_register(key="techdocs.docs", title="Docs", template="techdocs/panels/entity_docs_status.html",
                   context=_status_context, applies=_documented, link=_site_link, order=100)
