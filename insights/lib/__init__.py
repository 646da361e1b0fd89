"""insights lib: one module per topic; import from the module (e.g. `from insights.lib.<topic> import ...`)."""
