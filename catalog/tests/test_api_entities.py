import pytest

from catalog.models import CatalogEvent, Entity
from catalog.tests.test_api_support import names, post_json, streamed_json

pytest_plugins = ["catalog.tests.test_api_support"]  # the api and catalog fixtures

pytestmark = pytest.mark.django_db

URL = "/api/catalog/entities"


def get_entities(api, query: str = "") -> list[dict]:
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return streamed_json(response)


def test_lists_every_entity_as_stored_with_uid_etag_and_relations(api, catalog):
    items = get_entities(api)
    assert len(items) == Entity.objects.count() == 10
    payments = next(i for i in items if i["metadata"]["name"] == "Payments")
    assert payments["kind"] == "Component"
    assert payments["metadata"]["uid"] and payments["metadata"]["etag"]
    assert {"type": "ownedBy", "targetRef": "group:default/team-a",
            "target": {"kind": "group", "namespace": "default", "name": "team-a"}} in payments["relations"]


def test_conditions_inside_one_filter_are_anded(api, catalog):
    assert names(get_entities(api, "filter=kind=component,spec.type=service")) == ["ledger", "Payments"]
    assert names(get_entities(api, "filter=kind=component,spec.type=service,spec.lifecycle=production")) == [
        "Payments"]


def test_repeated_filter_params_are_ored(api, catalog):
    items = get_entities(api, "filter=kind=api&filter=kind=system")
    assert sorted(names(items)) == ["payments-api", "shop"]


def test_a_key_repeated_inside_one_filter_matches_either_value(api, catalog):
    assert sorted(names(get_entities(api, "filter=kind=api,kind=system"))) == ["payments-api", "shop"]


def test_keys_and_values_compare_case_insensitively(api, catalog):
    assert names(get_entities(api, "filter=KIND=Component,Spec.Type=SERVICE")) == ["ledger", "Payments"]
    assert names(get_entities(api, "filter=metadata.name=payments")) == ["Payments"]


def test_a_key_without_value_means_the_field_exists(api, catalog):
    assert names(get_entities(api, "filter=metadata.annotations.backstage.io/techdocs-ref")) == ["Payments"]
    assert names(get_entities(api, "filter=kind=component,metadata.description")) == ["checkout", "Payments"]


def test_dotted_paths_reach_into_arrays(api, catalog):
    assert names(get_entities(api, "filter=metadata.tags=python")) == ["ledger", "Payments"]
    assert names(get_entities(api, "filter=spec.providesApis=payments-api")) == ["Payments"]


def test_relations_are_filterable_by_their_target_ref(api, catalog):
    items = get_entities(api, "filter=relations.ownedBy=group:default/team-b")
    assert names(items) == ["checkout", "ledger"]
    assert names(get_entities(api, "filter=kind=group,relations.ownerOf=component:default/payments")) == ["team-a"]


def test_a_filter_matching_nothing_gives_an_empty_array(api, catalog):
    assert get_entities(api, "filter=kind=nope") == []


def test_metadata_uid_filter_uses_the_uid_column(api, catalog):
    uid = str(Entity.objects.get(ref="component:default/ledger").uid)
    assert names(get_entities(api, f"filter=metadata.uid={uid}")) == ["ledger"]
    assert get_entities(api, "filter=metadata.uid=not-a-uuid") == []


def test_fields_keep_only_the_listed_paths(api, catalog):
    items = get_entities(api, "filter=kind=system&fields=metadata.name,kind")
    assert items == [{"kind": "System", "metadata": {"name": "shop"}}]
    items = get_entities(api, "filter=kind=system&fields=metadata.name&fields=spec.owner,spec.missing")
    assert items == [{"metadata": {"name": "shop"}, "spec": {"owner": "team-a"}}]


def test_order_sorts_by_the_field_then_the_ref(api, catalog):
    ascending = names(get_entities(api, "filter=kind=component&order=asc:metadata.name"))
    assert ascending == ["checkout", "ledger", "Payments"]
    descending = names(get_entities(api, "filter=kind=component&order=desc:metadata.name"))
    assert descending == ["Payments", "ledger", "checkout"]
    by_tag = names(get_entities(api, "filter=kind=component&order=desc:spec.lifecycle&order=asc:metadata.name"))
    assert by_tag == ["checkout", "Payments", "ledger"]


def test_entities_without_the_sort_field_come_last(api, catalog):
    items = names(get_entities(api, "filter=kind=component,kind=system&order=asc:metadata.description"))
    assert items == ["Payments", "checkout", "ledger", "shop"]


def test_offset_limit_and_the_after_cursor_page_through_everything(api, catalog):
    response = api.get(f"{URL}?limit=4&offset=0")
    seen = names(response.json())
    while "Link" in response:
        link = response["Link"]
        assert link.endswith('>; rel="next"')
        response = api.get(link[1 : link.index(">")])
        assert response.status_code == 200
        seen += names(response.json())
    assert sorted(seen) == sorted(names(get_entities(api)))
    assert names(get_entities(api, "limit=2&offset=1")) == names(get_entities(api))[1:3]


def test_by_name_is_case_insensitive(api, catalog):
    response = api.get("/api/catalog/entities/by-name/COMPONENT/Default/payments")
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "Payments"


def test_by_name_of_a_missing_entity_is_a_404_envelope(api, catalog):
    response = api.get("/api/catalog/entities/by-name/component/default/nope")
    assert response.status_code == 404
    assert response.json()["error"] == {"name": "NotFoundError",
                                        "message": "No entity named 'component:default/nope' found"}
    assert response.json()["response"] == {"statusCode": 404}


def test_by_uid_returns_the_entity(api, catalog):
    entity = Entity.objects.get(ref="group:default/team-b")
    response = api.get(f"{URL}/by-uid/{entity.uid}")
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "Team-B"


def test_delete_by_uid_removes_the_entity_and_audits_it(admin_api, catalog, admin_user):
    # An admin: `owner` is in no team of this catalog, so may not delete team-b's ledger.
    entity = Entity.objects.get(ref="component:default/ledger")
    response = admin_api.delete(f"{URL}/by-uid/{entity.uid}")
    assert response.status_code == 204
    assert not Entity.objects.filter(pk=entity.pk).exists()
    assert CatalogEvent.objects.filter(action="entity_deleted", subject=entity.ref, actor=admin_user).exists()
    assert admin_api.delete(f"{URL}/by-uid/{entity.uid}").status_code == 404


def test_ancestry_walks_up_to_the_generated_root_location(api, catalog):
    response = api.get("/api/catalog/entities/by-name/resource/default/payments-db/ancestry")
    assert response.status_code == 200
    body = response.json()
    assert body["rootEntityRef"] == "resource:default/payments-db"
    chain = [(item["entity"]["metadata"]["name"], item["parentEntityRefs"]) for item in body["items"]]
    generated = chain[2][0]
    assert generated.startswith("generated-")
    assert chain == [
        ("payments-db", ["location:default/more"]),
        ("more", [f"location:default/{generated}"]),
        (generated, []),
    ]


def test_by_refs_keeps_the_order_and_gives_null_for_unknown_refs(api, catalog):
    refs = ["system:default/shop", "component:default/nope", "Component:default/Payments", "not a ref", "api:x"]
    response = post_json(api, f"{URL}/by-refs", {"entityRefs": refs})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i and i["metadata"]["name"] for i in items] == ["shop", None, "Payments", None, None]


def test_by_refs_applies_fields_and_filter(api, catalog):
    body = {"entityRefs": ["component:default/checkout", "component:default/ledger"], "fields": ["metadata.name"]}
    response = post_json(api, f"{URL}/by-refs?filter=spec.type=service", body)
    assert response.json() == {"items": [None, {"metadata": {"name": "ledger"}}]}


def test_facets_count_values_from_the_search_table(api, catalog):
    response = api.get("/api/catalog/entity-facets?facet=kind&facet=metadata.tags&facet=spec.type")
    assert response.status_code == 200
    facets = response.json()["facets"]
    assert {"value": "Component", "count": 3} in facets["kind"]
    assert {"value": "Location", "count": 2} in facets["kind"]
    assert facets["metadata.tags"] == [{"value": "python", "count": 2}, {"value": "java", "count": 1},
                                       {"value": "web", "count": 1}]
    types = {f["value"]: f["count"] for f in facets["spec.type"]}
    assert types["service"] == 2 and types["team"] == 2  # "Service" and "service" are one value


def test_facets_honour_the_filter(api, catalog):
    response = api.get("/api/catalog/entity-facets?facet=spec.lifecycle&facet=metadata.tags&filter=kind=component")
    facets = response.json()["facets"]
    assert facets["spec.lifecycle"] == [{"value": "production", "count": 2}, {"value": "experimental", "count": 1}]
    assert facets["metadata.tags"][0] == {"value": "python", "count": 2}


def test_facets_without_a_facet_is_an_input_error(api, catalog):
    response = api.get("/api/catalog/entity-facets")
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
