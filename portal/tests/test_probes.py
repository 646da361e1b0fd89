import pytest

from portal import health


def test_healthz_is_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_reports_database_and_broker(client, monkeypatch):
    monkeypatch.setattr(health, "broker_check", lambda: True)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_cannot_be_reached(client, monkeypatch):
    monkeypatch.setattr(health, "broker_check", lambda: False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failed"}


@pytest.mark.django_db
def test_database_check_passes_on_the_test_database():
    assert health.database_check() is True


def test_filesystem_broker_check_needs_its_folders(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    options = {
        "data_folder_in": tmp_path / "q",
        "data_folder_out": tmp_path / "q",
        "control_folder": tmp_path / "c",
    }
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {key: str(value) for key, value in options.items()}
    assert health.broker_check() is False
    (tmp_path / "q").mkdir()
    (tmp_path / "c").mkdir()
    assert health.broker_check() is True


def test_network_broker_check_fails_fast_on_a_closed_port(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert health.broker_check() is False
