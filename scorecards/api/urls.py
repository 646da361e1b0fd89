from django.urls import path

from scorecards.api import facts

urlpatterns: list = [
    # --- facts input (screports) ---
    path("facts", facts.facts, name="facts"),
    path("facts/reports", facts.facts_reports, name="facts_reports"),
    path("facts/history", facts.facts_history_view, name="facts_history"),
    path("facts/openapi.json", facts.facts_openapi, name="facts_openapi"),
    # --- end facts input ---
]
