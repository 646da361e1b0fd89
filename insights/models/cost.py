"""Cost attribution: imports of billing exports and the monthly cost lines they aggregate into.

A cost line is one (month, source, team, service, environment, cost center, tier) sum in the base
currency (PAVED_COST_CURRENCY). Lines with no team are the unallocated spend: kept, never dropped.
An import replaces every line of its source for the months its file covers, in one transaction.
"""

from django.conf import settings
from django.db import models


class CostImport(models.Model):
    """One uploaded or fetched export, and how far its import got (the progress page polls it)."""

    class Format(models.TextChoices):
        OPENCOST = "opencost", "OpenCost allocation JSON"
        FOCUS = "focus", "FOCUS 1.x CSV"
        CUR = "cur", "AWS CUR CSV"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=16, choices=Format.choices)
    source = models.CharField(max_length=100, help_text="What the lines replace: re-importing a month of this "
                                                         "source replaces that month's lines from it.")
    file_name = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=1024, blank=True, help_text="The stored upload under PAVED_VAR_DIR.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    total_bytes = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    lines_written = models.IntegerField(default=0)
    months = models.JSONField(default=list, blank=True, help_text="YYYY-MM of the months it replaced.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="insights_costimp_status")]

    def __str__(self) -> str:
        return f"{self.format} import {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_bytes:
            return 0
        return min(99, int(self.bytes_read * 100 / self.total_bytes))


class CostLine(models.Model):
    """Spend of one month for one combination of the seed's labels, in the base currency."""

    class Attribution(models.TextChoices):
        LABEL = "label", "By label"
        CATALOG = "catalog", "Through the catalog (service owner)"
        NONE = "none", "Unallocated"

    month = models.DateField(help_text="First day of the month.")
    source = models.CharField(max_length=100)
    team = models.CharField(max_length=320, blank=True, help_text="Group ref; empty = unallocated.")
    service = models.CharField(max_length=255, blank=True)
    environment = models.CharField(max_length=100, blank=True)
    cost_center = models.CharField(max_length=100, blank=True)
    tier = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=20, decimal_places=6)
    attribution = models.CharField(max_length=16, choices=Attribution.choices, default=Attribution.LABEL)
    cost_import = models.ForeignKey(CostImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="lines")

    class Meta:
        indexes = [
            models.Index(fields=["month", "team"], name="insights_costline_month_team"),
            models.Index(fields=["source", "month"], name="insights_costline_src_month"),
            models.Index(fields=["team", "month"], name="insights_costline_team_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.team or 'unallocated'} {self.service} {self.amount} {self.currency}"


class CostReport(models.Model):
    """A team's monthly report, claimed before it is sent: one per team per month."""

    team = models.CharField(max_length=320)
    month = models.DateField()
    recipients = models.IntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "month"], name="insights_costreport_once")]

    def __str__(self) -> str:
        return f"cost report {self.team} {self.month:%Y-%m}"
