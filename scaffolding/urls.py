"""The scaffolder's pages, mounted at /create/."""

from django.urls import path

from scaffolding.views import create, lineage, pickers, runs

app_name = "scaffolding"

urlpatterns = [
    path("", create.template_list, name="template_list"),
    path("templates/<str:namespace>/<str:name>/", create.template_form, name="template_form"),
    path("templates/<str:namespace>/<str:name>/lineage/", lineage.template_lineage, name="template_lineage"),
    path("templates/<str:namespace>/<str:name>/upgrade/", lineage.template_upgrade, name="template_upgrade"),
    path("pickers/entities/", pickers.entity_options, name="picker_entities"),
    path("tasks/", runs.run_list, name="run_list"),
    path("tasks/<uuid:run_id>/", runs.run_detail, name="run_detail"),
    path("tasks/<uuid:run_id>/status/", runs.run_status, name="run_status"),
    path("tasks/<uuid:run_id>/cancel/", runs.run_cancel, name="run_cancel"),
    path("tasks/<uuid:run_id>/retry/", runs.run_retry, name="run_retry"),
    path("actions/", runs.action_list, name="action_list"),
]
