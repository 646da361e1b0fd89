"""Backstage's TechDocs backend API (`/api/techdocs/`), answered so Backstage's TechDocs reader works unchanged."""
