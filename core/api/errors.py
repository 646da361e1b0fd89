"""Backstage error names and the decorator that turns them into its error envelope.

Every API view goes through `api_view`, so bad input is a 4xx envelope, never a 500 or an
HTML page. Machine clients send bearer tokens and need no CSRF token (the bearer middleware turns the
check off for them); a browser session is a cookie another site's page can ride, so its unsafe
requests must carry Django's CSRF token, as a form post would. The check runs here rather than
in the middleware so a refusal is the JSON envelope, not Django's HTML page.
"""

import functools
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from core.api.envelope import error_envelope


class ApiError(Exception):
    status = 500
    name = "Error"


class InputError(ApiError):
    status = 400
    name = "InputError"


class NotFoundError(ApiError):
    status = 404
    name = "NotFoundError"


class NotAllowedError(ApiError):
    status = 403
    name = "NotAllowedError"


class ConflictError(ApiError):
    status = 409
    name = "ConflictError"


class PayloadTooLargeError(ApiError):
    status = 413
    name = "PayloadTooLargeError"


class ServiceUnavailableError(ApiError):
    status = 503
    name = "ServiceUnavailableError"


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check (origin, referer, cookie and token), answering why it failed."""

    def _reject(self, request: HttpRequest, reason: str) -> str:
        return reason


def _view_needing_csrf(request: HttpRequest) -> None:  # a callback without csrf_exempt
    return None


def csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """403 envelope when an unsafe request signed in by its session fails the CSRF check. Safe
    methods pass, and so do bearer-token requests (portal.auth sets _dont_enforce_csrf_checks)."""
    reason = _CsrfCheck(_view_needing_csrf).process_view(request, _view_needing_csrf, (), {})
    if not isinstance(reason, str):
        return None
    return error_envelope(
        status=403, name="NotAllowedError", request=request,
        message=f"CSRF check failed ({reason}): the CSRF token is missing or wrong. Browser sessions must "
                "send the csrftoken cookie's value in the X-CSRFToken header; API clients should use "
                "'Authorization: Bearer <token>' instead.",
    )


def api_view(*methods: str):
    """Allow `methods`; check CSRF for session-signed unsafe requests; answer ApiError,
    ValidationError and PermissionDenied with Backstage's envelope."""

    def decorator(view):
        @csrf_exempt  # checked in the wrapper, so a refusal is the envelope
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = error_envelope(status=405, name="NotAllowedError", request=request,
                                          message=f"Method {request.method} is not allowed here.")
                response["Allow"] = ", ".join(methods)
                return response
            refusal = csrf_refusal(request)
            if refusal is not None:
                return refusal
            try:
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error_envelope(status=exc.status, name=exc.name, message=str(exc), request=request)
            except PermissionDenied as exc:
                return error_envelope(status=403, name="NotAllowedError", request=request,
                                      message=str(exc) or "You are not allowed to do this.")
            except ValidationError as exc:
                return error_envelope(status=400, name="InputError", message=validation_message(exc),
                                      request=request)

        return wrapper

    return decorator


def json_body(request: HttpRequest) -> dict:
    """The request's JSON object body; InputError when it is not one."""
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"Malformed JSON body: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("The request body must be a JSON object.")
    return data
