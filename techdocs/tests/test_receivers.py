"""TechDocs listens to the catalog's entities_stored: documented entities get a docs build when they are
registered (from the UI, the API or the scaffolder), asynchronously, and unchanged refreshes ask nothing."""

import pytest

from catalog import services as catalog_services
from catalog.models import Location
from catalog.tests.factories import yaml_load
from techdocs import tasks
from techdocs.models import DocsBuild, DocsSite
from techdocs.tests.conftest import ENTITY, documented_repo_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.docs_entities_registered, "delay", lambda refs: sent.append(refs))
    return sent


@pytest.fixture
def builds(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.docs_build_execute, "delay", lambda build_id: sent.append(build_id))
    return sent


def test_registering_a_documented_entity_enqueues_one_docs_build_after_commit(
        documented, enqueued, builds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        documented("ledger")
    assert enqueued == [] and callbacks  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert enqueued == [["component:default/ledger"]]
    assert DocsBuild.objects.count() == 0  # the request only enqueues; the worker syncs and builds
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.docs_entities_registered(enqueued[0]) == 1
    build = DocsBuild.objects.get()
    assert build.reason == DocsBuild.Reason.REGISTERED and builds == [build.pk]


def test_an_unchanged_refresh_enqueues_nothing(documented, enqueued, builds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        documented("ledger")
    assert len(enqueued) == 1
    location = Location.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.location_refresh(location_id=location.pk)
        catalog_services.location_refresh(location_id=location.pk)
    assert len(enqueued) == 1


def test_a_changed_entity_whose_docs_did_not_change_builds_nothing_new(documented, enqueued, builds, tmp_path,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        root = documented("ledger")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.docs_entities_registered(enqueued[0])
    build = DocsBuild.objects.get()
    # As if the worker built it: the published build is of the current source.
    DocsBuild.objects.filter(pk=build.pk).update(status=DocsBuild.Status.SUCCEEDED)
    DocsSite.objects.filter(pk=build.site_id).update(built_hash=build.source_hash)
    (root / "catalog-info.yaml").write_text(ENTITY.format(name="ledger", ref="dir:.").replace(
        "A documented service.", "Still documented."))
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.location_refresh(location_id=Location.objects.get().pk)
    assert enqueued[-1] == ["component:default/ledger"]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.docs_entities_registered(enqueued[-1]) == 0  # the docs source did not change
    assert DocsBuild.objects.count() == 1 and len(builds) == 1


def test_entities_without_a_techdocs_ref_enqueue_nothing(tmp_path, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        yaml_load(tmp_path, """\
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata: {name: plain}
            spec: {type: service, lifecycle: production, owner: team-a}
            """)
    assert enqueued == []


def test_an_entity_registered_from_the_git_host_gets_its_docs_built(settings, tmp_path, enqueued, builds,
                                                                  django_capture_on_commit_callbacks):
    """What the scaffolder's catalog:register does: a url location on the git host, read at once."""
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    target = documented_repo_create() + "/catalog-info.yaml"
    with django_capture_on_commit_callbacks(execute=True):
        location = catalog_services.location_create(type="url", target=target)
        catalog_services.location_refresh(location_id=location.pk)
    assert enqueued == [["component:default/ledger"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.docs_entities_registered(enqueued[0]) == 1
    build = DocsBuild.objects.get()
    assert builds == [build.pk] and build.site.source_hash and not build.site.ref_error


@pytest.fixture
def eager_catalog(monkeypatch):
    """Celery runs the catalog's refresh in-process (as a worker would, right after the commit)."""
    from celery import current_app

    monkeypatch.setattr(current_app.conf, "task_always_eager", True)
    monkeypatch.setattr(current_app.conf, "task_eager_propagates", True)


@pytest.mark.parametrize("via", ["ui", "api"])
def test_registering_through_the_ui_or_the_api_requests_the_docs_build_at_once(
        via, client_owner, tmp_path, settings, eager_catalog, enqueued, django_capture_on_commit_callbacks):
    """No wait for the periodic scan: location_create enqueues the read, the read stores the entity,
    entities_stored asks techdocs for its docs."""
    import json

    from django.urls import reverse

    from techdocs.tests.conftest import write_site

    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    root = write_site(tmp_path / "ledger")
    (root / "catalog-info.yaml").write_text(ENTITY.format(name="ledger", ref="dir:."))
    target = str(root / "catalog-info.yaml")
    with django_capture_on_commit_callbacks(execute=True):
        if via == "ui":
            response = client_owner.post(reverse("catalog:register"),
                                         {"target": target, "action": "import"})
        else:
            response = client_owner.post("/api/catalog/locations", json.dumps({"type": "file", "target": target}),
                                         content_type="application/json")
    assert response.status_code in (201, 302), response.content[:500]
    assert enqueued == [["component:default/ledger"]]
