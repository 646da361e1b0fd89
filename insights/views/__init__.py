"""Insights pages: one module per topic (health: the Platform Health dashboard, team pages, figures)."""
