"""What the current request is (its id and source address), for code that is not handed the request.

Services take `actor=`, never the request (STYLE.md), yet every audit entry must name the request
it came from: the middleware puts both here for the length of the request.
"""

import ipaddress
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("paved_request_id", default="")
_source_address: ContextVar[str | None] = ContextVar("paved_source_address", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a proxy is kept only if it is short and plain: it ends up in logs and exports.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def current_source_address() -> str | None:
    return _source_address.get()


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def source_address_of(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the client the trusted proxy names when PAVED_TRUST_X_FORWARDED_FOR is on."""
    if settings.PAVED_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The proxy appends the address it saw last; anything before it came from the client.
            address = _valid_ip(forwarded.split(",")[-1])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR", "") or "")


class RequestContextMiddleware:
    """Give every request an id (kept from a trusted X-Request-ID) and remember its source address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = _request_id.set(request_id)
        source_token = _source_address.set(source_address_of(request))
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(id_token)
            _source_address.reset(source_token)
        response[REQUEST_ID_HEADER] = request_id
        return response
