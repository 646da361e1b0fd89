"""The surveys JSON API (`/api/surveys/`) for dashboards."""
