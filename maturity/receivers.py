"""Signal receivers of the maturity app (connected in apps.py with a dispatch_uid)."""


def connect() -> None:
    """Connect this app's receivers to the lower apps' signals."""
