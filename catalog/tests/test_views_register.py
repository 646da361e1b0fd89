import textwrap

import pytest

from catalog.models import CatalogEvent, Entity, Location, ProcessingError
from catalog.tests.factories import yaml_load

pytestmark = pytest.mark.django_db

GOOD = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: loyalty-points}
spec: {type: service, lifecycle: experimental, owner: team-a}
"""
WITH_ERRORS = GOOD + """\
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: no-owner}
spec: {type: service, lifecycle: production}
"""


@pytest.fixture
def catalog_file(tmp_path):
    path = tmp_path / "catalog-info.yaml"
    path.write_text(textwrap.dedent(WITH_ERRORS))
    return path


def test_register_page_shows_the_form(client_owner):
    response = client_owner.get("/catalog/register/")
    assert response.status_code == 200
    assert "URL or path of a catalog-info.yaml" in response.content.decode()


def test_analyze_previews_entities_and_errors_and_stores_nothing(client_owner, catalog_file):
    response = client_owner.post("/catalog/register/", {"target": str(catalog_file), "action": "analyze"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<code>component:default/loyalty-points</code>" in html
    assert "1 problem" in html and "no-owner" not in html.split("would be added")[1].split("</table>")[0]
    assert "document 2" in html.lower() and "owner" in html
    assert 'name="action" value="import"' in html
    assert not Location.objects.exists() and not Entity.objects.exists() and not ProcessingError.objects.exists()


def test_preview_marks_entities_that_exist_already(client_owner, tmp_path, catalog_file):
    other = tmp_path / "other"
    other.mkdir()
    yaml_load(other, GOOD)
    html = client_owner.post("/catalog/register/", {"target": str(catalog_file), "action": "analyze"}).content.decode()
    assert '<a href="/catalog/default/component/loyalty-points/">exists already</a>' in html


def test_htmx_analyze_returns_the_fragment(client_owner, catalog_file):
    response = client_owner.post("/catalog/register/", {"target": str(catalog_file), "action": "analyze"},
                                 headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "component:default/loyalty-points" in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("", "This field is required."),
        ("relative/catalog-info.yaml", "must be an absolute path"),
        ("ftp://example.com/catalog-info.yaml", "must be an absolute path"),
    ],
)
def test_invalid_targets_are_reported_inline(client_owner, target, message):
    response = client_owner.post("/catalog/register/", {"target": target, "action": "analyze"})
    assert response.status_code == 200
    assert 'id="target-errors"' in response.content.decode()
    assert message in response.content.decode()
    assert not Location.objects.exists()


def test_disallowed_host_shows_the_read_error(client_owner, settings):
    settings.PAVED_READ_ALLOW = []
    response = client_owner.post("/catalog/register/", {"target": "https://evil.example/catalog-info.yaml",
                                                        "action": "analyze"})
    html = response.content.decode()
    assert "The location cannot be read." in html and "PAVED_READ_ALLOW" in html
    assert 'value="import"' not in html
    assert not Location.objects.exists()


def test_missing_file_shows_the_read_error(client_owner, tmp_path):
    html = client_owner.post("/catalog/register/", {"target": str(tmp_path / "nope.yaml"),
                                                    "action": "analyze"}).content.decode()
    assert "does not exist" in html


def test_import_creates_the_location_and_enqueues_its_refresh(client_owner, owner, catalog_file,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_owner.post("/catalog/register/", {"target": f"file:{catalog_file}", "action": "import"})
    location = Location.objects.get()
    assert (location.type, location.target, location.created_by) == ("file", str(catalog_file), owner)
    assert response.status_code == 302 and response.url == f"/catalog/locations/{location.pk}/"
    assert len(callbacks) == 1
    assert CatalogEvent.objects.filter(action="location_added").count() == 1

    # Importing the same file again leads to the existing location.
    response = client_owner.post("/catalog/register/", {"target": str(catalog_file), "action": "import"})
    assert response.url == f"/catalog/locations/{location.pk}/"
    assert Location.objects.count() == 1


def test_location_page_polls_until_the_worker_has_read_it(client_owner, catalog_file):
    from catalog import services

    location = services.location_create(type="file", target=str(catalog_file))
    html = client_owner.get(f"/catalog/locations/{location.pk}/").content.decode()
    status_url = f"/catalog/locations/{location.pk}/status/"
    assert f'hx-get="{status_url}" hx-trigger="every 2s"' in html

    services.location_refresh(location_id=location.pk)
    response = client_owner.get(status_url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "every 2s" not in html
    assert 'href="/catalog/default/component/loyalty-points/"' in html
    assert "1 problem" in html


def test_status_of_a_deleted_location_stops_polling(client_owner):
    response = client_owner.get("/catalog/locations/00000000-0000-0000-0000-000000000000/status/",
                                headers={"HX-Request": "true"})
    assert response.status_code == 286
