"""Models of the app (one module per topic; this package re-exports them)."""

from maturity.models.assessment import Answer, Roadmap, Snapshot, ThresholdTable

__all__ = ["Answer", "Roadmap", "Snapshot", "ThresholdTable"]
