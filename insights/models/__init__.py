"""Models of the app (one module per topic; this package re-exports them)."""

from insights.models.health import HeadcountMonth, TicketCount, UptimeDay  # noqa: F401, E402
