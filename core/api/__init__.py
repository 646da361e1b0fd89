"""The API layer every app's `api/views.py` stands on: Backstage's error envelope and names
(`errors`), query-string parsing (`params`), server-sent event frames (`sse`) and the OpenAPI
building blocks (`core.openapi`)."""
