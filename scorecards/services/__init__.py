"""scorecards services: one module per topic.

Import from the module, e.g. `from scorecards.services.<topic> import ...`.
"""
