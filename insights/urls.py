from django.urls import path

from insights.views import cost as cost_views
from insights.views import delivery as delivery_views

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
# --- insights: delivery events ---
urlpatterns += [
    path("delivery/unmatched/", delivery_views.unmatched, name="delivery_unmatched"),
    path("delivery/<str:namespace>/<str:kind>/<str:name>/", delivery_views.component_delivery,
         name="component_delivery"),
]
