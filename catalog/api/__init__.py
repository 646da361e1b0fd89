"""Backstage's catalog REST API (`/api/catalog/`), answered so `@backstage/catalog-client` works unchanged."""
