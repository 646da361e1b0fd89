"""Models of the app (one module per topic; this package re-exports them)."""

from insights.models.cost import CostImport, CostLine, CostReport  # noqa: F401  (cost attribution)
from insights.models.delivery import (  # noqa: F401
    Change,
    Delivery,
    DeliveryDay,
    DeliveryMonth,
    Deployment,
    DeploymentCommit,
    Incident,
    WebhookSource,
)
from insights.models.health import HeadcountMonth, TicketCount, UptimeDay  # noqa: F401, E402
