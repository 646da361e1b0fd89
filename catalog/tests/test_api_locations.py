import pytest

from catalog.models import CatalogEvent, Entity, Location
from catalog.tests.test_api_support import post_json, write_catalog

pytest_plugins = ["catalog.tests.test_api_support"]  # the api and catalog fixtures

pytestmark = pytest.mark.django_db

URL = "/api/catalog/locations"


def test_lists_locations_in_backstages_data_wrapper(api, catalog):
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json() == [{"data": {"id": str(catalog.pk), "type": "file", "target": catalog.target}}]


def test_get_location_by_id(api, catalog):
    response = api.get(f"{URL}/{catalog.pk}")
    assert response.json() == {"id": str(catalog.pk), "type": "file", "target": catalog.target}


def test_location_by_entity_is_the_registered_location(api, catalog):
    response = api.get(f"{URL}/by-entity/resource/default/payments-db")
    assert response.status_code == 200
    assert response.json()["id"] == str(catalog.pk)
    assert api.get(f"{URL}/by-entity/resource/default/nope").status_code == 404


def test_create_registers_a_location_and_audits_it(api, db, tmp_path, owner):
    path = write_catalog(tmp_path)
    response = post_json(api, URL, {"type": "file", "target": str(path)})
    assert response.status_code == 201
    location = Location.objects.get()
    assert response.json() == {"location": {"id": str(location.pk), "type": "file", "target": str(path)},
                               "entities": []}
    assert location.created_by == owner
    assert CatalogEvent.objects.filter(action="location_added", actor=owner).exists()


def test_a_duplicate_location_is_a_409_conflict(api, catalog):
    response = post_json(api, URL, {"type": "file", "target": catalog.target})
    assert response.status_code == 409
    assert response.json()["error"]["name"] == "ConflictError"
    assert Location.objects.count() == 1


def test_dry_run_previews_the_entities_and_stores_nothing(api, db, tmp_path):
    path = write_catalog(tmp_path)
    response = post_json(api, f"{URL}?dryRun=true", {"type": "file", "target": str(path)})
    assert response.status_code == 201  # Backstage's client expects 201 for dry runs too
    body = response.json()
    assert body["exists"] is False
    assert body["location"]["type"] == "file" and body["location"]["target"] == str(path)
    assert {e["metadata"]["name"] for e in body["entities"]} >= {"Payments", "payments-db", "more"}
    assert not Location.objects.exists() and not Entity.objects.exists()


def test_dry_run_of_a_registered_location_says_it_exists(api, catalog):
    response = post_json(api, f"{URL}?dryRun=true", {"type": "file", "target": catalog.target})
    assert response.json()["exists"] is True


def test_dry_run_of_an_unreadable_target_is_an_input_error(api, db, tmp_path):
    response = post_json(api, f"{URL}?dryRun=true", {"type": "file", "target": str(tmp_path / "missing.yaml")})
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"


@pytest.mark.parametrize("body", [{"type": "ftp", "target": "/x"}, {"type": "file", "target": "relative.yaml"},
                                  {"type": "file"}, {"type": 3, "target": "/x"}, {"type": "url", "target": "nope"}])
def test_bad_location_input_is_an_input_error(api, db, body):
    response = post_json(api, URL, body)
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
    assert not Location.objects.exists()


def test_delete_location_removes_it_and_its_entities(admin_api, catalog, admin_user):
    # An admin: the location emits entities of two teams, neither of them `owner`'s.
    response = admin_api.delete(f"{URL}/{catalog.pk}")
    assert response.status_code == 204
    assert not Location.objects.exists()
    assert not Entity.objects.exists()
    assert CatalogEvent.objects.filter(action="location_removed", actor=admin_user).exists()
    assert admin_api.get(f"{URL}/{catalog.pk}").status_code == 404


def test_unknown_or_invalid_location_ids(api, db):
    missing = api.get(f"{URL}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["name"] == "NotFoundError"
    invalid = api.delete(f"{URL}/not-a-uuid")
    assert invalid.status_code == 400 and invalid.json()["error"]["name"] == "InputError"


def test_analyze_location_lists_the_entities_of_each_file(api, catalog, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: newcomer\n"
                     "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
    response = post_json(api, "/api/catalog/analyze-location", {"location": {"type": "file", "target": str(extra)}})
    assert response.status_code == 200
    body = response.json()
    assert body["generateEntities"] == []
    [found] = body["existingEntityFiles"]
    assert found["location"] == {"type": "file", "target": str(extra)}
    assert found["isRegistered"] is False
    assert found["entity"]["metadata"]["name"] == "newcomer"
    response = post_json(api, "/api/catalog/analyze-location", {"location": {"type": "file", "target": catalog.target}})
    files = response.json()["existingEntityFiles"]
    assert all(f["isRegistered"] for f in files) and len(files) == 9


def test_refresh_requests_a_reread_of_the_entitys_location(admin_api, catalog, admin_user):
    # An admin: Payments belongs to team-a, which `owner` is not a member of in this catalog.
    response = post_json(admin_api, "/api/catalog/refresh", {"entityRef": "component:default/Payments"})
    assert response.status_code == 200
    catalog.refresh_from_db()
    assert catalog.refresh_requested_at is not None
    assert CatalogEvent.objects.filter(action="refresh_requested", actor=admin_user).exists()


def test_refresh_of_an_unknown_entity_is_404(api, catalog):
    response = post_json(api, "/api/catalog/refresh", {"entityRef": "component:default/nope"})
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "NotFoundError"
    assert post_json(api, "/api/catalog/refresh", {"entityRef": 5}).status_code == 400


VALID = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
         "metadata": {"name": "fine"}, "spec": {"type": "service", "lifecycle": "production", "owner": "me"}}


def test_validate_entity_accepts_a_valid_entity(api, db):
    response = post_json(api, "/api/catalog/validate-entity", {"entity": VALID, "location": "url:https://x/y.yaml"})
    assert response.status_code == 200
    assert response.json() == {}


def test_validate_entity_lists_errors_like_backstage(api, db):
    entity = {**VALID, "metadata": {"name": "not ok!"}}
    response = post_json(api, "/api/catalog/validate-entity", {"entity": entity, "location": "url:https://x/y.yaml"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and errors[0]["name"] == "InputError" and "metadata.name" in errors[0]["message"]
    response = post_json(api, "/api/catalog/validate-entity", {"entity": "text", "location": "url:https://x"})
    assert response.status_code == 400 and response.json()["errors"]


def test_validate_entity_needs_a_location_ref(api, db):
    response = post_json(api, "/api/catalog/validate-entity", {"entity": VALID, "location": "nowhere"})
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
