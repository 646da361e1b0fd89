from fastapi.testclient import TestClient

from app.main import app


def test_probes_answer_once_started():
    with TestClient(app) as client:
        assert client.get("/healthz").text == "ok"
        assert client.get("/readyz").status_code == 200


def test_not_ready_before_startup():
    # Without the lifespan (no `with`), the app has not started.
    client = TestClient(app)
    assert client.get("/readyz").status_code == 503


def test_requests_are_counted_but_probes_are_not():
    with TestClient(app) as client:
        client.get("/")
        client.get("/healthz")
        metrics = client.get("/metrics/").text
    assert 'http_requests_total{route="/",method="GET",code="200"}' in metrics
    assert 'route="/healthz"' not in metrics


def test_unknown_path_is_404():
    with TestClient(app) as client:
        assert client.get("/nope").status_code == 404
