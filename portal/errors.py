"""The answers Paved gives when something goes wrong: styled pages for people, Backstage's error
envelope for API clients, and 503 (not 500) while the database is unreachable.

Django calls these as handler400/403/404/500 (portal/urls.py). The 500 handler runs inside the
exception handling, so sys.exc_info() says what failed; it renders without the request's context
processors, which would query the database that may be the thing that is down.
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from core.api.envelope import error_envelope
from portal.auth import is_api_path

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
UNAVAILABLE = (OperationalError, InterfaceError)


def _api(request: HttpRequest) -> bool:
    return is_api_path(request.path_info)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return error_envelope(status=400, name="InputError", request=request,
                              message=str(exception) or "The request could not be understood.")
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    message = str(exception) if exception is not None and str(exception) else "You are not allowed to do this."
    if _api(request):
        return error_envelope(status=403, name="NotAllowedError", request=request, message=message)
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return error_envelope(status=404, name="NotFoundError", request=request,
                              message=f"No such resource: {request.path_info}")
    # Http404("No such entity in the catalog.") carries a sentence; the resolver's carries a dict.
    args = getattr(exception, "args", ())
    message = args[0] if args and isinstance(args[0], str) else ""
    return render(request, "errors/404.html", {"message": message, "path": request.path_info}, status=404)


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
                                {"title": title, "message": message, "request_id": _request_id(request)})
        response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _request_id(request: HttpRequest) -> str:
    return str(getattr(request, "request_id", "") or "")
