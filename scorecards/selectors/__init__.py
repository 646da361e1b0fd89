"""scorecards selectors: one module per topic; import from the module (e.g. `from scorecards.selectors.<topic> import ...`)."""
