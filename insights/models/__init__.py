"""Models of the insights app (one module per topic; this package re-exports them)."""

from insights.models.cost import CostImport, CostLine, CostReport  # noqa: F401  (cost attribution)
from insights.models.delivery import (  # noqa: F401  (delivery events and DORA)
    Change,
    Delivery,
    DeliveryDay,
    Deployment,
    DeploymentCommit,
    Incident,
    WebhookSource,
)
