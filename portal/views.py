"""The shell's own pages: home, global search, profile with API tokens, probes, placeholders."""

import importlib
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from portal import health
from portal.forms import ApiTokenForm, SearchForm
from portal.models import ApiToken
from portal.tokens import api_token_create, api_token_revoke

SEARCH_LIMIT = 50
DOCS_SEARCH_LIMIT = 20


def app_function(module: str, name: str) -> Callable | None:
    """`module.name`, or None while that app (or the function) is not there yet."""
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (module, module.partition(".")[0]):
            raise  # a real import error inside the app must not be hidden
        return None
    return getattr(loaded, name, None)


def catalog_selector(name: str) -> Callable | None:
    """A function from catalog.selectors, or None while the catalog app does not provide it."""
    return app_function("catalog.selectors", name)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.database_check(), "broker": health.broker_check()}
    body = {name: "ok" if ok else "failed" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    summary = catalog_selector("catalog_summary")
    return render(request, "portal/home.html", {"summary": summary() if summary else None})


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    entity_search = catalog_selector("entity_search")
    hits = list(entity_search(query=query, limit=SEARCH_LIMIT)) if entity_search and query else []
    docs_search = app_function("techdocs.search", "docs_search")
    docs_hits = docs_search(query=query, limit=DOCS_SEARCH_LIMIT) if docs_search and query else []
    context = {"form": form, "query": query, "hits": hits, "available": entity_search is not None,
               "docs_hits": docs_hits, "docs_available": docs_search is not None}
    partial = request.htmx and not request.htmx.boosted
    template = "portal/partials/search_results.html" if partial else "portal/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


NEW_TOKEN_SESSION_KEY = "paved_new_token"


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """Post/redirect/get: the POST creates one token and redirects; the GET shows it once.

    The raw token waits in the session only until that GET pops it, so a reload neither shows it
    again nor creates a second token; the page is never cached (no-store)."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        request.session[NEW_TOKEN_SESSION_KEY] = api_token_create(
            user=request.user, name=data["name"], scope=data["scope"], expires_in_days=data["expires_in_days"] or None
        )
        return redirect("portal:profile")
    raw_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "portal/profile.html", {"form": form, "tokens": tokens, "raw_token": raw_token,
                                                   "now": timezone.now()})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if not api_token_revoke(user=request.user, token_id=token_id):
        raise Http404("No such token.")
    return redirect("portal:profile")


@login_required
@require_GET
def unavailable(request: HttpRequest, feature: str) -> HttpResponse:
    return render(request, "portal/unavailable.html", {"feature": feature})
