"""scorecards lib: one module per topic.

Import from the module, e.g. `from scorecards.lib.<topic> import ...`.
"""
