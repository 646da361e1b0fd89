"""The participation admin lists who answered in an order, and with values, that say nothing about when."""

import re

import pytest
from django.test import Client

from surveys import services
from surveys.models import Participation
from surveys.tests.conftest import full_answers, open_campaign

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/surveys/participation/"


@pytest.fixture
def admin_client_(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.com", "x"))
    return client


@pytest.fixture
def late_answer(django_user_model):
    """A campaign whose newest participation row (highest id) is created by the newest answer."""
    for name in ("carol", "alice", "dave"):
        django_user_model.objects.create_user(name)
    campaign = open_campaign()  # rows for the audience so far, up front
    late = django_user_model.objects.create_user("bob")  # joins later: their row is made by their submit
    services.response_submit(campaign=campaign, user=late, values=full_answers(campaign))
    newest = Participation.objects.order_by("-pk").first()
    assert newest.user == late and newest.answered
    return campaign, newest


def _rows(html: str) -> list[str]:
    return re.findall(r'<td class="field-user[^"]*">([^<]+)</td>', html)


def test_changelist_is_ordered_by_person_and_shows_no_ids_or_dates(admin_client_, late_answer):
    _, newest = late_answer
    response = admin_client_.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert _rows(html) == sorted(_rows(html)) and "bob" in _rows(html)
    assert response.context["cl"].queryset.query.order_by[:3] == ("campaign_id", "user__username", "user_id")
    assert "/change/" not in html and "_selected_action" not in html  # links and checkboxes carry ids
    assert f'value="{newest.pk}"' not in html
    assert "field-last_reminded_on" not in html and "reminded" not in html.lower()


@pytest.mark.parametrize("sort", ["1", "-2", "4", "-4.1", "5"])
def test_sorting_by_a_column_is_ignored_so_it_cannot_fall_back_to_id_order(admin_client_, late_answer, sort):
    response = admin_client_.get(CHANGELIST, {"o": sort})
    assert response.status_code == 200
    assert not {"pk", "-pk", "id", "-id"} & set(response.context["cl"].queryset.query.order_by)
    rows = _rows(response.content.decode())
    assert rows == sorted(rows) and len(rows) == 5


def test_participation_rows_cannot_be_changed_in_the_admin(admin_client_, late_answer):
    _, newest = late_answer
    admin_client_.post(f"{CHANGELIST}{newest.pk}/change/", {"answered": ""})
    newest.refresh_from_db()
    assert newest.answered
