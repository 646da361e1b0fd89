"""scorecards services: one module per topic; import from the module (e.g. `from scorecards.services.<topic> import ...`)."""
