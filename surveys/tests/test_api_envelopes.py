"""Every surveys API answer that is not a success is Backstage's error envelope (core.api.api_view):
wrong methods (405 with Allow), malformed ids and unknown paths (404), refusals and CSRF (403)."""

import pytest
from django.test import Client

from surveys.tests.conftest import open_campaign

pytestmark = pytest.mark.django_db


def envelope(response, status: int, name: str) -> dict:
    assert response.status_code == status and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["name"] == name and body["response"] == {"statusCode": status}
    return body


@pytest.fixture
def campaign(org):
    return open_campaign()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/surveys/", "/api/surveys/{id}/results"])
def test_a_wrong_method_is_a_405_envelope_with_allow(reader, campaign, method, path):
    url = path.format(id=campaign.pk)
    response = getattr(reader, method)(url)
    body = envelope(response, 405, "NotAllowedError")
    assert response["Allow"] == "GET"
    assert body["request"] == {"method": method.upper(), "url": url}


def test_malformed_ids_and_unknown_paths_are_404_envelopes(reader, campaign):
    envelope(reader.get("/api/surveys/abc/results"), 404, "NotFoundError")
    envelope(reader.get("/api/surveys/nothing/here"), 404, "NotFoundError")
    body = envelope(reader.get("/api/surveys/999999/results"), 404, "NotFoundError")
    assert body["error"]["message"] == "No survey with id 999999."


def test_a_refusal_says_who_may_read_results(teammate, campaign):
    client = Client()
    client.force_login(teammate)
    body = envelope(client.get(f"/api/surveys/{campaign.pk}/results"), 403, "NotAllowedError")
    assert "Survey results reader" in body["error"]["message"]


def test_a_session_post_without_a_csrf_token_is_a_403_envelope(owner, campaign):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    body = envelope(client.post("/api/surveys/nothing/here"), 403, "NotAllowedError")
    assert "CSRF" in body["error"]["message"]
