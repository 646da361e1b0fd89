from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("<int:campaign_id>/answer/", views.campaign_answer, name="campaign_answer"),
    path("<int:campaign_id>/results/", views.campaign_results_page, name="campaign_results"),
    path("<int:campaign_id>/results/text/<int:question_id>/", views.campaign_text_answers_page,
         name="campaign_text_answers"),
    path("<int:campaign_id>/results.csv", views.campaign_results_csv, name="campaign_results_csv"),
    path("<int:campaign_id>/answers.csv", views.campaign_rows_csv, name="campaign_rows_csv"),
]
