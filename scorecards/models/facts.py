"""Facts: what is known about an entity, from the portal itself or posted by CI."""

from django.conf import settings
from django.db import models


class Fact(models.Model):
    """The current value of one fact about one entity (e.g. `coverage.line_percent` = 84.2).
    Every change is also appended to FactRecord, so the history and the source stay known."""

    entity_ref = models.CharField(max_length=320, help_text="kind:namespace/name, lower case.")
    key = models.CharField(max_length=200, help_text="Dotted fact name, e.g. vulnerabilities.critical.")
    value = models.JSONField(null=True)
    source = models.CharField(max_length=100, help_text="Where it came from: cobertura, sarif, json, portal, ...")
    observed_at = models.DateTimeField(help_text="When the source measured it (the report's time).")
    recorded_at = models.DateTimeField(help_text="When Paved stored it.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity_ref", "key"], name="scorecards_fact_entity_key")]

    def __str__(self) -> str:
        return f"{self.entity_ref} {self.key}={self.value!r}"


class FactRecord(models.Model):
    """Append-only history of posted facts (one row per change)."""

    entity_ref = models.CharField(max_length=320)
    key = models.CharField(max_length=200)
    value = models.JSONField(null=True)
    source = models.CharField(max_length=100)
    observed_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    report = models.ForeignKey("scorecards.Report", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="records")

    class Meta:
        indexes = [models.Index(fields=["entity_ref", "key", "-recorded_at"], name="scorecards_factrec_hist")]

    def __str__(self) -> str:
        return f"{self.entity_ref} {self.key}={self.value!r} @{self.recorded_at}"


class Report(models.Model):
    """One uploaded report (a Cobertura file, a SARIF scan, ...): provenance for the facts it gave."""

    entity_ref = models.CharField(max_length=320)
    format = models.CharField(max_length=32)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    fact_count = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        indexes = [models.Index(fields=["entity_ref", "-received_at"], name="scorecards_report_entity")]

    def __str__(self) -> str:
        return f"{self.format} report for {self.entity_ref}"
