"""The stub server and openapi.yaml describe the same operations."""

from pathlib import Path

import yaml
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.main import app

SPEC = yaml.safe_load((Path(__file__).parent.parent / "openapi.yaml").read_text())
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def test_routes_match_the_spec():
    in_spec = {
        (path, method.upper(), op["operationId"])
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }
    served = {
        (route.path, method, route.operation_id)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert served == in_spec


def test_item_lifecycle():
    client = TestClient(app)
    created = client.post("/items", json={"name": "first"})
    assert created.status_code == 201
    item_id = created.json()["id"]
    assert client.get(f"/items/{item_id}").json() == {"id": item_id, "name": "first"}
    assert item_id in [item["id"] for item in client.get("/items").json()]
    assert client.delete(f"/items/{item_id}").status_code == 204
    assert client.get(f"/items/{item_id}").status_code == 404


def test_invalid_body_is_422():
    assert TestClient(app).post("/items", json={"name": ""}).status_code == 422
