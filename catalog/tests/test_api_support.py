"""Shared fixtures for the catalog API tests: a small catalog ingested from real YAML.

Imported by the test_api_* modules (no tests here). Entities are stored through the same
services as production: register a `file` Location, then `location_refresh`.
"""

import json
from pathlib import Path

import pytest
from django.test import Client

from catalog.models import Location
from catalog.tests.factories import location_load
from core.testing import CORPUS_DIR

CORPUS = CORPUS_DIR / "entities"

ROOT_YAML = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: Team-B
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Payments
  title: Payments service
  description: Takes the money
  tags: [python, web]
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: team-a
  system: shop
  providesApis: [payments-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  description: The basket and the till
  tags: [java]
spec:
  type: website
  lifecycle: production
  owner: group:default/team-b
  system: shop
  consumesApis: [payments-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  tags: [python]
spec:
  type: Service
  lifecycle: experimental
  owner: team-b
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: "openapi: 3.0.0"
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: more
spec:
  targets: [./more/resources.yaml]
"""

MORE_YAML = """\
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: payments-db
spec:
  type: database
  owner: team-a
  system: shop
"""


def ingest(path: Path) -> Location:
    return location_load(path)


def write_catalog(root: Path) -> Path:
    (root / "more").mkdir(parents=True, exist_ok=True)
    (root / "more" / "resources.yaml").write_text(MORE_YAML)
    path = root / "catalog-info.yaml"
    path.write_text(ROOT_YAML)
    return path


@pytest.fixture
def catalog(db, tmp_path) -> Location:
    """10 entities: 2 groups, 3 components, an API, a system, a resource and 2 Location entities
    (the generated root one and `more`, which emits more/resources.yaml)."""
    return ingest(write_catalog(tmp_path))


@pytest.fixture
def api(api_token) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token}"})


@pytest.fixture
def admin_api(admin_user) -> Client:
    """A bearer client of a platform admin (a superuser): changes anything, as the admin role does."""
    from portal.tokens import api_token_create

    return Client(headers={"Authorization": f"Bearer {api_token_create(user=admin_user, name='admin')}"})


def post_json(client: Client, url: str, data) -> object:
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(url, body, content_type="application/json")


def names(items: list[dict]) -> list[str]:
    return [item["metadata"]["name"] for item in items]


def streamed_json(response):
    if response.streaming:
        return json.loads(b"".join(response.streaming_content))
    return response.json()
