"""Every TechDocs API answer that is not a success is Backstage's error envelope (core.api.api_view):
wrong methods (405 with Allow), bad input (400), unknown paths (404), CSRF refusals (403)."""

import pytest
from django.test import Client

from techdocs.models import DocsBuild

pytestmark = pytest.mark.django_db
BASE = "/api/techdocs"
ENDPOINTS = [
    f"{BASE}/static/docs/default/component/ledger/index.html",
    f"{BASE}/metadata/techdocs/default/component/ledger",
    f"{BASE}/metadata/entity/default/component/ledger",
    f"{BASE}/sync/default/component/ledger",
]


def envelope(response, status: int, name: str) -> dict:
    assert response.status_code == status and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["name"] == name and body["response"] == {"statusCode": status}
    return body


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_wrong_method_is_a_405_envelope_with_allow(client_owner, documented, url, method):
    documented("ledger")
    response = getattr(client_owner, method)(url)
    body = envelope(response, 405, "NotAllowedError")
    assert response["Allow"] == "GET"
    assert body["request"] == {"method": method.upper(), "url": url}
    assert not DocsBuild.objects.exists()


def test_an_unusable_reference_is_a_400_envelope(client_owner, documented):
    documented("ghost", ref="dir:./nowhere")
    body = envelope(client_owner.get(f"{BASE}/sync/default/component/ghost"), 400, "InputError")
    assert "dir:./nowhere" in body["error"]["message"]


def test_unknown_paths_and_entities_are_404_envelopes(client_owner, documented):
    documented("ledger")
    envelope(client_owner.get(f"{BASE}/nothing/here"), 404, "NotFoundError")
    envelope(client_owner.get(f"{BASE}/metadata/entity/default/component/nobody"), 404, "NotFoundError")
    envelope(client_owner.get(f"{BASE}/metadata/techdocs/default/component/ledger"), 404, "NotFoundError")


def test_a_session_post_without_a_csrf_token_is_a_403_envelope(owner, documented):
    documented("ledger")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    body = envelope(client.post(f"{BASE}/nothing/here"), 403, "NotAllowedError")
    assert "CSRF" in body["error"]["message"]
    # A wrong method is refused first, with the method's envelope, and builds nothing.
    envelope(client.post(f"{BASE}/sync/default/component/ledger"), 405, "NotAllowedError")
    assert not DocsBuild.objects.exists()
