"""GitHub webhooks end to end: signature, idempotency, normalisation, matching, the four keys."""

import json
from datetime import date

import pytest

from catalog.tests.factories import component_yaml, yaml_load
from insights.models import Change, Delivery, Deployment, Incident
from insights.selectors.dora import dora_keys
from insights.tests.events_fixtures import (
    SECRET,
    github_post,
    hub_signature,
    make_source,
    post,
    process_pending,
    sealing_key,  # noqa: F401  (fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sealing_key")]

REPO = {"full_name": "Acme/Payments", "name": "payments"}
SHA1, SHA2 = "a" * 40, "b" * 40


def deployment_status(state: str, at: str, deployment_id: int = 7, sha: str = SHA2, env: str = "production"):
    return {"deployment_status": {"state": state, "created_at": at},
            "deployment": {"id": deployment_id, "sha": sha, "environment": env, "created_at": at},
            "repository": REPO}


def push(after: str, commits: list[tuple[str, str]]):
    return {"ref": "refs/heads/main", "after": after, "repository": REPO,
            "commits": [{"id": sha, "timestamp": ts, "author": {"email": "Dev@Example.com", "username": "dev"}}
                        for sha, ts in commits]}


@pytest.fixture
def component(tmp_path):
    yaml_load(tmp_path, component_yaml("payments-api", annotations={"github.com/project-slug": "acme/payments"}))
    return "component:default/payments-api"


def test_push_then_deploy_gives_lead_time_and_matches_by_annotation(component):
    make_source("github")
    assert github_post("push", push(SHA2, [(SHA1, "2026-01-05T08:00:00Z"), (SHA2, "2026-01-05T09:00:00+01:00")]),
                       "d-1").status_code == 202
    assert github_post("deployment", deployment_status("pending", "2026-01-05T10:00:00Z") | {
        "deployment": {"id": 7, "sha": SHA2, "environment": "production", "created_at": "2026-01-05T10:00:00Z"}},
        "d-2").status_code == 202
    success = deployment_status("success", "2026-01-05T12:00:00Z")
    assert github_post("deployment_status", success, "d-3").status_code == 202
    assert process_pending() == ["processed", "processed", "processed"]
    deployment = Deployment.objects.get()
    assert (deployment.component_ref, deployment.status, deployment.production) == (component, "success", True)
    # Lead times: 12:00 - 08:00 = 4 h and 12:00 - 08:00 (09:00+01:00) = 4 h.
    assert sorted(Change.objects.values_list("lead_seconds", flat=True)) == [4 * 3600, 4 * 3600]
    keys = dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5), component_refs=[component])
    assert (keys.deployments, keys.lead_time_hours, keys.changes) == (1, 4.0, 2)
    assert Change.objects.get(sha=SHA1).author == "dev@example.com"


def test_replayed_delivery_is_stored_once_and_answers_duplicate(component):
    make_source("github")
    payload = deployment_status("success", "2026-01-05T12:00:00Z")
    assert github_post("deployment_status", payload, "same").status_code == 202
    replay = github_post("deployment_status", payload, "same")
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    process_pending()
    assert Delivery.objects.count() == 1
    assert dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5)).deployments == 1


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc", "sha256=zz"])
def test_bad_or_missing_signature_is_401_and_stores_nothing(signature):
    make_source("github")
    body = json.dumps(deployment_status("success", "2026-01-05T12:00:00Z")).encode()
    headers = {"X-GitHub-Event": "deployment_status", "X-GitHub-Delivery": "x"}
    if signature:
        headers["X-Hub-Signature-256"] = signature
    response = post("/api/insights/webhooks/github", body, **headers)
    assert response.status_code == 401 and response.json()["error"]["name"] == "AuthenticationError"
    assert Delivery.objects.count() == 0


def test_signed_with_another_secret_or_unknown_source_is_401():
    make_source("github")
    assert github_post("push", push(SHA1, []), "x", secret="other-secret-other-secret").status_code == 401
    assert github_post("push", push(SHA1, []), "x", name="nosuch").status_code == 401
    assert Delivery.objects.count() == 0


def test_body_changed_after_signing_is_401():
    make_source("github")
    body = json.dumps(push(SHA1, [(SHA1, "2026-01-05T08:00:00Z")])).encode()
    truncated = body[: len(body) // 2]
    response = post("/api/insights/webhooks/github", truncated, **{
        "X-GitHub-Event": "push", "X-GitHub-Delivery": "t", "X-Hub-Signature-256": hub_signature(body)})
    assert response.status_code == 401 and Delivery.objects.count() == 0


def test_truncated_body_signed_as_sent_is_400_naming_the_json_error():
    make_source("github")
    body = json.dumps(push(SHA1, []))[:40].encode()
    response = post("/api/insights/webhooks/github", body, **{
        "X-GitHub-Event": "push", "X-GitHub-Delivery": "t", "X-Hub-Signature-256": hub_signature(body)})
    assert response.status_code == 400 and "Malformed JSON" in response.json()["error"]["message"]
    assert Delivery.objects.count() == 0


def test_oversized_delivery_is_413(settings):
    settings.PAVED_INSIGHTS_WEBHOOK_MAX_BYTES = 2048
    make_source("github")
    payload = push(SHA1, [(SHA1, "2026-01-05T08:00:00Z")]) | {"padding": "x" * 4000}
    assert github_post("push", payload, "big").status_code == 413
    assert Delivery.objects.count() == 0


def test_missing_delivery_id_is_400():
    make_source("github")
    body = json.dumps(push(SHA1, [])).encode()
    response = post("/api/insights/webhooks/github", body, **{"X-GitHub-Event": "push",
                                                              "X-Hub-Signature-256": hub_signature(body)})
    assert response.status_code == 400 and "X-GitHub-Delivery" in response.json()["error"]["message"]


def test_unknown_event_type_is_recorded_and_ignored():
    make_source("github")
    assert github_post("star", {"action": "created", "repository": REPO}, "s").status_code == 202
    assert process_pending() == ["ignored"]
    delivery = Delivery.objects.get()
    assert "star" in delivery.note and Deployment.objects.count() == 0


def test_wrong_field_type_fails_the_delivery_naming_the_field():
    make_source("github")
    payload = deployment_status("success", "2026-01-05T12:00:00Z")
    payload["deployment"]["id"] = "seven"
    github_post("deployment_status", payload, "w")
    assert process_pending() == ["failed"]
    assert "deployment.id: expected an integer" in Delivery.objects.get().note
    assert Deployment.objects.count() == 0


def test_unknown_service_is_kept_unmatched_then_matched_when_the_catalog_learns_it(tmp_path):
    from insights.services.events import unmatched_rematch

    make_source("github")
    github_post("deployment_status", deployment_status("success", "2026-01-05T12:00:00Z"), "u")
    process_pending()
    assert Deployment.objects.get().component_ref == ""
    ref = "component:default/payments-api"
    assert dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5), component_refs=[ref]).deployments == 0
    assert dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5)).deployments == 1  # the organisation counts it
    yaml_load(tmp_path, component_yaml("payments-api", annotations={"github.com/project-slug": "acme/payments"}))
    assert unmatched_rematch() == 1
    assert dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5), component_refs=[ref]).deployments == 1
    assert dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5)).deployments == 1


def test_incident_issue_with_root_cause_fails_the_deployment(component):
    make_source("github")
    github_post("deployment_status", deployment_status("success", "2026-01-05T12:00:00Z"), "d")
    issue = {"action": "closed", "repository": REPO, "issue": {
        "number": 3, "title": "Checkout down", "state": "closed", "created_at": "2026-01-05T13:00:00Z",
        "closed_at": "2026-01-05T13:30:00Z", "labels": [{"name": "Incident"}], "body": f"Root cause: {SHA2[:10]}"}}
    github_post("issues", issue, "i")
    github_post("issues", issue | {"issue": issue["issue"] | {"labels": [{"name": "bug"}], "number": 4}}, "j")
    assert process_pending() == ["processed", "processed", "ignored"]
    incident = Incident.objects.get()
    assert incident.caused_by == Deployment.objects.get() and incident.component_ref == component
    keys = dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5), component_refs=[component])
    assert (keys.change_failure_rate, keys.restore_hours, keys.incidents) == (1.0, 0.5, 1)


def test_unmerged_pull_request_ignored_merged_one_is_a_change():
    make_source("github")
    pull = {"merged": False, "merge_commit_sha": SHA1, "created_at": "2026-01-04T10:00:00Z", "user": {"login": "Dev"}}
    github_post("pull_request", {"action": "closed", "repository": REPO, "pull_request": pull}, "p1")
    github_post("pull_request", {"action": "closed", "repository": REPO, "pull_request": pull | {"merged": True}}, "p2")
    assert process_pending() == ["ignored", "processed"]
    assert Change.objects.get().author == "dev"


def test_get_is_405_and_secret_is_sealed_at_rest():
    source = make_source("github")
    response = post("/api/insights/webhooks/github", b"{}")
    assert response.status_code == 401
    from django.test import Client

    assert Client().get("/api/insights/webhooks/github").status_code == 405
    assert SECRET not in source.secret_sealed


def test_late_created_event_does_not_undo_the_outcome_and_processing_twice_is_a_no_op(component):
    from insights.services.events import delivery_process

    make_source("github")
    github_post("deployment_status", deployment_status("success", "2026-01-05T12:00:00Z"), "s")
    github_post("deployment", deployment_status("pending", "2026-01-05T10:00:00Z"), "c")
    assert process_pending() == ["processed", "processed"]
    for delivery in Delivery.objects.all():  # a redelivered Celery message
        assert delivery_process(delivery_id=delivery.pk) == "processed"
    deployment = Deployment.objects.get()
    assert (deployment.status, deployment.deployed_at.hour) == ("success", 12)
    assert dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5), component_refs=[component]).deployments == 1


def test_staging_deployment_is_stored_but_not_counted(component):
    make_source("github")
    github_post("deployment_status", deployment_status("success", "2026-01-05T12:00:00Z", env="staging"), "s")
    process_pending()
    assert Deployment.objects.get().production is False
    assert dora_keys(start=date(2026, 1, 5), end=date(2026, 1, 5)).deployments == 0
