"""Reads do not write (issue 10, item 7): every results view reads the published snapshot and
neither writes nor publishes; waiting answers join it only when the publication task runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import tasks
from surveys.models import CampaignTally, Response
from surveys.tests.conftest import add_responses, open_campaign

pytestmark = pytest.mark.django_db
WRITES = ("INSERT", "UPDATE", "DELETE")


def test_results_views_write_nothing_and_leave_publishing_to_the_task(org, reader, settings, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = settings.PAVED_SURVEYS_RESULTS_BATCH = 5
    settings.PAVED_SURVEYS_OPEN_RESULTS = "batched"
    campaign = open_campaign()
    add_responses(campaign, team="group:default/team-a", count=5, text="waits")  # a lost enqueue: nothing published
    sent = []
    monkeypatch.setattr(tasks.results_publish, "delay", sent.append)
    urls = ["/surveys/", f"/surveys/{campaign.pk}/results/", f"/surveys/{campaign.pk}/results.csv",
            f"/surveys/{campaign.pk}/answers.csv", "/api/surveys/", f"/api/surveys/{campaign.pk}/results"]
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        for url in urls:
            response = reader.get(url)
            assert response.status_code == 200, url
            if response.streaming:
                b"".join(response.streaming_content)  # the CSVs read their rows while streaming
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(WRITES) and "django_session" not in q["sql"]]
    assert writes == [] and sent == []
    assert not Response.objects.filter(published=True).exists() and not CampaignTally.objects.exists()
    assert reader.get(f"/api/surveys/{campaign.pk}/results").json()["responses"] == 0
    assert tasks.results_publish(campaign.pk) == 5  # the task does the work
    assert reader.get(f"/api/surveys/{campaign.pk}/results").json()["responses"] == 5
