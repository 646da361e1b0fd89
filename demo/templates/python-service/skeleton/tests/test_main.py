from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from app.main import app


def test_probes_answer_once_started():
    with TestClient(app) as client:
        assert client.get("/healthz").text == "ok"
        assert client.get("/readyz").status_code == 200


def test_not_ready_before_startup():
    # Without the lifespan (no `with`), the app has not started.
    client = TestClient(app)
    assert client.get("/readyz").status_code == 503


def count(route: str) -> float:
    return REGISTRY.get_sample_value("http_requests_total", {"route": route, "method": "GET", "code": "200"}) or 0


def test_requests_are_counted_but_probes_are_not():
    before = count("/")
    with TestClient(app) as client:
        client.get("/")
        client.get("/healthz")
        assert client.get("/metrics/").status_code == 200
    assert count("/") == before + 1
    assert count("/healthz") == 0


def test_unknown_path_is_404():
    with TestClient(app) as client:
        assert client.get("/nope").status_code == 404
