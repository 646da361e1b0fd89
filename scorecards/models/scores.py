"""Computed scores: the current score per (scorecard, entity), each check's outcome, weekly history."""

from django.db import models


class Score(models.Model):
    """An entity's current result on a scorecard. `results` lists every check in order:
    {"key", "title", "category", "state" (pass|fail|exempt|error|unknown), "required", "value" (the fact
    read), "fact" (its key), "source", "observed_at", "message", "fix" ({"text", "url"})}.
    `missing` is the seed's "Missing:" items, in its words (e.g. ["runbook", "cost labels"])."""

    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.CASCADE, related_name="scores")
    entity_ref = models.CharField(max_length=320)
    entity_name = models.CharField(max_length=255, help_text="metadata.title or name, for lists and sorting.")
    owner_ref = models.CharField(max_length=320, blank=True)
    points = models.FloatField(help_text="0-100, by the category weights.")
    grade = models.CharField(max_length=2)
    level = models.CharField(max_length=50, blank=True, help_text="Highest ladder level reached; blank: none.")
    capped = models.BooleanField(default=False, help_text="A required check failed and capped the grade.")
    results = models.JSONField(default=list)
    missing = models.JSONField(default=list)
    computed_at = models.DateTimeField()
    inputs_hash = models.CharField(max_length=64, blank=True,
                                   help_text="Hash of the facts read: an unchanged input writes nothing.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scorecard", "entity_ref"], name="scorecards_score_unique")]
        indexes = [
            models.Index(fields=["scorecard", "points"], name="scorecards_score_points"),
            models.Index(fields=["scorecard", "grade"], name="scorecards_score_grade"),
            models.Index(fields=["scorecard", "owner_ref"], name="scorecards_score_owner"),
            models.Index(fields=["scorecard", "entity_name"], name="scorecards_score_name"),
            models.Index(fields=["entity_ref"], name="scorecards_score_entity"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_ref}: {self.grade} ({round(self.points)}/100)"


class CheckOutcome(models.Model):
    """One check's state for one score, as rows so lists filter by failing check with an index."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="outcomes")
    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.CASCADE, related_name="+")
    check_key = models.CharField(max_length=100)
    state = models.CharField(max_length=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["score", "check_key"], name="scorecards_outcome_unique")]
        indexes = [models.Index(fields=["scorecard", "check_key", "state"], name="scorecards_outcome_state")]

    def __str__(self) -> str:
        return f"{self.check_key}: {self.state}"


class ScoreWeek(models.Model):
    """The score an entity had in an ISO week (the last computed in that week): trend lines."""

    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.CASCADE, related_name="weeks")
    entity_ref = models.CharField(max_length=320)
    owner_ref = models.CharField(max_length=320, blank=True)
    week = models.DateField(help_text="Monday of the ISO week.")
    points = models.FloatField()
    grade = models.CharField(max_length=2)
    level = models.CharField(max_length=50, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scorecard", "entity_ref", "week"],
                                               name="scorecards_week_unique")]
        indexes = [models.Index(fields=["scorecard", "owner_ref", "week"], name="scorecards_week_owner")]

    def __str__(self) -> str:
        return f"{self.entity_ref} {self.week}: {self.grade}"
