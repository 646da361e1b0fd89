from django.urls import path  # noqa: F401  (routes are added by the app's views)

app_name = "insights"
urlpatterns: list = []

# --- insights: delivery events (inevents) ---
from insights.views import delivery as delivery_views  # noqa: E402

urlpatterns += [
    path("delivery/unmatched/", delivery_views.unmatched, name="delivery_unmatched"),
    path("delivery/<str:namespace>/<str:kind>/<str:name>/", delivery_views.component_delivery,
         name="component_delivery"),
]
# --- end insights: delivery events ---
