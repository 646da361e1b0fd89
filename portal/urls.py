"""Root URLConf. Apps that have not landed yet get an honest placeholder page instead of a 404."""

import importlib.util

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent package is missing
        return False


portal_patterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
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
