"""The answers Paved gives when something goes wrong: styled pages for people, Backstage's error
envelope for API clients, and 503 (not 500) while the database is unreachable.

Django calls these as handler400/403/404/500 (portal/urls.py). The 500 handler runs inside the
exception handling, so sys.exc_info() says what failed; it renders without the request's context
processors, which would query the database that may be the thing that is down.

Two refusals do not go through those handlers: a wrong method (`require_GET` and friends answer an
empty 405) and a failed CSRF check (Django's own bare page). ErrorPageMiddleware gives the first a
styled page, and CSRF_FAILURE_VIEW points at csrf_failure. The git protocol paths keep answering
`git` in plain text, and /api/ keeps Backstage's envelope (core.api answers its own 405s).
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from core.api.envelope import error_envelope
from portal.auth import GIT_PROTOCOL_PATH, is_api_path
from portal.context_processors import NAV, current_section

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
UNAVAILABLE = (OperationalError, InterfaceError)


def _api(request: HttpRequest) -> bool:
    return is_api_path(request.path_info)


def _way_back(request: HttpRequest) -> dict:
    """The section the address belongs to, so each page can offer a way back into it."""
    key = current_section(request.path_info)
    return next(({"label": label, "url": url} for k, label, url in NAV if k == key), {})


def _page(request: HttpRequest, template: str, status: int, context: dict | None = None) -> HttpResponse:
    return render(request, template, {"path": request.path_info, "back": _way_back(request), **(context or {})},
                  status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return error_envelope(status=400, name="InputError", request=request,
                              message=str(exception) or "The request could not be understood.")
    return _page(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    message = str(exception) if exception is not None and str(exception) else "You are not allowed to do this."
    if _api(request):
        return error_envelope(status=403, name="NotAllowedError", request=request, message=message)
    return _page(request, "errors/403.html", 403, {"message": message})


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return error_envelope(status=404, name="NotFoundError", request=request,
                              message=f"No such resource: {request.path_info}")
    # Http404("No such entity in the catalog.") carries a sentence; the resolver's carries a dict.
    args = getattr(exception, "args", ())
    message = args[0] if args and isinstance(args[0], str) else ""
    return _page(request, "errors/404.html", 404, {"message": message})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without (or with an expired) token; say how to send it again."""
    message = ("The form was sent without a valid security token, usually because the page was open for "
               "a long time or you signed in again in another tab. Reload the page and send it again.")
    if _api(request):
        return error_envelope(status=403, name="NotAllowedError", request=request, message=message)
    return _page(request, "errors/403.html", 403, {"message": message, "title": "The form could not be sent"})


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    methods = [m.strip() for m in allowed.split(",") if m.strip()]
    response = _page(request, "errors/405.html", 405, {"method": request.method, "allowed": methods})
    response["Allow"] = allowed
    return response


class ErrorPageMiddleware:
    """Styled pages for the empty 405s of `require_GET`/`require_POST` on HTML pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code == 405 and request.method != "HEAD" and not getattr(response, "streaming", False)
                and not response.content
                and not _api(request) and not GIT_PROTOCOL_PATH.match(request.path_info)):
            return method_not_allowed(request, response.get("Allow", ""))
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    failure = sys.exc_info()[1]
    if isinstance(failure, UNAVAILABLE) or (isinstance(failure, DatabaseError) and "connection" in str(failure)):
        status, name, title = 503, "ServiceUnavailableError", "Paved is unavailable for a moment"
        message = "Paved cannot reach its database just now. Try again in a few seconds."
    else:
        status, name, title = 500, "Error", "Something went wrong"
        message = "Something went wrong on our side. It has been logged; try again, or tell your platform team."
    if _api(request):
        response = error_envelope(status=status, name=name, message=message, request=request)
    else:
        html = render_to_string("errors/standalone.html",
                                {"title": title, "message": message, "request_id": _request_id(request),
                                 "back": _way_back(request)})
        response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _request_id(request: HttpRequest) -> str:
    return str(getattr(request, "request_id", "") or "")
