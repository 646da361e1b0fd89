"""maturity lib: one module per topic.

Import from the module, e.g. `from maturity.lib.<topic> import ...`.
"""
