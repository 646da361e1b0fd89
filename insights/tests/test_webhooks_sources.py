"""GitLab, Argo CD and PagerDuty webhooks; webhook sources managed by platform admins."""

import json
from datetime import date

import pytest

from catalog.tests.factories import component_yaml, documents_yaml, yaml_load
from insights.models import Change, Delivery, Deployment, Incident, WebhookSource
from insights.selectors.dora import dora_keys, unmatched_events
from insights.tests.events_fixtures import (
    SECRET,
    make_source,
    pd_signature,
    post,
    process_pending,
    sealing_key,  # noqa: F401  (fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sealing_key")]
SHA = "c" * 40
DAY = {"start": date(2026, 1, 5), "end": date(2026, 1, 5)}


@pytest.fixture
def catalog(tmp_path):
    yaml_load(tmp_path, documents_yaml(
        component_yaml("web", annotations={"gitlab.com/project-slug": "group/web"}),
        component_yaml("api", annotations={"argocd/app-name": "api-prod"}),
        component_yaml("db", annotations={"pagerduty.com/service-id": "PABC123"})))


# --- GitLab ---------------------------------------------------------------------------------------

PROJECT = {"id": 42, "path_with_namespace": "Group/Web"}


def gitlab(payload, event: str, uuid: str, token: str = SECRET):
    return post("/api/insights/webhooks/gitlab", payload, **{"X-Gitlab-Token": token, "X-Gitlab-Event": event,
                                                             "X-Gitlab-Event-UUID": uuid})


def test_gitlab_push_deployment_and_incident(catalog):
    make_source("gitlab")
    gitlab({"object_kind": "push", "after": SHA, "project": PROJECT, "commits": [
        {"id": SHA, "timestamp": "2026-01-05T08:00:00+00:00", "author": {"email": "x@example.com"}}]}, "Push Hook", "1")
    gitlab({"object_kind": "deployment", "status": "success", "deployment_id": 9, "environment": "production",
            "project": PROJECT, "status_changed_at": "2026-01-05 11:00:00 +0100",
            "commit_url": f"https://gitlab.example.com/group/web/-/commit/{SHA}"}, "Deployment Hook", "2")
    gitlab({"object_kind": "issue", "project": PROJECT, "labels": [], "object_attributes": {
        "iid": 5, "issue_type": "incident", "title": "Down", "state": "closed",
        "created_at": "2026-01-05 11:00:00 UTC", "closed_at": "2026-01-05 12:00:00 UTC"}}, "Issue Hook", "3")
    gitlab({"object_kind": "issue", "project": PROJECT, "labels": [], "object_attributes": {
        "iid": 6, "issue_type": "issue", "created_at": "2026-01-05 11:00:00 UTC"}}, "Issue Hook", "4")
    gitlab({"object_kind": "pipeline"}, "Pipeline Hook", "5")
    assert process_pending() == ["processed", "processed", "processed", "ignored", "ignored"]
    keys = dora_keys(**DAY, component_refs=["component:default/web"])
    assert (keys.deployments, keys.lead_time_hours, keys.incidents, keys.restore_hours) == (1, 2.0, 1, 1.0)


def test_gitlab_wrong_token_is_401_and_replay_by_uuid_is_duplicate():
    make_source("gitlab")
    payload = {"object_kind": "push", "after": "0" * 40, "project": PROJECT, "commits": []}
    assert gitlab(payload, "Push Hook", "u", token="nope").status_code == 401
    assert post("/api/insights/webhooks/gitlab", payload).status_code == 401
    assert gitlab(payload, "Push Hook", "u").status_code == 202
    assert gitlab(payload, "Push Hook", "u").json()["status"] == "duplicate"
    assert process_pending() == ["ignored"] and Delivery.objects.count() == 1


# --- Argo CD --------------------------------------------------------------------------------------


def argo(payload, secret: str = SECRET):
    return post("/api/insights/webhooks/argocd", payload, **{"X-Webhook-Secret": secret})


def test_argocd_sync_succeeded_failed_and_rollback(catalog):
    make_source("argocd")
    base = {"app": "api-prod", "revision": SHA}
    argo(base | {"phase": "Succeeded", "finishedAt": "2026-01-05T09:00:00Z"})
    argo(base | {"phase": "Failed", "finishedAt": "2026-01-05T10:00:00Z"})
    argo(base | {"phase": "Succeeded", "finishedAt": "2026-01-05T11:00:00Z", "rollback": True})
    argo(base | {"phase": "Running", "finishedAt": "2026-01-05T12:00:00Z"})
    assert process_pending() == ["processed", "processed", "processed", "ignored"]
    keys = dora_keys(**DAY, component_refs=["component:default/api"])
    # Counted: the 09:00 sync and the rollback; the rollback failed the 09:00 one; the failed sync is not counted.
    assert (keys.deployments, keys.failed_deployments, keys.change_failure_rate) == (2, 1, 0.5)
    assert Deployment.objects.filter(status="failure").count() == 1


def test_argocd_without_the_secret_header_is_401():
    make_source("argocd")
    assert post("/api/insights/webhooks/argocd", {"app": "x"}).status_code == 401
    assert argo({"app": "x"}, secret="wrong-wrong-wrong").status_code == 401
    assert Delivery.objects.count() == 0


def test_argocd_bad_revision_fails_naming_the_field():
    make_source("argocd")
    argo({"app": "api-prod", "phase": "Succeeded", "finishedAt": "2026-01-05T09:00:00Z", "revision": "HEAD~1"})
    assert process_pending() == ["failed"]
    assert "payload.revision" in Delivery.objects.get().note


# --- PagerDuty ------------------------------------------------------------------------------------


def pagerduty(kind: str, event_id: str, occurred: str, secret: str = SECRET, service_id: str = "PABC123"):
    body = json.dumps({"event": {"id": event_id, "event_type": kind, "occurred_at": occurred, "data": {
        "id": "Q1", "type": "incident", "title": "DB slow", "created_at": "2026-01-05T10:00:00Z",
        "service": {"id": service_id, "summary": "Database"}, "urgency": "high"}}}).encode()
    return post("/api/insights/webhooks/pagerduty", body,
                **{"X-PagerDuty-Signature": f"v1=deadbeef, {pd_signature(body, secret)}"})


def test_pagerduty_triggered_then_resolved(catalog):
    make_source("pagerduty")
    assert pagerduty("incident.triggered", "e1", "2026-01-05T10:00:00Z").status_code == 202
    assert pagerduty("incident.acknowledged", "e2", "2026-01-05T10:05:00Z").status_code == 202
    assert pagerduty("incident.resolved", "e3", "2026-01-05T10:45:00Z").status_code == 202
    assert pagerduty("incident.resolved", "e3", "2026-01-05T10:45:00Z").json()["status"] == "duplicate"
    assert process_pending() == ["processed", "ignored", "processed"]
    incident = Incident.objects.get()
    assert (incident.component_ref, incident.severity) == ("component:default/db", "high")
    keys = dora_keys(**DAY, component_refs=["component:default/db"])
    assert (keys.incidents, keys.unresolved_incidents, keys.restore_hours, keys.bands["restore"]) == (
        1, 0, 0.75, "elite")


def test_pagerduty_bad_signature_is_401():
    make_source("pagerduty")
    assert pagerduty("incident.triggered", "e1", "2026-01-05T10:00:00Z", secret="other-other-other").status_code == 401
    assert Delivery.objects.count() == 0


def test_pagerduty_unknown_service_is_listed_as_unmatched():
    make_source("pagerduty")
    pagerduty("incident.triggered", "e1", "2026-01-05T10:00:00Z", service_id="PZZZ")
    process_pending()
    [item] = unmatched_events()
    assert (item.kind, item.service, item.count) == ("incident", "Database", 1)
    assert item.match_keys == [["pagerduty.com/service-id", "pzzz"]]


# --- Sources --------------------------------------------------------------------------------------


def test_only_platform_admins_save_sources_and_it_is_audited(owner, admin_user):
    from django.core.exceptions import PermissionDenied

    from core.models import AuditEntry
    from insights.services.events import webhook_source_save

    with pytest.raises(PermissionDenied):
        webhook_source_save(actor=owner, name="gh", kind="github", secret="x" * 20)
    with pytest.raises(ValueError, match="at least 16"):
        webhook_source_save(actor=admin_user, name="gh", kind="github", secret="short")
    source = webhook_source_save(actor=admin_user, name="gh", kind="github", secret="y" * 20)
    assert WebhookSource.objects.get().kind == "github" and "y" * 20 not in source.secret_sealed
    assert AuditEntry.objects.filter(action="insights.webhook_source.save", outcome="success").count() == 1


def test_disabled_source_refuses(catalog):
    source = make_source("argocd")
    assert argo({"app": "api-prod", "phase": "Succeeded", "finishedAt": "2026-01-05T08:00:00Z"}).status_code == 202
    source.enabled = False
    source.save()
    from insights.services.events import webhook_sources_forget

    webhook_sources_forget()  # what the admin's save does (other processes: within SOURCE_CACHE_SECONDS)
    assert argo({"app": "api-prod", "phase": "Succeeded", "finishedAt": "2026-01-05T09:00:00Z"}).status_code == 401


def test_change_without_any_deployment_has_no_lead_time():
    make_source("gitlab")
    gitlab({"object_kind": "push", "after": SHA, "project": PROJECT, "commits": [
        {"id": SHA, "timestamp": "2026-01-05T08:00:00Z", "author": {"email": "x@example.com"}}]}, "Push Hook", "1")
    process_pending()
    assert Change.objects.get().lead_seconds is None
    assert dora_keys(**DAY).lead_time_hours is None


def test_admin_creates_a_source_with_a_sealed_secret(admin_client):
    response = admin_client.post("/admin/insights/webhooksource/add/", {
        "name": "gh", "kind": "github", "enabled": "on", "incident_label": "incident", "secret": "z" * 24})
    assert response.status_code == 302, response.content[:500]
    source = WebhookSource.objects.get(name="gh")
    assert "z" * 24 not in source.secret_sealed and source.kind == "github"
    missing = admin_client.post("/admin/insights/webhooksource/add/", {"name": "gl", "kind": "gitlab"})
    assert missing.status_code == 200 and not WebhookSource.objects.filter(name="gl").exists()
    assert admin_client.get("/admin/insights/delivery/").status_code == 200


def test_admin_is_closed_to_staff_who_are_not_platform_admins(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", "s@example.com", "x", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/insights/webhooksource/").status_code == 403


def test_without_the_encryption_key_deliveries_are_refused_not_500(settings):
    make_source("argocd")
    settings.PAVED_SECRETS_ENCRYPTION_KEY = ""
    from insights.services.events import webhook_sources_forget

    webhook_sources_forget()
    response = argo({"app": "api-prod", "phase": "Succeeded", "finishedAt": "2026-01-05T08:00:00Z"})
    assert response.status_code == 401 and "PAVED_SECRETS_ENCRYPTION_KEY" in response.json()["error"]["message"]
    assert Delivery.objects.count() == 0


def test_pagerduty_truncated_body_signed_as_sent_is_400():
    make_source("pagerduty")
    body = b'{"event": {"id": "e1", "event_type": "incident.trig'
    response = post("/api/insights/webhooks/pagerduty", body, **{"X-PagerDuty-Signature": pd_signature(body)})
    assert response.status_code == 400 and Delivery.objects.count() == 0


def test_admin_without_the_encryption_key_says_so_on_the_form(admin_client, settings):
    settings.PAVED_SECRETS_ENCRYPTION_KEY = ""
    response = admin_client.post("/admin/insights/webhooksource/add/", {
        "name": "gh", "kind": "github", "enabled": "on", "incident_label": "incident", "secret": "z" * 24})
    assert response.status_code == 200 and "PAVED_SECRETS_ENCRYPTION_KEY" in response.content.decode()
    assert not WebhookSource.objects.exists()
