from django.urls import path, re_path

from catalog.api import views

app_name = "catalog_api"

urlpatterns = [
    path("openapi.json", views.openapi, name="openapi"),
    path("entities", views.entity_list, name="entity_list"),
    path("entities/by-query", views.entity_query, name="entity_query"),
    path("entities/by-refs", views.entity_by_refs, name="entity_by_refs"),
    path("entities/by-uid/<str:uid>", views.entity_by_uid, name="entity_by_uid"),
    path("entities/by-name/<str:kind>/<str:namespace>/<str:name>", views.entity_by_name, name="entity_by_name"),
    path("entities/by-name/<str:kind>/<str:namespace>/<str:name>/ancestry", views.entity_ancestry,
         name="entity_ancestry"),
    path("entity-facets", views.entity_facets, name="entity_facets"),
    path("refresh", views.entity_refresh, name="entity_refresh"),
    path("validate-entity", views.entity_validate, name="entity_validate"),
    path("locations", views.location_list, name="location_list"),
    path("locations/by-entity/<str:kind>/<str:namespace>/<str:name>", views.location_by_entity,
         name="location_by_entity"),
    path("locations/<str:location_id>", views.location_detail, name="location_detail"),
    path("analyze-location", views.location_analyze, name="location_analyze"),
]

# Anything else under /api/catalog/ answers Backstage's 404 envelope, not an HTML page.
urlpatterns.append(re_path(r"^.*$", views.not_found, name="not_found"))
