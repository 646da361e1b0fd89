"""maturity selectors: one module per topic.

Import from the module, e.g. `from maturity.selectors.<topic> import ...`.
"""
