from django.urls import path

from insights.api import events

urlpatterns: list = [
    # --- insights: delivery events (inevents) ---
    path("events", events.events_post, name="insights-events"),
    path("insights/webhooks/<slug:source>", events.webhook_post, name="insights-webhook"),
    path("insights/dora", events.dora_get, name="insights-dora"),
    path("insights/delivery/unmatched", events.unmatched_get, name="insights-unmatched"),
    # --- end insights: delivery events ---
]
