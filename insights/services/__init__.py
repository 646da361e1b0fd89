"""insights services: one module per topic.

Import from the module, e.g. `from insights.services.<topic> import ...`.
"""
