from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.entity_list, name="entity_list"),
    path("export.csv", views.entity_export, name="entity_export"),
    path("tags/", views.entity_tag_facet, name="entity_tag_facet"),
    path("register/", views.register, name="register"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/<uuid:location_id>/", views.location_detail, name="location_detail"),
    path("locations/<uuid:location_id>/status/", views.location_status, name="location_status"),
    path("locations/<uuid:location_id>/refresh/", views.location_refresh, name="location_refresh"),
    path("locations/<uuid:location_id>/delete/", views.location_delete, name="location_delete"),
    path("orphans/", views.orphan_list, name="orphan_list"),
    path("orphans/<int:entity_id>/delete/", views.orphan_delete, name="orphan_delete"),
    path("errors/", views.error_list, name="error_list"),
    # Last: three free segments would otherwise shadow the pages above.
    path("<str:namespace>/<str:kind>/<str:name>/", views.entity_detail, name="entity_detail"),
    path("<str:namespace>/<str:kind>/<str:name>/refresh/", views.entity_refresh, name="entity_refresh"),
    path("<str:namespace>/<str:kind>/<str:name>/unregister/", views.entity_unregister, name="entity_unregister"),
]
