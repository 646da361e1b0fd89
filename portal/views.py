"""The shell's own pages: home, global search, profile with API tokens, probes, placeholders.

The portal is the top layer: it imports the apps' public selectors directly."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from catalog.access import entity_read_filter
from catalog.selectors import SearchResults, catalog_summary, entity_search_results
from core.htmx import render_page_or_fragment
from portal import health
from portal.forms import ApiTokenForm, SearchForm
from portal.home import home_data, home_panels
from portal.models import ApiToken
from portal.tokens import api_token_create, api_token_revoke
from techdocs.search import docs_search

SEARCH_LIMIT = 50
DOCS_SEARCH_LIMIT = 20


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
    """The developer's own page: what they and their team own, star, visited, run and read."""
    context = {"summary": catalog_summary(), "home": home_data(user=request.user), "home_panels": home_panels(request)}
    return render(request, "portal/home.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Catalog hits (typo-tolerant, narrowed by `kind`) and docs hits. A bad `q` searches
    nothing and a bad `kind` searches every kind; either way the form says why."""
    form = SearchForm(request.GET)
    form.is_valid()
    query = form.cleaned_data.get("q", "")
    kind = form.cleaned_data.get("kind", "")
    visible = entity_read_filter(request.user)  # None under the default policy: no condition added
    results = (entity_search_results(query=query, kind=kind, limit=SEARCH_LIMIT, visible=visible) if query
               else SearchResults())
    docs_hits = docs_search(query=query, limit=DOCS_SEARCH_LIMIT, visible=visible) if query else []
    context = {"form": form, "query": query, "kind": kind, "results": results, "hits": results.hits,
               "docs_hits": docs_hits}
    return render_page_or_fragment(request, "portal/search.html", "portal/partials/search_results.html", context)


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
