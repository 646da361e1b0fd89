from django.urls import path, re_path

from techdocs.api import views

app_name = "techdocs_api"

urlpatterns = [
    path("static/docs/<str:namespace>/<str:kind>/<str:name>/<path:path>", views.static, name="static"),
    path("metadata/techdocs/<str:namespace>/<str:kind>/<str:name>", views.metadata_techdocs,
         name="metadata_techdocs"),
    path("metadata/entity/<str:namespace>/<str:kind>/<str:name>", views.metadata_entity, name="metadata_entity"),
    path("sync/<str:namespace>/<str:kind>/<str:name>", views.sync, name="sync"),
]

# Anything else under /api/techdocs/ answers Backstage's 404 envelope, not an HTML page.
urlpatterns.append(re_path(r"^.*$", views.not_found, name="not_found"))
