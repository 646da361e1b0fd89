"""/api/scaffolder/v2/: Backstage's scaffolder routes (templates, actions, tasks, dry-run)."""

from django.urls import path, re_path

from scaffolding.api import views

app_name = "scaffolder_api"

urlpatterns = [
    path("openapi.json", views.openapi, name="openapi"),
    path("templates/<str:namespace>/<str:kind>/<str:name>/parameter-schema", views.parameter_schema,
         name="parameter_schema"),
    path("actions", views.action_list, name="action_list"),
    path("tasks", views.tasks, name="tasks"),
    path("tasks/<str:task_id>", views.task_detail, name="task_detail"),
    path("tasks/<str:task_id>/events", views.task_events, name="task_events"),
    path("tasks/<str:task_id>/eventstream", views.task_eventstream, name="task_eventstream"),
    path("tasks/<str:task_id>/cancel", views.task_cancel, name="task_cancel"),
    path("tasks/<str:task_id>/retry", views.task_retry, name="task_retry"),
    path("dry-run", views.dry_run, name="dry_run"),
]

# Anything else under /api/scaffolder/v2/ answers Backstage's 404 envelope, not an HTML page.
urlpatterns.append(re_path(r"^.*$", views.not_found, name="not_found"))
