"""insights selectors: one module per topic; import from the module (e.g. `from insights.selectors.<topic> import ...`)."""
