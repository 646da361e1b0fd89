"""Platform Health inputs that no other app holds: support ticket counts, headcount (for attrition)
and the uptime of Paved and the platform's other components, each rolled up per day or month so
the dashboard reads a few hundred rows, never a scan of raw samples."""

from django.db import models


class TicketCount(models.Model):
    """Requests that needed a ticket, per month, team and category (imported from a CSV export of the
    ticket system, or posted by its webhook). Re-importing a month replaces its rows."""

    month = models.DateField(help_text="First day of the month.")
    team_ref = models.CharField(max_length=320, blank=True, help_text="Group ref; blank when not known.")
    category = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=63, default="csv")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "team_ref", "category"], name="insights_ticketcount_unique"),
        ]
        indexes = [models.Index(fields=["team_ref", "month"], name="insights_ticket_team_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.team_ref or '-'} {self.category}: {self.count}"


class HeadcountMonth(models.Model):
    """People in a team at the end of a month and how many left during it (an HR export): the
    catalog keeps no history of departures, so attrition comes from here."""

    month = models.DateField(help_text="First day of the month.")
    team_ref = models.CharField(max_length=320, blank=True)
    headcount = models.PositiveIntegerField()
    leavers = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "team_ref"], name="insights_headcount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.team_ref or '-'}: {self.headcount} (-{self.leavers})"


class UptimeDay(models.Model):
    """Checks of one platform component on one day: how many passed and failed. Paved's own row
    ("paved") gets one passing check a minute from the insights beat task; a minute without one
    counts as down (the worker, the broker or the database was not there to record it)."""

    PAVED = "paved"

    component = models.CharField(max_length=100)
    day = models.DateField()
    ok = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(help_text="First check recorded that day.")
    last_at = models.DateTimeField()
    last_ok = models.BooleanField(default=True)
    last_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["component", "day"], name="insights_uptimeday_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="insights_uptime_day")]

    def __str__(self) -> str:
        return f"{self.component} {self.day}: {self.ok} ok, {self.failed} failed"
