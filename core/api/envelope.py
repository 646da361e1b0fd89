"""Backstage's error response body, shared by the API views and the middleware that refuses
requests before any view runs (sign-in, read-only tokens)."""

from django.http import HttpRequest, JsonResponse


def error_envelope(
    *, status: int, name: str, message: str, request: HttpRequest | None = None
) -> JsonResponse:
    """Backstage's error response body: {error: {name, message}, request, response}."""
    body = {
        "error": {"name": name, "message": message},
        "request": {"method": request.method, "url": request.get_full_path()} if request else None,
        "response": {"statusCode": status},
    }
    return JsonResponse(body, status=status)
