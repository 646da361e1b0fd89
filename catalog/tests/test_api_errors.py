import json

import pytest
from django.test import Client

from catalog.tests.test_api_support import post_json

pytest_plugins = ["catalog.tests.test_api_support"]  # the api and catalog fixtures

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/catalog/entities"),
    ("get", "/api/catalog/entities/by-query"),
    ("get", "/api/catalog/entities/by-name/component/default/x"),
    ("post", "/api/catalog/entities/by-refs"),
    ("get", "/api/catalog/entity-facets?facet=kind"),
    ("post", "/api/catalog/refresh"),
    ("get", "/api/catalog/locations"),
    ("post", "/api/catalog/locations"),
    ("get", "/api/catalog/openapi.json"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_authentication(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 401
    assert response.json()["error"]["name"] == "AuthenticationError"


def test_a_signed_in_session_works_too(client_owner, catalog):
    assert client_owner.get("/api/catalog/entities/by-name/system/default/shop").status_code == 200


def test_session_posts_need_the_csrf_token(owner, catalog):
    # A session cookie rides along with another site's requests: the token proves the page is ours.
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    refused = post_json(client, "/api/catalog/entities/by-refs", {"entityRefs": ["system:default/shop"]})
    assert refused.status_code == 403
    assert refused.json()["error"]["name"] == "NotAllowedError"
    client.get("/catalog/")  # a page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/api/catalog/entities/by-refs", json.dumps({"entityRefs": ["system:default/shop"]}),
                           content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/api/catalog/entities/by-refs", "/api/catalog/refresh", "/api/catalog/locations",
                                 "/api/catalog/validate-entity", "/api/catalog/analyze-location"])
@pytest.mark.parametrize("body", ["{not json", "[1, 2]", "null", "\"text\"", b"\xff\xfe"])
def test_malformed_json_bodies_are_input_errors(api, db, url, body):
    response = post_json(api, url, body)
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
    assert response.json()["response"] == {"statusCode": 400}


@pytest.mark.parametrize("body", [{}, {"entityRefs": "component:default/x"}, {"entityRefs": [1]},
                                  {"entityRefs": [], "fields": "metadata.name"},
                                  {"entityRefs": ["a:b/c"] * 10_001}])
def test_by_refs_rejects_wrong_types(api, db, body):
    response = post_json(api, "/api/catalog/entities/by-refs", body)
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["order=sideways:metadata.name", "order=metadata.name", "limit=x",
                                   "offset=-1", "after=%%%", "after=eyJvZmZzZXQiOiAtMX0=", "filter=a=b,,=c"])
def test_bad_entities_parameters_are_input_errors(api, db, query):
    response = api.get(f"/api/catalog/entities?{query}")
    assert response.status_code == 400, query
    assert response.json()["error"]["name"] == "InputError"


def test_invalid_uid_is_an_input_error_and_unknown_uid_a_404(api, db):
    assert api.get("/api/catalog/entities/by-uid/not-a-uid").status_code == 400
    response = api.get("/api/catalog/entities/by-uid/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["request"] == {"method": "GET",
                                          "url": "/api/catalog/entities/by-uid/00000000-0000-0000-0000-000000000000"}


def test_wrong_methods_are_not_allowed_errors(api, db):
    response = api.delete("/api/catalog/entities")
    assert response.status_code == 405
    assert response.json()["error"]["name"] == "NotAllowedError"
    assert response["Allow"] == "GET"
    assert api.get("/api/catalog/refresh").status_code == 405


def test_unknown_api_paths_are_404_envelopes_not_html(api, db):
    response = api.get("/api/catalog/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "NotFoundError"


def test_openapi_document_describes_every_endpoint(api, db):
    response = api.get("/api/catalog/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An API token from your Paved profile page."}
    assert set(doc["paths"]) >= {
        "/entities", "/entities/by-query", "/entities/by-uid/{uid}", "/entities/by-name/{kind}/{namespace}/{name}",
        "/entities/by-name/{kind}/{namespace}/{name}/ancestry", "/entities/by-refs", "/entity-facets", "/refresh",
        "/validate-entity", "/locations", "/locations/{id}", "/locations/by-entity/{kind}/{namespace}/{name}",
        "/analyze-location",
    }
    refs = []

    def collect(node):
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(doc)
    for ref in refs:  # every $ref resolves
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
