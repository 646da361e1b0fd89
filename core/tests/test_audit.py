"""The audit log: context from the request, append-only, retention, the page and the export."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from core.audit import audit_prune, audit_record
from core.models import AuditEntry, RoleBinding

pytestmark = pytest.mark.django_db


def test_record_outside_a_request_has_no_request_id(owner):
    entry = audit_record(actor=owner, action="catalog.location.create", target="file:/x.yaml")
    assert (entry.actor_name, entry.request_id, entry.source_address) == ("owner", "", None)


def test_entries_cannot_be_changed(owner):
    entry = audit_record(actor=owner, action="x", target="y")
    entry.target = "z"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        AuditEntry.objects.filter(pk=entry.pk).update(target="z")


def test_oversized_detail_is_truncated(owner):
    entry = audit_record(actor=owner, action="x", detail={"blob": "a" * 100_000})
    assert len(json.dumps(entry.detail)) < 10_000


def test_prune_removes_only_entries_older_than_the_retention(owner, settings):
    from django.db import connection

    settings.PAVED_AUDIT_RETENTION_DAYS = 30
    old = audit_record(actor=owner, action="old")
    audit_record(actor=owner, action="new")
    with connection.cursor() as cursor:  # the model refuses updates; age the row underneath it
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET created_at = %s WHERE id = %s",
                       [timezone.now() - timedelta(days=31), old.pk])
    assert audit_prune() == 1
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["new"]
    settings.PAVED_AUDIT_RETENTION_DAYS = 0
    assert audit_prune(now=timezone.now() + timedelta(days=3650)) == 0


def test_audit_page_is_for_admins_only(client_owner, admin_client):
    assert client_owner.get("/audit/").status_code == 403
    assert admin_client.get("/audit/").status_code == 200


def test_audit_page_filters_and_export_streams_json_lines(admin_client, owner, outsider):
    audit_record(actor=owner, action="catalog.entity.delete", target="component:default/a")
    audit_record(actor=outsider, action="githost.repository.push", target="acme/x", outcome="denied")
    page = admin_client.get("/audit/", {"action": "catalog."})
    assert b"component:default/a" in page.content and b"acme/x" not in page.content
    response = admin_client.get("/audit/export.jsonl", {"outcome": "denied"})
    assert response["Cache-Control"] == "no-store"
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [(row["actor"], row["action"], row["outcome"]) for row in lines] == [
        ("outsider", "githost.repository.push", "denied")]


def test_request_id_and_source_address_are_recorded(owner):
    from core.context import RequestContextMiddleware

    def view(request):
        audit_record(actor=owner, action="catalog.location.create", target="file:/x.yaml")
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.test import RequestFactory

    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7", HTTP_X_REQUEST_ID="req-12345678")
    response = RequestContextMiddleware(view)(request)
    assert response["X-Request-ID"] == "req-12345678"
    entry = AuditEntry.objects.get()
    assert (entry.request_id, entry.source_address) == ("req-12345678", "203.0.113.7")


def test_an_unsafe_request_id_is_replaced(owner):
    client = Client(HTTP_X_REQUEST_ID="<script>")
    client.force_login(owner)
    response = client.get("/")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


def test_role_binding_changes_through_the_admin_are_audited(admin_client):
    from core.models import Role

    role = Role.objects.get(name="Platform admin")
    response = admin_client.post("/admin/core/rolebinding/add/", {"role": role.pk, "subject": "group:platform-team"})
    assert response.status_code == 302
    assert RoleBinding.objects.get().subject == "group:default/platform-team"
    assert AuditEntry.objects.filter(action="paved.rolebinding.save", target__contains="platform-team").exists()


def test_audit_entries_are_read_only_in_the_admin(admin_client, owner):
    entry = audit_record(actor=owner, action="x")
    assert admin_client.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/core/auditentry/{entry.pk}/change/", {"action": "y"})
    assert response.status_code == 403
    assert admin_client.get("/admin/core/auditentry/add/").status_code == 403
    assert admin_client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
