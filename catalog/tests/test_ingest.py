"""Ingestion through the services: relations, refresh, orphans, conflicts, errors."""

import json

import pytest

from catalog import services
from catalog.models import Entity, Location, ProcessingError, Relation

pytestmark = pytest.mark.django_db

ORG = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-payments}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jane}
spec: {memberOf: [team-payments]}
"""

SERVICE = """
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-service
  description: Handles payments
  tags: [go]
spec:
  type: service
  lifecycle: production
  owner: team-payments
  system: billing-system
  providesApis: [payment-api]
  dependsOn: [resource:postgresql-payments]
"""


def final(ref: str) -> dict:
    return json.loads(Entity.objects.get(ref=ref).final)


def relations_of(ref: str) -> set[tuple[str, str]]:
    return {(r["type"], r["targetRef"]) for r in final(ref)["relations"]}


def test_relations_are_computed_in_both_directions(write_yaml, ingest):
    write_yaml("org.yaml", ORG)
    write_yaml("svc.yaml", SERVICE)
    root = write_yaml("all.yaml", """
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata: {name: root}
        spec: {targets: [./org.yaml, ./svc.yaml]}
    """)
    location = ingest(root)

    assert location.status == Location.Status.OK
    assert ("ownedBy", "group:default/team-payments") in relations_of("component:default/payment-service")
    assert ("ownerOf", "component:default/payment-service") in relations_of("group:default/team-payments")
    assert ("hasMember", "user:default/jane") in relations_of("group:default/team-payments")
    assert ("memberOf", "group:default/team-payments") in relations_of("user:default/jane")
    assert ("dependsOn", "resource:default/postgresql-payments") in relations_of("component:default/payment-service")
    assert ("providesApi", "api:default/payment-api") in relations_of("component:default/payment-service")
    assert ("partOf", "system:default/billing-system") in relations_of("component:default/payment-service")


def test_sets_backstage_annotations_uid_and_etag(write_yaml, ingest):
    path = write_yaml("svc.yaml", SERVICE)
    ingest(path)
    entity = final("component:default/payment-service")
    annotations = entity["metadata"]["annotations"]
    assert annotations["backstage.io/managed-by-location"] == f"file:{path}"
    assert annotations["backstage.io/managed-by-origin-location"] == f"file:{path}"
    assert entity["metadata"]["uid"] and entity["metadata"]["etag"]
    assert entity["metadata"]["namespace"] == "default"


def test_a_registered_location_gets_a_generated_location_entity(write_yaml, ingest):
    path = write_yaml("svc.yaml", SERVICE)
    ingest(path)
    generated = Entity.objects.get(kind="Location")
    assert generated.name.startswith("generated-")
    assert json.loads(generated.final)["spec"] == {"type": "file", "target": str(path)}


def test_unchanged_files_are_not_rewritten(write_yaml, ingest):
    path = write_yaml("svc.yaml", SERVICE)
    ingest(path)
    before = Entity.objects.get(ref="component:default/payment-service")
    stats = services.location_refresh(location_id=Location.objects.get().pk)
    after = Entity.objects.get(ref="component:default/payment-service")
    assert stats.added == stats.updated == 0
    assert after.etag == before.etag and after.updated_at == before.updated_at


def test_a_changed_file_updates_the_entity_and_keeps_its_uid(write_yaml, ingest):
    path = write_yaml("svc.yaml", SERVICE)
    ingest(path)
    uid = Entity.objects.get(ref="component:default/payment-service").uid
    write_yaml("svc.yaml", SERVICE.replace("Handles payments", "Takes the money"))
    ingest(path)
    entity = final("component:default/payment-service")
    assert entity["metadata"]["description"] == "Takes the money"
    assert entity["metadata"]["uid"] == str(uid)


def test_an_entity_no_longer_emitted_becomes_an_orphan(write_yaml, ingest):
    path = write_yaml("org.yaml", ORG)
    ingest(path)
    write_yaml("org.yaml", ORG.split("---")[0])
    ingest(path)
    jane = Entity.objects.get(ref="user:default/jane")
    assert jane.orphan
    assert json.loads(jane.final)["metadata"]["annotations"]["backstage.io/orphan"] == "true"
    # The group no longer lists her as a member: relations follow the source of truth.
    assert ("hasMember", "user:default/jane") not in relations_of("group:default/team-payments")


def test_an_orphan_comes_back_when_emitted_again(write_yaml, ingest):
    path = write_yaml("org.yaml", ORG)
    ingest(path)
    write_yaml("org.yaml", ORG.split("---")[0])
    ingest(path)
    write_yaml("org.yaml", ORG)
    ingest(path)
    jane = Entity.objects.get(ref="user:default/jane")
    assert not jane.orphan
    assert "backstage.io/orphan" not in json.loads(jane.final)["metadata"]["annotations"]


def test_a_second_location_emitting_the_same_entity_is_a_conflict(write_yaml, ingest):
    first = ingest(write_yaml("a/svc.yaml", SERVICE))
    second = ingest(write_yaml("b/svc.yaml", SERVICE.replace("Handles payments", "Impostor")))
    entity = Entity.objects.get(ref="component:default/payment-service")
    assert entity.location == first
    assert json.loads(entity.final)["metadata"]["description"] == "Handles payments"
    error = ProcessingError.objects.get(location=second)
    assert "already provided by location" in error.message
    assert second.status == Location.Status.WARNING


def test_names_are_unique_ignoring_case(write_yaml, ingest):
    ingest(write_yaml("a/svc.yaml", SERVICE))
    ingest(write_yaml("b/svc.yaml", SERVICE.replace("name: payment-service", "name: Payment-Service")))
    assert Entity.objects.filter(kind="Component").count() == 1


def test_one_bad_document_does_not_block_the_good_ones(write_yaml, ingest):
    path = write_yaml("mixed.yaml", SERVICE + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\n"
                      "metadata: {name: broken}\nspec: {type: service}\n")
    location = ingest(path)
    assert Entity.objects.filter(ref="component:default/payment-service").exists()
    assert not Entity.objects.filter(ref="component:default/broken").exists()
    messages = list(ProcessingError.objects.filter(location=location).values_list("message", flat=True))
    assert any("document 2" in m and "spec.lifecycle" in m for m in messages)
    assert any("spec.owner" in m for m in messages)


def test_a_file_that_breaks_keeps_what_it_stored_and_reports_the_error(write_yaml, ingest):
    path = write_yaml("svc.yaml", SERVICE)
    ingest(path)
    write_yaml("svc.yaml", SERVICE + "\n  broken: [\n")
    location = ingest(path)
    entity = Entity.objects.get(ref="component:default/payment-service")
    assert not entity.orphan
    assert location.status == Location.Status.FAILED
    assert "YAML syntax error" in ProcessingError.objects.get(location=location).message


def test_an_invalid_update_keeps_the_old_entity_with_the_error_in_its_status(write_yaml, ingest):
    path = write_yaml("svc.yaml", SERVICE)
    ingest(path)
    write_yaml("svc.yaml", SERVICE.replace("  lifecycle: production\n", ""))
    ingest(path)
    entity = final("component:default/payment-service")
    assert entity["metadata"]["description"] == "Handles payments"
    items = entity["status"]["items"]
    assert items[0]["type"] == "backstage.io/catalog-processing"
    assert "spec.lifecycle" in items[0]["message"]


def test_locations_are_followed_relative_to_their_own_file(write_yaml, ingest):
    write_yaml("nested/deeper/svc.yaml", SERVICE)
    write_yaml("nested/index.yaml", """
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata: {name: nested}
        spec: {type: file, target: ./deeper/svc.yaml}
    """)
    root = write_yaml("all.yaml", """
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata: {name: root}
        spec: {targets: [./nested/index.yaml]}
    """)
    ingest(root)
    entity = final("component:default/payment-service")
    assert entity["metadata"]["annotations"]["backstage.io/managed-by-origin-location"] == f"file:{root}"


def test_placeholders_text_json_yaml_are_resolved(write_yaml, ingest):
    write_yaml("openapi.yaml", "openapi: 3.0.0\ninfo: {title: Payments, version: '1'}\npaths: {}\n")
    write_yaml("extra.json", '{"owner": "team-payments"}')
    write_yaml("labels.yaml", "tier: critical\n")
    path = write_yaml("api.yaml", """
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata:
          name: payment-api
          labels: {$yaml: ./labels.yaml}
        spec:
          type: openapi
          lifecycle: production
          owner: team-payments
          definition: {$text: ./openapi.yaml}
          x-extra: {$json: ./extra.json}
    """)
    ingest(path)
    entity = final("api:default/payment-api")
    assert entity["spec"]["definition"].startswith("openapi: 3.0.0")
    assert entity["spec"]["x-extra"] == {"owner": "team-payments"}
    assert entity["metadata"]["labels"] == {"tier": "critical"}


def test_a_change_in_an_included_file_is_picked_up(write_yaml, ingest):
    write_yaml("openapi.yaml", "openapi: 3.0.0\n")
    path = write_yaml("api.yaml", """
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: payment-api}
        spec: {type: openapi, lifecycle: production, owner: team-payments, definition: {$text: ./openapi.yaml}}
    """)
    ingest(path)
    write_yaml("openapi.yaml", "openapi: 3.1.0\n")
    ingest(path)
    assert final("api:default/payment-api")["spec"]["definition"] == "openapi: 3.1.0\n"


def test_removing_a_location_removes_its_entities_and_their_relations(write_yaml, ingest):
    ingest(write_yaml("org.yaml", ORG))
    location = ingest(write_yaml("svc.yaml", SERVICE))
    services.location_delete(location=location)
    assert not Entity.objects.filter(ref="component:default/payment-service").exists()
    assert not Relation.objects.filter(source_ref="component:default/payment-service").exists()
    assert ("ownerOf", "component:default/payment-service") not in relations_of("group:default/team-payments")


def test_deleting_an_orphan(write_yaml, ingest):
    path = write_yaml("org.yaml", ORG)
    ingest(path)
    write_yaml("org.yaml", ORG.split("---")[0])
    ingest(path)
    services.entity_delete(entity=Entity.objects.get(ref="user:default/jane"))
    assert not Entity.objects.filter(ref="user:default/jane").exists()


def test_refresh_request_enqueues_after_commit(write_yaml, ingest, django_capture_on_commit_callbacks, monkeypatch):
    location = ingest(write_yaml("svc.yaml", SERVICE))
    sent = []
    monkeypatch.setattr("catalog.tasks.location_refresh.delay", lambda location_id: sent.append(location_id))
    with django_capture_on_commit_callbacks(execute=True):
        services.entity_refresh_request(entity=Entity.objects.get(ref="component:default/payment-service"))
    assert sent == [str(location.pk)]
    assert str(location.pk) in services.locations_due(interval_seconds=3600)


def test_refresh_of_a_deleted_location_is_a_no_op():
    assert services.location_refresh(location_id="00000000-0000-0000-0000-000000000000") is None


def test_text_with_tabs_newlines_backslashes_and_unicode_round_trips(write_yaml, ingest):
    description = "Line one\nLine\ttwo with a \\ backslash, \\N, quotes \" and ünïcødé ✓"
    write_yaml("svc.yaml", SERVICE.replace("description: Handles payments", f"description: {json.dumps(description)}"))
    ingest(write_yaml("svc.yaml", SERVICE.replace("description: Handles payments",
                                                  f"description: {json.dumps(description)}")))
    entity = Entity.objects.get(ref="component:default/payment-service")
    assert json.loads(entity.final)["metadata"]["description"] == description
    assert entity.body["metadata"]["description"] == description
    assert entity.search_entries.get(key="metadata.description").value == description.lower()


def test_another_location_takes_over_an_orphan_and_relations_follow(write_yaml, ingest):
    ingest(write_yaml("org.yaml", ORG))
    first = write_yaml("a/svc.yaml", SERVICE)
    ingest(first)
    write_yaml("a/svc.yaml", "")  # the first location stops emitting payment-service
    ingest(first)
    assert Entity.objects.get(ref="component:default/payment-service").orphan
    second = ingest(write_yaml("b/svc.yaml", SERVICE.replace("owner: team-payments", "owner: team-other")))
    entity = Entity.objects.get(ref="component:default/payment-service")
    assert entity.location == second and not entity.orphan
    assert ("ownerOf", "component:default/payment-service") not in relations_of("group:default/team-payments")
