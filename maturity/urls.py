from django.urls import path

from maturity import views

app_name = "maturity"
urlpatterns = [
    path("", views.index, name="index"),
    path("dimensions/<str:key>/", views.dimension_detail, name="dimension"),
    path("dimensions/<str:key>/thresholds/", views.dimension_thresholds, name="dimension_thresholds"),
    path("dimensions/<str:key>/answer/", views.dimension_answer, name="dimension_answer"),
    path("roadmap/", views.roadmap_edit, name="roadmap"),
    path("roadmap/redraft/", views.roadmap_draft, name="roadmap_redraft"),
    path("history/", views.history_page, name="history"),
    path("snapshots/take/", views.snapshot_now, name="snapshot_take"),
    path("report/", views.report, name="report"),
    path("report.md", views.report_markdown, name="report_markdown"),
]
