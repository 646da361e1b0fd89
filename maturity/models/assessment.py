"""What people store about the assessment: threshold tables, questionnaire answers, the roadmap with
its success metrics, and quarterly snapshots. Scores themselves are computed, never stored, except
inside a snapshot (which is history)."""

from django.conf import settings
from django.db import models


class ThresholdTable(models.Model):
    """A platform admin's table for one dimension; it overrides the seed's default."""

    dimension = models.CharField(max_length=40, unique=True)
    values = models.JSONField(help_text="[Level 1, Level 2, Level 3] boundaries in the dimension's unit.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.dimension}: {self.values}"


class Answer(models.Model):
    """A questionnaire answer for a dimension Paved has no data for; the latest one counts."""

    dimension = models.CharField(max_length=40)
    value = models.FloatField()
    note = models.TextField(blank=True)
    links = models.JSONField(default=list, blank=True, help_text="Evidence links (http(s) or site paths).")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_by_name = models.CharField(max_length=150, blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["dimension", "-answered_at"], name="maturity_answer_latest")]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}"


class Roadmap(models.Model):
    """The organisation's six-month roadmap (one row) with its three success metrics.

    `version` rises with every save: an edit made on an older version is refused (optimistic
    concurrency), so two admins never silently overwrite each other."""

    key = models.CharField(max_length=20, unique=True, default="org")
    items = models.JSONField(default=list, blank=True,
                             help_text="[{phase, title, link, dimension}] phase: m1-2, m3-4 or m5-6.")
    metrics = models.JSONField(default=list, blank=True, help_text="[{kind, source, baseline, target}]")
    version = models.PositiveIntegerField(default=0)
    drafted = models.BooleanField(default=True, help_text="Still the draft Paved wrote (nobody edited it).")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"roadmap v{self.version}"


class Snapshot(models.Model):
    """The assessment as it stood in a quarter: scores, evidence and roadmap (a later snapshot of the
    same quarter replaces it)."""

    quarter = models.CharField(max_length=7, unique=True, help_text="e.g. 2026-Q4")
    taken_at = models.DateTimeField()
    taken_by_name = models.CharField(max_length=150, blank=True, help_text="Empty: the quarterly task.")
    overall_level = models.SmallIntegerField(null=True, blank=True)
    data = models.JSONField(help_text="The assessment as /api/maturity/assessment answers it, and the roadmap.")

    class Meta:
        ordering = ["quarter"]

    def __str__(self) -> str:
        return f"{self.quarter}: level {self.overall_level}"
