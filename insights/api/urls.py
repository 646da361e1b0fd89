from django.urls import path

from insights.api import cost as cost_api
from insights.api import events

urlpatterns: list = []

# --- insights: cost ---
urlpatterns += [
    path("insights/cost", cost_api.cost, name="insights_cost_api"),
    path("insights/cost/imports", cost_api.imports, name="insights_cost_api_imports"),
    path("insights/cost/imports/<int:import_id>", cost_api.import_detail, name="insights_cost_api_import"),
]
# --- insights: delivery events ---
urlpatterns += [
    path("events", events.events_post, name="insights-events"),
    path("insights/webhooks/<slug:source>", events.webhook_post, name="insights-webhook"),
    path("insights/dora", events.dora_get, name="insights-dora"),
    path("insights/delivery/unmatched", events.unmatched_get, name="insights-unmatched"),
]
