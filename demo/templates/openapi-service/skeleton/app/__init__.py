"""The ${{ values.name }} API stub server (see openapi.yaml)."""
