"""insights services: one module per topic; import from the module (e.g. `from insights.services.<topic> import ...`)."""
