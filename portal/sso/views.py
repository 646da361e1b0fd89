"""Sign-in pages: the login page with both ways in, the redirect to the provider, its callback."""

import logging

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from portal.auth_audit import sign_in_failed
from portal.sso.backend import Refusal
from portal.sso.config import ProviderUnavailable, client_setting, endpoint, sso_enabled

logger = logging.getLogger(__name__)


class LoginPage(LoginView):
    """Django's password form, with the single sign-on button above it when that is on."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if sso_enabled():
            context["sso_label"] = settings.PAVED_OIDC_DISPLAY_NAME
            context["sso_url"] = reverse("portal:sso_start")
        return context


def refusal_page(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    identity = refusal.identity
    context = {
        "refusal": refusal,
        "identity": identity,
        "not_in_catalog": refusal.outcome == "denied" and identity is not None,
        "contact": settings.PAVED_OIDC_SUPPORT_CONTACT,
        "sso_label": settings.PAVED_OIDC_DISPLAY_NAME,
    }
    return render(request, "registration/sso_refused.html", context, status=refusal.status)


class SsoStartView(OIDCAuthenticationRequestView):
    """Redirect to the provider with a fresh state, nonce and PKCE challenge kept in the session."""

    get_settings = staticmethod(client_setting)

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the base class reads the endpoint here; read it per request

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is off.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as exc:
            logger.warning("Single sign-on: %s", exc)
            return refusal_page(request, Refusal(str(exc), outcome="failed", status=502))
        self.OIDC_RP_CLIENT_ID = settings.PAVED_OIDC_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code; a refusal gets a page, never a 500."""

    get_settings = staticmethod(client_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is off.")
        try:
            return super().get(request)
        except SuspiciousOperation:  # the state is not one this browser's session started
            return self._refuse_here(Refusal(
                "This sign-in was not started from this browser (its state is unknown or was already used). "
                "Start again from the sign-in page.", outcome="failed", status=400,
            ))

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, "sso_refusal", None)
        if refusal is not None:  # the backend refused; user_login_failed has recorded it
            return refusal_page(self.request, refusal)
        error = self.request.GET.get("error", "")
        if error:
            description = self.request.GET.get("error_description", "")
            message = f"The sign-in provider answered {error[:100]}" + (f": {description[:300]}" if description else "")
        else:
            message = "This sign-in was not started from this browser. Start again from the sign-in page."
        return self._refuse_here(Refusal(message, outcome="failed", status=400))

    def _refuse_here(self, refusal: Refusal) -> HttpResponse:
        """Refusals decided before the backend ran: record them here, as nothing else will."""
        sign_in_failed(method="sso", reason=refusal.message, outcome=refusal.outcome)
        return refusal_page(self.request, refusal)
