"""Submitting answers (once per person, anonymously) and shuffling stored responses."""

import random
import uuid

from django.db import IntegrityError, transaction

from core.queue import task_enqueue_on_commit
from surveys import selectors
from surveys.models import Answer, Campaign, CampaignQuestion, Participation, Question, Response


class SurveyError(Exception):
    """A refusal with a message for the person (nothing was stored)."""


class AlreadyAnswered(SurveyError):
    pass


def check_open(campaign: Campaign, user) -> None:
    status = campaign.status_on(selectors.today())
    if status == Campaign.Status.SCHEDULED:
        raise SurveyError(f"This survey opens on {campaign.opens_on:%-d %B %Y}; it does not take answers yet.")
    if status == Campaign.Status.CLOSED:
        raise SurveyError(f"This survey closed on {campaign.closes_on:%-d %B %Y}; it no longer takes answers.")
    if not selectors.user_in_audience(user=user, campaign=campaign):
        raise SurveyError("This survey is for other groups; you are not in its audience.")


def _answer_rows(items: list[CampaignQuestion], values: dict[int, int | str]) -> list[tuple[Question, int | str]]:
    by_id = {item.question_id: item for item in items}
    unknown = set(values) - set(by_id)
    if unknown:
        raise SurveyError("The answers name questions this survey does not have.")
    missing = [item.order for item in items if item.required and item.question_id not in values]
    if missing:
        raise SurveyError(f"Questions {', '.join(map(str, missing))} need an answer.")
    rows = []
    for question_id, value in values.items():
        question = by_id[question_id].question
        bounds = question.value_range
        if bounds is None:
            if not isinstance(value, str):
                raise SurveyError(f"Question {by_id[question_id].order} expects text.")
        elif isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
            raise SurveyError(f"Question {by_id[question_id].order} expects a value from {bounds[0]} to {bounds[1]}.")
        rows.append((question, value))
    return rows


def response_submit(*, campaign: Campaign, user, values: dict[int, int | str],
                    items: list[CampaignQuestion] | None = None) -> None:
    """Store one anonymous response and mark the person as having answered, atomically.

    The claim is a conditional UPDATE on the (campaign, user) row under its unique constraint:
    of two concurrent submits (two tabs), the second waits for the first and then matches no
    row, so it is refused and its transaction stores nothing. Raises SurveyError with a message.
    `items` saves a query when the caller has already read the campaign's questions.
    After commit it enqueues the results publication; the answer itself is never shown at once.
    """
    check_open(campaign, user)
    rows = _answer_rows(items if items is not None else selectors.campaign_items(campaign=campaign), values)
    team = selectors.user_team(user=user, campaign=campaign)
    # A team smaller than k can never be shown on its own; storing it would only help a database
    # reader narrow down who wrote what, so its answers are stored unlabelled (pooled).
    if team and campaign.participations.filter(team_ref=team).count() < selectors.min_group_size():
        team = ""
    try:
        with transaction.atomic():
            participation, _ = Participation.objects.get_or_create(
                campaign=campaign, user=user, defaults={"team_ref": team}
            )
            claimed = Participation.objects.filter(pk=participation.pk, answered=False).update(answered=True)
            if not claimed:
                raise AlreadyAnswered("You have already answered this survey; each person answers once.")
            response = Response.objects.create(campaign=campaign, team_ref=team, submitted_on=selectors.today())
            Answer.objects.bulk_create([
                Answer(response=response, campaign=campaign, question=question, team_ref=team,
                       value=None if isinstance(value, str) else value, text=value if isinstance(value, str) else "")
                for question, value in rows
            ])
    except IntegrityError:
        raise AlreadyAnswered("You have already answered this survey; each person answers once.") from None
    # The new response waits until its team has a whole batch (services.publish); a broker that is
    # down must not turn a stored answer into an error page (core.queue logs it), and beat catches up.
    task_enqueue_on_commit("surveys.tasks.results_publish", campaign.pk)


@transaction.atomic
def response_shuffle(*, campaign: Campaign, rng: random.Random | None = None) -> int:
    """Rewrite a campaign's responses in random order with new ids, in one transaction.

    Afterwards rows share one transaction id (PostgreSQL xmin) and their physical order (heap,
    SQLite rowid) is random, so nothing lines a response up with the moment it was submitted.
    Aggregates are unchanged. Returns the number of responses rewritten.
    """
    rng = rng or random.SystemRandom()
    # Publishing marks responses by id: it must not run between the delete and the re-insert.
    list(Campaign.objects.select_for_update().filter(pk=campaign.pk).values_list("pk", flat=True))
    responses = list(campaign.responses.values("id", "team_ref", "submitted_on", "published"))
    answers: dict = {}
    for row in Answer.objects.filter(campaign=campaign).values("response_id", "question_id", "value", "text"):
        answers.setdefault(row.pop("response_id"), []).append(row)
    rng.shuffle(responses)
    campaign.responses.all().delete()
    new_responses, new_answers = [], []
    for old in responses:
        response = Response(id=uuid.uuid4(), campaign=campaign, team_ref=old["team_ref"],
                            submitted_on=old["submitted_on"], published=old["published"])
        new_responses.append(response)
        rows = answers.get(old["id"], [])
        rng.shuffle(rows)
        new_answers.extend(Answer(response=response, campaign=campaign, team_ref=response.team_ref, **row)
                           for row in rows)
    Response.objects.bulk_create(new_responses, batch_size=1000)
    Answer.objects.bulk_create(new_answers, batch_size=2000)
    return len(new_responses)
