"""Backstage error names and the decorator that turns them into its error envelope.

Every API view goes through `api_view`, so bad input is a 4xx envelope, never a 500 or an
HTML page. Machine clients authenticate with bearer tokens, hence `csrf_exempt`.
"""

import functools
import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from portal.auth import error_envelope


class ApiError(Exception):
    status = 500
    name = "Error"


class InputError(ApiError):
    status = 400
    name = "InputError"


class NotFoundError(ApiError):
    status = 404
    name = "NotFoundError"


class ConflictError(ApiError):
    status = 409
    name = "ConflictError"


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def api_view(*methods: str):
    """Allow `methods`, answer ApiError/ValidationError with Backstage's envelope, skip CSRF."""

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = error_envelope(status=405, name="NotAllowedError", request=request,
                                          message=f"Method {request.method} is not allowed here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error_envelope(status=exc.status, name=exc.name, message=str(exc), request=request)
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
