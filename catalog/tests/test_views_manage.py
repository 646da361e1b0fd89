"""Locations, orphans and the error inbox."""

import pytest

from catalog import services
from catalog.models import CatalogEvent, Entity, Location
from catalog.tests.factories import yaml_load

pytestmark = pytest.mark.django_db

TWO = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: keep}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: gone}
spec: {type: service, lifecycle: production, owner: team-a}
"""
ORG = """\
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: mine-ok}
spec: {type: service, lifecycle: production, owner: team-a}
"""
BROKEN = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: mine-ok}
spec: {type: service, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: theirs}
spec: {type: service, owner: team-b}
"""


@pytest.fixture
def orphaned(tmp_path):
    location = yaml_load(tmp_path, TWO)
    (tmp_path / "catalog-info.yaml").write_text(TWO.split("---\n")[0])
    services.location_refresh(location_id=location.pk)
    assert Entity.objects.get(name="gone").orphan
    return location


# A platform admin manages these: `owner` has no User entity here, so owns none of them
# (test_permissions.py covers who may do what).
def test_locations_page_lists_status_and_counts(admin_client, orphaned):
    html = admin_client.get("/catalog/locations/").content.decode()
    assert orphaned.target in html and "badge-ok" in html
    assert f'action="/catalog/locations/{orphaned.pk}/refresh/"' in html
    assert f'href="/catalog/locations/{orphaned.pk}/delete/"' in html


def test_location_refresh_enqueues(admin_client, orphaned, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(f"/catalog/locations/{orphaned.pk}/refresh/")
    assert response.status_code == 302 and len(callbacks) == 1
    assert Location.objects.get(pk=orphaned.pk).refresh_requested_at is not None


def test_location_delete_asks_first_then_removes_its_entities(admin_client, orphaned):
    url = f"/catalog/locations/{orphaned.pk}/delete/"
    response = admin_client.get(url)
    assert "Delete this location?" in response.content.decode()
    assert Location.objects.filter(pk=orphaned.pk).exists()

    response = admin_client.post(url)
    assert response.status_code == 302 and response.url == "/catalog/locations/"
    assert not Location.objects.exists() and not Entity.objects.exists()
    assert CatalogEvent.objects.filter(action="location_removed").count() == 1
    assert admin_client.post(url).status_code == 404


def test_orphans_page_lists_and_deletes_orphans(admin_client, orphaned):
    gone = Entity.objects.get(name="gone")
    keep = Entity.objects.get(name="keep")
    html = admin_client.get("/catalog/orphans/").content.decode()
    assert "component:default/gone" in html and "component:default/keep" not in html

    assert admin_client.post(f"/catalog/orphans/{keep.pk}/delete/").status_code == 404  # not an orphan
    assert admin_client.get(f"/catalog/orphans/{gone.pk}/delete/").status_code == 405
    response = admin_client.post(f"/catalog/orphans/{gone.pk}/delete/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    assert not Entity.objects.filter(name="gone").exists() and Entity.objects.filter(name="keep").exists()
    assert CatalogEvent.objects.filter(action="entity_deleted", subject="component:default/gone").exists()


def test_orphan_delete_without_htmx_redirects(admin_client, orphaned):
    gone = Entity.objects.get(name="gone")
    response = admin_client.post(f"/catalog/orphans/{gone.pk}/delete/")
    assert response.status_code == 302 and response.url == "/catalog/orphans/"


def test_error_inbox_groups_by_location_and_file_and_filters_my_teams(client_owner, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    location = yaml_load(mine, ORG)
    (mine / "catalog-info.yaml").write_text(ORG + "---\n" + BROKEN.split("---\n")[0].replace("mine-ok", "mine-bad"))
    services.location_refresh(location_id=location.pk)
    other = tmp_path / "other"
    other.mkdir()
    yaml_load(other, BROKEN.split("---\n")[1])

    response = client_owner.get("/catalog/errors/")
    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == 2
    assert str(mine / "catalog-info.yaml") in html and str(other / "catalog-info.yaml") in html
    assert 'href="/catalog/default/component/mine-bad/"' in html

    response = client_owner.get("/catalog/errors/", {"mine": "1"})
    assert [e.entity_ref for e in response.context["errors"]] == ["component:default/mine-bad"]


def test_empty_pages_say_so(client_owner):
    assert "No orphaned entities." in client_owner.get("/catalog/orphans/").content.decode()
    assert "No processing errors." in client_owner.get("/catalog/errors/").content.decode()
    assert "No locations are registered." in client_owner.get("/catalog/locations/").content.decode()
    assert "The catalog is empty." in client_owner.get("/catalog/").content.decode()
