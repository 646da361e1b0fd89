"""Hostile values in the audit filter and the API token form: a clear message, never a 500, nothing made."""

import pytest

from portal.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", [
    {"since": "not-a-date"}, {"until": "2026-13-45"}, {"since": "9999999-01-01"},
    {"outcome": "<script>alert(1)</script>"}, {"actor": "x" * 10_000},
    {"target": "\x00"},
])
def test_the_audit_filter_refuses_malformed_values_with_a_message(admin_client, query):
    page = admin_client.get("/audit/", query)
    assert page.status_code == 200 and page.context["form"].errors
    assert list(page.context["page"].object_list) == []  # nothing rather than everything, unfiltered
    assert "<script>alert(1)</script>" not in page.content.decode()
    export = admin_client.get("/audit/export.jsonl", query)
    assert export.status_code == 400 and export.content.startswith(b"The filter is malformed (")


def test_sql_in_a_text_filter_is_only_text(admin_client):
    from core.audit import audit_record

    audit_record(actor=None, action="catalog.location.create", target="x")
    page = admin_client.get("/audit/", {"action": "'; DROP TABLE core_auditentry; --"})
    assert page.status_code == 200 and list(page.context["page"].object_list) == []
    assert admin_client.get("/audit/").context["page"].paginator.count >= 1  # the table is still there


@pytest.mark.parametrize("expires", ["abc", "-5", "99999", "1e9", "", "30; DROP"])
def test_a_malformed_token_expiry_creates_no_token(client_owner, owner, expires):
    response = client_owner.post("/profile/", {"name": "ci", "scope": "read", "expires_in_days": expires})
    assert response.status_code == 200
    assert "expires_in_days" in response.context["form"].errors
    assert not ApiToken.objects.filter(user=owner).exists()


@pytest.mark.parametrize("name", ["x" * 101, "x" * 10_000])
def test_an_overlong_token_name_is_refused(client_owner, owner, name):
    response = client_owner.post("/profile/", {"name": name, "scope": "read", "expires_in_days": "30"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert not ApiToken.objects.filter(user=owner).exists()
