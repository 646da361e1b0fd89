"""Backstage-compatible TechDocs endpoints."""

import json

import pytest

from techdocs import services, tasks
from techdocs.models import DocsSite

pytestmark = pytest.mark.django_db
BASE = "/api/techdocs"


@pytest.fixture
def built(documented):
    documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    return DocsSite.objects.get()


def events(response) -> list[tuple[str, object]]:
    text = b"".join(response.streaming_content).decode()
    out = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":") and ": " in line)
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_static_serves_built_files_and_sandboxes_raw_html(client_owner, built):
    response = client_owner.get(f"{BASE}/static/docs/default/component/ledger/img/flow.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    page = client_owner.get(f"{BASE}/static/docs/default/component/ledger/runbook/index.html")
    assert page.status_code == 200 and "sandbox" in page["Content-Security-Policy"]
    assert client_owner.get(f"{BASE}/static/docs/default/component/ledger/../../../../etc/passwd").status_code == 404
    missing = client_owner.get(f"{BASE}/static/docs/default/component/ledger/nope.png")
    assert missing.status_code == 404 and missing.json()["error"]["name"] == "NotFoundError"


def test_metadata_endpoints(client_owner, built):
    meta = client_owner.get(f"{BASE}/metadata/techdocs/default/component/ledger").json()
    assert meta["site_name"] == "Ledger Service" and meta["site_description"] == "Books every payment."
    assert {"build_timestamp", "files", "etag"} <= set(meta) and meta["etag"] == built.built_hash
    entity = client_owner.get(f"{BASE}/metadata/entity/default/component/ledger").json()
    assert entity["metadata"]["name"] == "ledger" and entity["kind"] == "Component"
    assert client_owner.get(f"{BASE}/metadata/techdocs/default/component/nobody").status_code == 404


def test_sync_reports_not_updated_when_the_site_is_current(client_owner, built):
    assert events(client_owner.get(f"{BASE}/sync/default/component/ledger")) == [("finish", {"updated": False})]


def test_sync_builds_streams_the_log_and_finishes_updated(client_owner, documented, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    documented("ledger")
    monkeypatch.setattr(tasks.docs_build_execute, "delay", lambda build_id: services.docs_build_here(build_id=build_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_owner.get(f"{BASE}/sync/default/component/ledger")
    assert response["Content-Type"] == "text/event-stream"
    got = events(response)
    assert got[-1] == ("finish", {"updated": True})
    assert any(name == "log" and "Built 2 pages" in data for name, data in got)


def test_api_needs_a_token_or_session(client, built):
    response = client.get(f"{BASE}/metadata/techdocs/default/component/ledger")
    assert response.status_code == 401
