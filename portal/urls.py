"""Root URLConf: the portal shell mounts every app's pages and API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from portal import audit_views, notification_views, star_views, views
from portal.sso import views as sso_views

portal_patterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico before they read the page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("readyz", views.readyz, name="readyz"),
    path("login/", sso_views.LoginPage.as_view(), name="login"),
    # Under /login/, which LoginRequiredMiddleware lets through: the provider sends people back signed out.
    path("login/sso/", sso_views.SsoStartView.as_view(), name="sso_start"),
    path("login/sso/callback/", sso_views.SsoCallbackView.as_view(), name="sso_callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("stars/<str:namespace>/<str:kind>/<str:name>/", star_views.entity_star, name="entity_star"),
    path("stars/<str:namespace>/<str:kind>/<str:name>/button/", star_views.entity_star_button,
         name="entity_star_button"),
    path("notifications/", notification_views.notification_list, name="notification_list"),
    path("notifications/mark/", notification_views.notification_mark, name="notification_mark"),
    path("notifications/bell/", notification_views.notification_bell, name="notification_bell"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/export.jsonl", audit_views.audit_export, name="audit_export"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("admin/", admin.site.urls),
]

urlpatterns += [
    path("api/catalog/", include("catalog.api.urls")),
    path("api/techdocs/", include("techdocs.api.urls")),
    path("api/scaffolder/v2/", include("scaffolding.api.urls")),
    path("api/surveys/", include("surveys.api.urls")),
    # /api/facts, /api/scorecards/...; /api/events, /api/insights/... (webhooks under /api/insights/webhooks/);
    # /api/maturity/...
    path("api/", include("scorecards.api.urls")),
    path("api/", include("insights.api.urls")),
    path("api/maturity/", include("maturity.api.urls")),
    # Backstage's notifications API (the portal's own; core.notifications holds the rows).
    path("api/notifications/notifications", notification_views.api_notifications),
    path("api/notifications/status", notification_views.api_status),
    path("api/notifications/update", notification_views.api_update),
    path("git/", include("githost.urls")),
    path("catalog/", include("catalog.urls")),
    path("create/", include("scaffolding.urls")),
    path("docs/", include("techdocs.urls")),
    path("surveys/", include("surveys.urls")),
    path("scorecards/", include("scorecards.urls")),
    path("insights/", include("insights.urls")),
    path("maturity/", include("maturity.urls")),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
