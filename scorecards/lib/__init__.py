"""scorecards lib: one module per topic; import from the module (e.g. `from scorecards.lib.<topic> import ...`)."""
