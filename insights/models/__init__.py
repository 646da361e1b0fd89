"""Models of the app (one module per topic; this package re-exports them)."""
