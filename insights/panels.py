"""What the insights app adds to pages it does not own (entity-page panels, home panels)."""

from django.urls import reverse

from catalog.panels import panel_register


def _is_component(entity) -> bool:
    return str(getattr(entity, "kind", "")).lower() == "component"


def _delivery_link(entity) -> str:
    return reverse("insights:component_delivery", kwargs={"namespace": entity.namespace.lower(),
                                                          "kind": "component", "name": entity.name.lower()})


def register() -> None:
    """Register this app's panels (called once from apps.py)."""
    # --- insights: delivery (inevents) --- the Delivery tab beside the entity page's tabs (no query).
    panel_register(key="insights.delivery", title="Delivery", applies=_is_component, link=_delivery_link, order=120)
