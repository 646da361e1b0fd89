from django.urls import path

from insights.api import cost as cost_api
from insights.api import events, health

urlpatterns: list = [
    # --- insights: delivery events (inevents) ---
    path("events", events.events_post, name="insights-events"),
    path("insights/webhooks/<slug:source>", events.webhook_post, name="insights-webhook"),
    path("insights/dora", events.dora_get, name="insights-dora"),
    path("insights/delivery/unmatched", events.unmatched_get, name="insights-unmatched"),
    # --- end insights: delivery events ---
    # --- Platform Health (inhealth) ---
    path("insights/health", health.health_get, name="insights-health"),
    path("insights/tickets", health.tickets_post, name="insights-tickets"),
    path("insights/headcount", health.headcount_post, name="insights-headcount"),
    path("insights/checks", health.checks_post, name="insights-checks"),
    # --- end Platform Health ---
]

# --- insights: cost ---
urlpatterns += [
    path("insights/cost", cost_api.cost, name="insights_cost_api"),
    path("insights/cost/imports", cost_api.imports, name="insights_cost_api_imports"),
    path("insights/cost/imports/<int:import_id>", cost_api.import_detail, name="insights_cost_api_import"),
]
