"""maturity selectors: one module per topic; import from the module (e.g. `from maturity.selectors.<topic> import ...`)."""
