from django.urls import path

from insights.views import cost as cost_views
from insights.views import health

app_name = "insights"
urlpatterns: list = [
    # --- Platform Health (inhealth) ---
    path("", health.dashboard, name="home"),
    path("", health.dashboard, name="index"),  # the name the maturity app links to
    path("settings/", health.connect, name="settings"),
    path("health.csv", health.export_csv, name="health_csv"),
    path("figures/<slug:key>/", health.figure, name="figure"),
    path("teams/<str:namespace>/<str:name>/", health.team_page, name="team"),
    # --- end Platform Health ---
]

# --- insights: delivery events (inevents) ---
from insights.views import delivery as delivery_views  # noqa: E402

urlpatterns += [
    path("delivery/unmatched/", delivery_views.unmatched, name="delivery_unmatched"),
    path("delivery/<str:namespace>/<str:kind>/<str:name>/", delivery_views.component_delivery,
         name="component_delivery"),
]
# --- end insights: delivery events ---

# --- insights: cost ---
urlpatterns += [
    path("cost/", cost_views.cost_home, name="cost_home"),
    path("cost/teams/<str:team>/", cost_views.cost_team, name="cost_team"),
    path("cost/export.csv", cost_views.cost_export, name="cost_export"),
    path("cost/imports/", cost_views.cost_imports, name="cost_imports"),
    path("cost/imports/<int:import_id>/", cost_views.cost_import, name="cost_import"),
]
