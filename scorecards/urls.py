from django.urls import path

from scorecards.views import campaigns, entity, pages

app_name = "scorecards"
urlpatterns = [
    path("", pages.scorecard_index, name="index"),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/end/", campaigns.campaign_end, name="campaign_end"),
    path("teams/<str:namespace>/<str:name>/", pages.team_page, name="team"),
    path("entities/<str:namespace>/<str:kind>/<str:name>/", entity.entity_scorecards, name="entity"),
    path("entities/<str:namespace>/<str:kind>/<str:name>/exemptions/", entity.exemption_request,
         name="exemption_request"),
    path("exemptions/", entity.exemption_list, name="exemption_list"),
    path("exemptions/<int:exemption_id>/<str:decision>/", entity.exemption_decide, name="exemption_decide"),
    path("<slug:slug>/", pages.scorecard_detail, name="detail"),
    path("<slug:slug>/export.csv", pages.scorecard_export, name="export"),
]
