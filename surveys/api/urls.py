from django.urls import path, re_path

from surveys.api import views

app_name = "surveys_api"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("<int:campaign_id>/results", views.campaign_results, name="campaign_results"),
]

# Anything else under /api/surveys/ answers Backstage's 404 envelope, not an HTML page.
urlpatterns.append(re_path(r"^.*$", views.not_found, name="not_found"))
