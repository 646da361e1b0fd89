"""Authentication for every request: session for people, `Authorization: Bearer` for machines.

Everything needs a signed-in user except the login page, the health probes and static
files. API paths answer 401 with Backstage's error envelope instead of redirecting.
Under /git/, HTTP Basic with an API token as the password also signs in, because that is what
`git` sends; the git protocol paths answer 401 with a Basic challenge so `git` asks for it.
"""

import base64
import binascii
import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.api.envelope import error_envelope
from portal.tokens import api_token_lookup

# Webhooks from delivery tools carry no session or token: insights verifies each one's signature.
PUBLIC_PREFIXES = ("/login/", "/healthz", "/readyz", "/static/", "/favicon.ico", "/api/insights/webhooks/")
API_PREFIXES = ("/api/",)
GIT_PREFIX = "/git/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# git always asks below <name>.git/ (info/refs, git-upload-pack); the bare clone URL is what a person
# opens in a browser, so it is a page (sign-in, then the repository page), not a 401.
GIT_PROTOCOL_PATH = re.compile(r"^/git/[^/]+/[^/]+\.git/")
GIT_REALM = 'Basic realm="Paved git"'


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def is_git_protocol_path(path: str) -> bool:
    """Git's smart HTTP endpoints (/git/<owner>/<name>.git/...), as opposed to the browse pages."""
    return bool(GIT_PROTOCOL_PATH.match(path))


def git_unauthorized(request: HttpRequest, message: str) -> JsonResponse:
    response = error_envelope(status=401, name="AuthenticationError", message=message, request=request)
    response["WWW-Authenticate"] = GIT_REALM
    return response


def _basic_password(header: str) -> str | None:
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _username, sep, password = decoded.partition(":")
    return password if sep else None


def is_git_push(request: HttpRequest) -> bool:
    """git's receive-pack: the push itself (POST) and its ref advertisement (GET ?service=)."""
    return request.path_info.endswith("/git-receive-pack") or request.GET.get("service") == "git-receive-pack"


def _read_only_refusal(request: HttpRequest) -> HttpResponse | None:
    if request.path_info.startswith(GIT_PREFIX) and is_git_push(request):
        return error_envelope(status=403, name="NotAllowedError", request=request,
                              message="This API token is read-only: it can clone and fetch, not push.")
    if request.method not in SAFE_METHODS:
        return error_envelope(status=403, name="NotAllowedError", request=request,
                              message="This API token is read-only: create a read-write token to change things.")
    return None


class BearerTokenMiddleware:
    """Sign in API clients that send `Authorization: Bearer <token>` (no session, no CSRF), and git
    clients that send HTTP Basic with any username and an API token as the password (under /git/ only).
    A read-only token is refused every unsafe method and every push."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:6].lower() == "basic " and request.path_info.startswith(GIT_PREFIX):
            password = _basic_password(header)
            grant = api_token_lookup(raw=password) if password else None
            if grant is None:
                return git_unauthorized(
                    request, "Invalid, expired or revoked API token: use an API token as the password.")
        elif header[:7].lower() == "bearer ":
            grant = api_token_lookup(raw=header[7:].strip())
            if grant is None:
                return error_envelope(status=401, name="AuthenticationError", request=request,
                                      message="Invalid, expired or revoked API token.")
        else:
            return self.get_response(request)
        if grant.ingest_paths is not None:
            if not request.path_info.startswith(grant.ingest_paths):
                return error_envelope(
                    status=403, name="NotAllowedError", request=request,
                    message=f"This token can only send to {', '.join(grant.ingest_paths)} "
                            f"(scopes: {', '.join(sorted(grant.scopes))}).")
        elif not grant.can_write:
            refusal = _read_only_refusal(request)
            if refusal is not None:
                return refusal
        request.user = grant.user
        request.api_token_scopes = grant.scopes
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
        if is_git_protocol_path(path):
            return git_unauthorized(request, "Sign in with an API token as the password (git asks for it).")
        if is_api_path(path):
            return error_envelope(
                status=401,
                name="AuthenticationError",
                message="Sign in, or send an API token as 'Authorization: Bearer <token>'.",
                request=request,
            )
        if path.startswith("/admin/"):
            return self.get_response(request)  # the admin has its own login page
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
