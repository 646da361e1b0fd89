"""htmx helpers every app's views share: one page, one fragment, one cache key."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_partial(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment. Boosted requests want the whole page
    (netbox's htmx_partial does the same)."""
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def render_page_or_fragment(request: HttpRequest, page: str, fragment: str, context: dict,
                            status: int = 200) -> HttpResponse:
    """The fragment for htmx, the page otherwise; `Vary: HX-Request` so caches keep both apart."""
    response = render(request, fragment if is_partial(request) else page, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
