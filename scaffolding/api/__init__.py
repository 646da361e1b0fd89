"""The scaffolder's Backstage-compatible REST API, mounted at /api/scaffolder/v2/."""
