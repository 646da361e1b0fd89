from django.urls import path

from techdocs import status, views

app_name = "techdocs"

urlpatterns = [
    path("", views.docs_list, name="list"),
    path("-/owners/", views.owner_suggestions, name="owner_suggestions"),
    path("<str:namespace>/<str:kind>/<str:name>/", views.docs_page, {"path": ""}, name="site"),
    path("<str:namespace>/<str:kind>/<str:name>/-/search/", views.site_search, name="site_search"),
    path("<str:namespace>/<str:kind>/<str:name>/-/build/", views.build_status, name="build_status"),
    path("<str:namespace>/<str:kind>/<str:name>/-/rebuild/", views.build_request, name="rebuild"),
    path("<str:namespace>/<str:kind>/<str:name>/-/status/", status.entity_docs_status, name="entity_status"),
    path("<str:namespace>/<str:kind>/<str:name>/<path:path>", views.docs_page, name="page"),
]
