"""insights selectors: one module per topic.

Import from the module, e.g. `from insights.selectors.<topic> import ...`.
"""
