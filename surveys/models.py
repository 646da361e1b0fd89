"""Quarterly developer surveys.

Anonymity is a property of the schema, not of the pages:

* `Response` and `Answer` hold no user reference and no time finer than a day. Their primary
  keys are random UUIDs, so no id sequence lines up with `Participation`.
* `Participation` (who has answered, for response rates and reminders) holds no reference to a
  response either, and its dates are days too.
* What is left is the physical order a database reader could see (heap position and xmin on
  PostgreSQL, rowid on SQLite): `response_shuffle()` rewrites a campaign's responses in random
  order inside one transaction, with new ids, which erases both; beat runs it every night and the
  closing of a campaign. Between a submission and the next shuffle, a reader with raw access
  to the database files could still line rows up by physical order; that window is documented
  in surveys/README.md.

Results are published, never read live: `services.results_publish()` (a task, after each submit
and on a beat schedule) marks whole batches of k waiting responses per team as `published` and
stores their counts in `CampaignTally`. Every page, CSV and API response reads only those, so
two views of an open campaign differ by at least k answers of a team, or not at all.
"""

import hashlib
import re
import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

QUARTER_RE = re.compile(r"^\d{4}-Q[1-4]$")


def wording_hash(*, kind: str, text: str, choices: list[str] | None = None) -> str:
    """The identity of a question's wording: the same words (spacing aside) give the same hash."""
    words = " ".join(text.split())
    payload = "\x1f".join([kind, words, *[" ".join(c.split()) for c in choices or []]])
    return hashlib.sha256(payload.encode()).hexdigest()


class Question(models.Model):
    """One wording of one question. Campaigns share these rows, which is what lines trends up."""

    class Kind(models.TextChoices):
        LIKERT = "likert", "Likert 1-5"
        NPS = "nps", "NPS 0-10"
        CHOICE = "choice", "Single choice"
        TEXT = "text", "Free text"

    key = models.SlugField(max_length=80, unique=True, help_text="Stable identity used in YAML and exports.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.TextField()
    choices = models.JSONField(default=list, blank=True, help_text="Options of a single-choice question.")
    wording_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs):
        # The hash is the wording's identity; a changed wording is a different Question row.
        self.wording_hash = wording_hash(kind=self.kind, text=self.text, choices=self.choices)
        super().save(*args, **kwargs)

    @property
    def value_range(self) -> tuple[int, int] | None:
        if self.kind == self.Kind.LIKERT:
            return (1, 5)
        if self.kind == self.Kind.NPS:
            return (0, 10)
        if self.kind == self.Kind.CHOICE:
            return (0, len(self.choices) - 1)
        return None

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and len(self.choices) < 2:
            raise ValidationError({"choices": "A single-choice question needs at least two options."})
        if self.kind != self.Kind.CHOICE and self.choices:
            raise ValidationError({"choices": "Only single-choice questions have options."})


class Campaign(models.Model):
    """One quarter's survey: dates, audience and an ordered list of questions."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    quarter = models.CharField(max_length=7, unique=True, help_text="e.g. 2026-Q4")
    opens_on = models.DateField()
    closes_on = models.DateField(help_text="Last day answers are accepted.")
    # When its audience was told it opened (the bell): set once, by the hourly reminders task.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    audience_groups = models.JSONField(
        default=list, blank=True,
        help_text="Group refs (group:default/team-a); their sub-groups are included. Empty: everyone.",
    )
    questions = models.ManyToManyField(Question, through="CampaignQuestion", related_name="campaigns")

    class Meta:
        ordering = ["-opens_on"]
        permissions = [("view_results", "Can view survey results")]

    def __str__(self) -> str:
        return f"{self.title} ({self.quarter})"

    def clean(self) -> None:
        if not QUARTER_RE.match(self.quarter or ""):
            raise ValidationError({"quarter": "Use the form YYYY-Qn, for example 2026-Q4."})
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "The closing date must not be before the opening date."})

    def status_on(self, day: date) -> str:
        if day < self.opens_on:
            return self.Status.SCHEDULED
        if day > self.closes_on:
            return self.Status.CLOSED
        return self.Status.OPEN

    @property
    def audience_is_everyone(self) -> bool:
        return not self.audience_groups


class CampaignQuestion(models.Model):
    """A question's place in a campaign: its section and order."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="items")
    section = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField()
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "question"], name="%(app_label)s_%(class)s_unique_question"),
            models.UniqueConstraint(fields=["campaign", "order"], name="%(app_label)s_%(class)s_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.quarter} #{self.order}: {self.question.key}"


class Response(models.Model):
    """One anonymous set of answers. No user, no time of day, random id (see the module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    team_ref = models.CharField(max_length=320, blank=True, help_text="The respondent's team when they answered.")
    submitted_on = models.DateField()
    # In the results' snapshot (see results_publish): set once, for whole batches, never cleared.
    published = models.BooleanField(default=False, editable=False)

    class Meta:
        # Publishing: the waiting responses of a campaign per team, and those of a team by (random) id.
        indexes = [models.Index(fields=["campaign", "published", "team_ref"], name="surveys_response_publish")]

    def __str__(self) -> str:
        return f"Response to {self.campaign_id}"


class Answer(models.Model):
    """One answer of a response. `campaign` and `team_ref` repeat the response's, so the results
    histogram is one index-only scan of this table (GROUP BY question, team, value)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    team_ref = models.CharField(max_length=320, blank=True)
    value = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        indexes = [
            # Results and trends: histogram per (campaign, question[, team], value).
            models.Index(fields=["campaign", "question", "team_ref", "value"], name="surveys_answer_histogram"),
            # Free text on the results page: a range of the (random) ids from a random start.
            models.Index(fields=["campaign", "question", "id"], name="surveys_answer_sample"),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class CampaignTally(models.Model):
    """How many published answers of a campaign had each value, per question and team; with no
    value, how many free-text answers a question got; with no question, how many responses a team gave.

    Rewritten only by `results_publish` in the transaction that publishes a batch, so every
    figure anyone can see comes from one snapshot; pages read these rows and write nothing."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tallies")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", null=True)
    team_ref = models.CharField(max_length=320, blank=True)
    value = models.SmallIntegerField(null=True)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "question", "team_ref", "value"],
                                    name="%(app_label)s_%(class)s_unique_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.question_id}/{self.team_ref}={self.value}: {self.n}"


class Participation(models.Model):
    """Who is in a campaign's audience and whether they have answered; never which answer."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The person's team, for response rates per team (membership is public catalog data).
    team_ref = models.CharField(max_length=320, blank=True)
    # No date of answering: with the response's day and team it would join the two tables.
    answered = models.BooleanField(default=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="%(app_label)s_%(class)s_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.campaign_id}"
