"""What the scorecards app adds to pages it does not own (entity-page panels, home panels)."""


def register() -> None:
    """Register this app's panels (called once from apps.py)."""
