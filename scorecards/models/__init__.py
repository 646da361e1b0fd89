"""Models of the scorecards app (one module per topic; this package re-exports them)."""

from scorecards.models.definitions import Scorecard
from scorecards.models.exemptions import Campaign, CampaignReminder, Exemption
from scorecards.models.facts import Fact, FactRecord, Report
from scorecards.models.scores import CheckOutcome, Score, ScoreWeek

__all__ = ["Campaign", "CampaignReminder", "CheckOutcome", "Exemption", "Fact", "FactRecord", "Report", "Score",
           "ScoreWeek", "Scorecard"]
