"""maturity services: one module per topic; import from the module (e.g. `from maturity.services.<topic> import ...`)."""
