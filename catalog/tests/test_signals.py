"""The catalog's signal wiring: it sends entities_stored after an ingest commits, and re-reads the
locations of a repository githost says was pushed to."""

import pytest

from catalog import services, tasks
from catalog.models import Location
from catalog.signals import entities_stored
from catalog.tests.factories import component_yaml, documents_yaml, yaml_load
from githost.signals import repository_pushed

pytestmark = pytest.mark.django_db

TWO = documents_yaml(component_yaml("alpha", description="first"), component_yaml("beta"))


@pytest.fixture
def stored():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    entities_stored.connect(receiver, dispatch_uid="test.entities_stored")
    yield calls
    entities_stored.disconnect(dispatch_uid="test.entities_stored")


def test_entities_stored_is_sent_on_commit_with_the_new_and_changed_refs(tmp_path, stored,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        location = yaml_load(tmp_path, TWO)
        assert stored == []  # not before the commit
    assert len(stored) == 1 and stored[0]["location_id"] == str(location.pk)
    components = sorted(ref for ref in stored[0]["refs"] if not ref.startswith("location:"))
    assert components == ["component:default/alpha", "component:default/beta"]
    assert len(stored[0]["refs"]) == 3  # and the location entity the file's location emits

    (tmp_path / "catalog-info.yaml").write_text(TWO.replace("first", "changed"))
    with django_capture_on_commit_callbacks(execute=True):
        services.location_refresh(location_id=location.pk)
    assert len(stored) == 2 and stored[1]["refs"] == ["component:default/alpha"]


def test_an_unchanged_refresh_sends_nothing(tmp_path, stored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        location = yaml_load(tmp_path, TWO)
    with django_capture_on_commit_callbacks(execute=True):
        services.location_refresh(location_id=location.pk)
        services.location_refresh(location_id=location.pk)
    assert len(stored) == 1


def test_a_failing_receiver_does_not_undo_the_ingest(tmp_path, django_capture_on_commit_callbacks, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    entities_stored.connect(broken, dispatch_uid="test.broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            location = yaml_load(tmp_path, TWO)
    finally:
        entities_stored.disconnect(dispatch_uid="test.broken")
    assert location.entity_count >= 2 and "receiver bug" in caplog.text


def test_a_push_to_a_repository_refreshes_the_url_locations_inside_it(monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.location_refresh, "delay", lambda location_id: sent.append(location_id))
    web = "https://git.example.com/acme/web"
    mine = Location.objects.create(type="url", target=f"{web}/blob/main/catalog-info.yaml")
    Location.objects.create(type="url", target="https://git.example.com/acme/website/blob/main/c.yaml")
    Location.objects.create(type="file", target=f"{web}/blob/main/not-a-url.yaml")
    with django_capture_on_commit_callbacks(execute=True):
        repository_pushed.send(sender=None, owner="acme", name="web", web_url=web,
                               ref_updates=[("refs/heads/main", "0" * 40, "1" * 40)], actor=None)
    assert sent == [str(mine.pk)]
    mine.refresh_from_db()
    assert mine.refresh_requested_at is not None
