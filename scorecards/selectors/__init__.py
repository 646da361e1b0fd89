"""scorecards selectors: one module per topic.

Import from the module, e.g. `from scorecards.selectors.<topic> import ...`.
"""
