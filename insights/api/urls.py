from django.urls import path  # noqa: F401  (routes are added by the app's API views)

from insights.api import health

urlpatterns: list = [
    # --- Platform Health (inhealth) ---
    path("insights/health", health.health_get, name="insights-health"),
    path("insights/tickets", health.tickets_post, name="insights-tickets"),
    path("insights/headcount", health.headcount_post, name="insights-headcount"),
    path("insights/checks", health.checks_post, name="insights-checks"),
]
