from django.urls import path

from scorecards.api import scores

# --- scorecards: scores for dashboards (scui) ---
urlpatterns = [
    path("scorecards", scores.scorecard_list, name="api-scorecard-list"),
    path("scorecards/openapi.json", scores.scores_openapi, name="api-scorecard-openapi"),
    path("scorecards/by-entity/<str:kind>/<str:namespace>/<str:name>", scores.entity_scores,
         name="api-scorecard-entity"),
    path("scorecards/<slug:slug>/scores", scores.scorecard_scores, name="api-scorecard-scores"),
    path("scorecards/<slug:slug>/history", scores.scorecard_history, name="api-scorecard-history"),
    path("scorecards/<slug:slug>/teams/<str:namespace>/<str:name>", scores.team_rollup, name="api-scorecard-team"),
]
# --- end scorecards: scores ---
