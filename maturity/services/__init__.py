"""maturity services: one module per topic.

Import from the module, e.g. `from maturity.services.<topic> import ...`.
"""
