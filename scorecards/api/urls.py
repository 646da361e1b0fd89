from django.urls import path

from scorecards.api import facts, scores

urlpatterns: list = [
    # --- facts input (screports) ---
    path("facts", facts.facts, name="facts"),
    path("facts/reports", facts.facts_reports, name="facts_reports"),
    path("facts/history", facts.facts_history_view, name="facts_history"),
    path("facts/openapi.json", facts.facts_openapi, name="facts_openapi"),
    # --- end facts input ---
    # --- scorecards: scores for dashboards (scui) ---
    path("scorecards", scores.scorecard_list, name="api-scorecard-list"),
    path("scorecards/openapi.json", scores.scores_openapi, name="api-scorecard-openapi"),
    path("scorecards/by-entity/<str:kind>/<str:namespace>/<str:name>", scores.entity_scores,
         name="api-scorecard-entity"),
    path("scorecards/<slug:slug>/scores", scores.scorecard_scores, name="api-scorecard-scores"),
    path("scorecards/<slug:slug>/history", scores.scorecard_history, name="api-scorecard-history"),
    path("scorecards/<slug:slug>/teams/<str:namespace>/<str:name>", scores.team_rollup, name="api-scorecard-team"),
    # --- end scorecards: scores ---
]
