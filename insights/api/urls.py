from django.urls import path  # noqa: F401  (routes are added by the app's API views)

from insights.api import cost as cost_api

urlpatterns: list = []

# --- insights: cost ---
urlpatterns += [
    path("insights/cost", cost_api.cost, name="insights_cost_api"),
    path("insights/cost/imports", cost_api.imports, name="insights_cost_api_imports"),
    path("insights/cost/imports/<int:import_id>", cost_api.import_detail, name="insights_cost_api_import"),
]
