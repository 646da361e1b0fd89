"""Authentication for every request: session for people, `Authorization: Bearer` for machines.

Everything needs a signed-in user except the login page, the health probes and static
files. API paths answer 401 with Backstage's error envelope instead of redirecting.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

from portal.tokens import api_token_user

PUBLIC_PREFIXES = ("/login/", "/healthz", "/readyz", "/static/", "/favicon.ico")
API_PREFIXES = ("/api/",)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


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


class BearerTokenMiddleware:
    """Sign in API clients that send `Authorization: Bearer <token>` (no session, no CSRF)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() == "bearer ":
            user = api_token_user(raw=header[7:].strip())
            if user is None:
                return error_envelope(
                    status=401,
                    name="AuthenticationError",
                    message="Invalid or revoked API token.",
                    request=request,
                )
            request.user = user
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class LoginRequiredMiddleware:
    """Refuse anonymous requests outside the public paths."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if request.user.is_authenticated or path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        if is_api_path(path) or path.startswith("/git/"):
            return error_envelope(
                status=401,
                name="AuthenticationError",
                message="Sign in, or send an API token as 'Authorization: Bearer <token>'.",
                request=request,
            )
        if path.startswith("/admin/"):
            return self.get_response(request)  # the admin has its own login page
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
