"""insights lib: one module per topic.

Import from the module, e.g. `from insights.lib.<topic> import ...`.
"""
