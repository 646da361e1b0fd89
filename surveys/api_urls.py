from django.urls import path

from surveys import api

app_name = "surveys_api"

urlpatterns = [
    path("", api.campaign_list, name="campaign_list"),
    path("<int:campaign_id>/results", api.campaign_results, name="campaign_results"),
]
