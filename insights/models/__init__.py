"""Models of the app (one module per topic; this package re-exports them)."""
from insights.models.cost import CostImport, CostLine, CostReport  # noqa: F401  (cost attribution)
