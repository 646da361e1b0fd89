from django.urls import path

from maturity.api import views

urlpatterns = [
    path("assessment", views.assessment, name="maturity-api-assessment"),
    path("openapi.json", views.openapi, name="maturity-api-openapi"),
]
