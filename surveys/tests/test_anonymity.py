"""Anonymous by construction: nothing joins an answer to the person who gave it."""

import random
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, models

from surveys import services
from surveys.models import Answer, Participation, Response
from surveys.tests.conftest import add_responses, full_answers

pytestmark = pytest.mark.django_db


def _columns(model) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)}


def test_answer_tables_have_no_user_column_and_no_time_of_day():
    # The exact column sets: adding a column to these tables must revisit this test.
    # `published` only says whether a response is in the results' snapshot (a whole batch of its team).
    assert _columns(Response) == {"id", "campaign_id", "team_ref", "submitted_on", "published"}
    assert _columns(Answer) == {"id", "response_id", "campaign_id", "question_id", "team_ref", "value", "text"}
    assert _columns(Participation) == {"id", "campaign_id", "user_id", "team_ref", "answered", "reminders_sent",
                                       "last_reminded_on"}
    user_model = get_user_model()
    for model in (Response, Answer):
        for field in model._meta.get_fields():
            assert getattr(field, "related_model", None) not in (user_model, Participation), field
            assert not isinstance(field, models.DateTimeField | models.TimeField), field
        assert isinstance(model._meta.pk, models.UUIDField)
    for field in Participation._meta.get_fields():
        assert getattr(field, "related_model", None) not in (Response, Answer), field
        assert not isinstance(field, models.DateTimeField | models.TimeField), field


def test_nothing_stored_with_an_answer_names_or_numbers_the_person(campaign, owner, teammate):
    services.response_submit(campaign=campaign, user=owner, values=full_answers(campaign, text="owner writes"))
    services.response_submit(campaign=campaign, user=teammate, values=full_answers(campaign, text="mate writes"))
    people = {str(u.pk) for u in (owner, teammate)} | {u.username for u in (owner, teammate)} | {
        u.email for u in (owner, teammate)}
    participation_ids = {str(pk) for pk in Participation.objects.values_list("pk", flat=True)}
    with connection.cursor() as cursor:
        # Every column except the references to the campaign and the question (shared by everyone).
        for table, columns in ((Response._meta.db_table, "id, team_ref, submitted_on"),
                               (Answer._meta.db_table, "id, response_id, team_ref, text")):
            cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - fixed table names
            stored = {str(v) for row in cursor.fetchall() for v in row}
            assert stored and not stored & (people | participation_ids), table
    for response in Response.objects.all():
        assert uuid.UUID(str(response.pk)).version == 4


def test_shuffle_gives_new_ids_in_a_new_order_and_keeps_every_answer(campaign):
    add_responses(campaign, team="", count=30, text="x")
    for i, response in enumerate(Response.objects.all()):
        Answer.objects.filter(response=response, question__kind="likert").update(value=1 + i % 5)
    before_ids = set(Response.objects.values_list("pk", flat=True))
    histogram = sorted(Answer.objects.values_list("question_id", "value", "text"))
    services.response_shuffle(campaign=campaign, rng=random.Random(3))
    assert Response.objects.count() == 30
    assert not before_ids & set(Response.objects.values_list("pk", flat=True))
    assert sorted(Answer.objects.values_list("question_id", "value", "text")) == histogram
    # Each rewritten response still holds its own 13 answers.
    assert all(r.answers.count() == 13 for r in Response.objects.all())


def test_admin_shows_no_responses_or_answers():
    assert Response not in admin.site._registry
    assert Answer not in admin.site._registry
