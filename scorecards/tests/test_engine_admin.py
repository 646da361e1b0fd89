"""The scorecards in Django's admin: viewable, refresh and recompute go through the services."""

import pytest
from django.core.management import call_command
from django.test import Client

from core.models import AuditEntry
from scorecards.models import Scorecard


@pytest.fixture
def admin_client(db, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    call_command("scorecards_load_defaults")
    return client


def test_the_admin_lists_and_shows_scorecards(admin_client):
    listing = admin_client.get("/admin/scorecards/scorecard/")
    assert listing.status_code == 200 and b"service-maturity" in listing.content
    card = Scorecard.objects.get(slug="service-maturity")
    page = admin_client.get(f"/admin/scorecards/scorecard/{card.pk}/change/")
    assert page.status_code == 200 and b"spec.type=service" in page.content
    assert admin_client.get("/admin/scorecards/scorecard/add/").status_code == 403


def test_admin_actions_refresh_and_recompute(admin_client):
    ids = [str(pk) for pk in Scorecard.objects.values_list("pk", flat=True)]
    response = admin_client.post("/admin/scorecards/scorecard/", {"action": "refresh", "_selected_action": ids},
                                 follow=True)
    assert response.status_code == 200 and b"Loaded" in response.content
    assert AuditEntry.objects.filter(action="scorecards.scorecard.refresh", actor__username="root").count() == 2
    response = admin_client.post("/admin/scorecards/scorecard/", {"action": "recompute", "_selected_action": ids},
                                 follow=True)
    assert b"entities" in response.content


def test_people_without_admin_access_get_nothing(client_owner, db):
    assert client_owner.get("/admin/scorecards/scorecard/").status_code in (302, 403)


def test_switching_a_scorecard_off_and_deleting_it_are_audited(admin_client):
    card = Scorecard.objects.get(slug="documentation-standards")
    response = admin_client.post(f"/admin/scorecards/scorecard/{card.pk}/change/", {"enabled": ""})
    assert response.status_code == 302 and not Scorecard.objects.get(pk=card.pk).enabled
    assert AuditEntry.objects.filter(action="scorecards.scorecard.disable", target=card.slug).exists()
    response = admin_client.post(f"/admin/scorecards/scorecard/{card.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Scorecard.objects.filter(pk=card.pk).exists()
    assert AuditEntry.objects.filter(action="scorecards.scorecard.delete", target=card.slug).exists()
