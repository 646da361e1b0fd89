"""Starring a catalog entity (the button on its page) and the star panel the catalog page shows."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from catalog.access import entity_readable
from catalog.selectors import entity_get, entity_url
from core.htmx import is_partial
from portal.stars import is_starred, star_set, visit_record


class StarForm(forms.Form):
    starred = forms.TypedChoiceField(choices=[("1", "star"), ("0", "unstar")], coerce=lambda value: value == "1")


def _star_url(entity, name: str = "portal:entity_star") -> str:
    return reverse(name, kwargs={"namespace": entity.namespace.lower(), "kind": entity.kind.lower(),
                                 "name": entity.name.lower()})


def _readable_entity(request: HttpRequest, namespace: str, kind: str, name: str):
    entity = entity_get(kind=kind, namespace=namespace, name=name)
    if entity is None or not entity_readable(request.user, entity):
        raise Http404("No such entity in the catalog.")
    return entity


@login_required
@require_POST
def entity_star(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    entity = entity_get(kind=kind, namespace=namespace, name=name)
    if entity is None:
        raise Http404("No such entity in the catalog.")
    form = StarForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("starred must be 1 or 0.", content_type="text/plain")
    starred = form.cleaned_data["starred"]
    try:
        star_set(actor=request.user, entity=entity, starred=starred)
    except PermissionDenied:
        raise Http404("No such entity in the catalog.") from None  # unreadable: it does not exist for them
    if is_partial(request):
        return render(request, "portal/panels/entity_star.html",
                      {"entity": entity, "starred": starred, "star_url": _star_url(entity)})
    return redirect(entity_url(entity.ref))


@login_required
@require_GET
@never_cache
def entity_star_button(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    """The star button with its state, loaded by the entity page once it is shown (so the page itself
    runs no extra query); loading it records the visit for home's "recently visited"."""
    entity = _readable_entity(request, namespace, kind, name)
    visit_record(user=request.user, ref=entity.ref)
    return render(request, "portal/panels/entity_star.html",
                  {"entity": entity, "starred": is_starred(user=request.user, ref=entity.ref),
                   "star_url": _star_url(entity)})


def star_panel_context(entity, request) -> dict:
    """No query here: the panel is a placeholder that fetches entity_star_button."""
    return {"button_url": _star_url(entity, "portal:entity_star_button"), "star_url": _star_url(entity)}
