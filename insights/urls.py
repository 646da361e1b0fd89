from django.urls import path  # noqa: F401  (routes are added by the app's views)

from insights.views import cost as cost_views

app_name = "insights"
urlpatterns: list = []

# --- insights: cost ---
urlpatterns += [
    path("cost/", cost_views.cost_home, name="cost_home"),
    path("cost/teams/<str:team>/", cost_views.cost_team, name="cost_team"),
    path("cost/export.csv", cost_views.cost_export, name="cost_export"),
    path("cost/imports/", cost_views.cost_imports, name="cost_imports"),
    path("cost/imports/<int:import_id>/", cost_views.cost_import, name="cost_import"),
]
