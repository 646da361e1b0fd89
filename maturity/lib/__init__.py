"""maturity lib: one module per topic; import from the module (e.g. `from maturity.lib.<topic> import ...`)."""
