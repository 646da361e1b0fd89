"""Root URLConf. Apps that have not landed yet get an honest placeholder page instead of a 404."""

import importlib.util

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import audit_views, views
from portal.sso import views as sso_views


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent package is missing
        return False


portal_patterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("login/", sso_views.LoginPage.as_view(), name="login"),
    # Under /login/, which LoginRequiredMiddleware lets through: the provider sends people back signed out.
    path("login/sso/", sso_views.SsoStartView.as_view(), name="sso_start"),
    path("login/sso/callback/", sso_views.SsoCallbackView.as_view(), name="sso_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/export.jsonl", audit_views.audit_export, name="audit_export"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("admin/", admin.site.urls),
]

if module_exists("catalog.api.urls"):
    urlpatterns.append(path("api/catalog/", include("catalog.api.urls")))
if module_exists("techdocs.api"):
    urlpatterns.append(path("api/techdocs/", include("techdocs.api")))
if module_exists("scaffolding.api.urls"):
    urlpatterns.append(path("api/scaffolder/v2/", include("scaffolding.api.urls")))
if module_exists("githost.urls"):
    urlpatterns.append(path("git/", include("githost.urls")))
if module_exists("surveys.api_urls"):
    urlpatterns.append(path("api/surveys/", include("surveys.api_urls")))

# (URL prefix, the app's URLConf, the feature's name on the placeholder page)
SECTIONS = [
    ("catalog/", "catalog.urls", "Catalog"),
    ("create/", "scaffolding.urls", "Create"),
    ("docs/", "techdocs.urls", "Docs"),
    ("surveys/", "surveys.urls", "Surveys"),
    ("insights/", None, "Insights"),
]
for prefix, module, feature in SECTIONS:
    if module and module_exists(module):
        urlpatterns.append(path(prefix, include(module)))
    else:
        urlpatterns.append(path(prefix, views.unavailable, {"feature": feature}))
