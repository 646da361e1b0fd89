"""Pages of the insights app, one module per topic (cost; health: the Platform Health dashboard,
team pages, figures)."""
