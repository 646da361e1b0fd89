"""Exemptions: owners request (reason, expiry ≤ the maximum, a real check), platform admins approve or
reject, anyone who may approve revokes; every change audited and notified; decisions and expiries ask for
a rescore of the entity once the transaction commits."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from core.models import AuditEntry, Notification
from scorecards.models import Exemption
from scorecards.services import exemptions as svc
from scorecards.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")


@pytest.fixture
def card(org):
    card = f.scorecard()
    f.score(card, "orders", points=78, failing=("runbook", "cost-labels"), level="Silver")
    return card


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(svc, "task_enqueue_on_commit", lambda name, *args: calls.append((name, args)))
    return calls


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_owner_requests_and_admins_are_notified(card, org, owner, admin):
    exemption = svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook",
                                      reason="The runbook lives in the vendor's portal", expires_at=_in(30))
    assert exemption.status == Exemption.Status.PENDING and exemption.entity_ref == "component:default/orders"
    assert AuditEntry.objects.filter(action="scorecards.exemption.request", actor=owner).count() == 1
    note = Notification.objects.get(recipient=admin)
    assert "Exemption requested" in note.title and note.link == "/scorecards/entities/default/component/orders/"
    assert not Notification.objects.filter(recipient=owner).exists()


def test_non_owner_may_not_request_and_the_refusal_is_audited(card, org, outsider):
    with pytest.raises(PermissionDenied):
        svc.exemption_request(user=outsider, scorecard=card, entity=org.orders, check_key="runbook", reason="x",
                              expires_at=_in(10))
    assert AuditEntry.objects.filter(action="scorecards.exemption.request", outcome="denied").exists()
    assert not Exemption.objects.exists()


@pytest.mark.parametrize(("check", "reason", "expires", "field"), [
    ("runbook", "   ", 30, "reason"),
    ("runbook", "x" * 5000, 30, "reason"),
    ("not-a-check", "why", 30, "check"),
    ("'; drop table scorecards_exemption; --", "why", 30, "check"),
    ("runbook", "why", 400, "expires_at"),
    ("runbook", "why", -1, "expires_at"),
    ("runbook", "why", "31/12/2026", "expires_at"),
    ("runbook", "why", None, "expires_at"),
])
def test_bad_requests_name_the_field_and_store_nothing(card, org, owner, check, reason, expires, field):
    expires_at = _in(expires) if isinstance(expires, int) else expires
    with pytest.raises(ValidationError) as info:
        svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key=check, reason=reason,
                              expires_at=expires_at)
    assert field in info.value.message_dict
    assert not Exemption.objects.exists()


def test_a_second_open_request_for_the_same_check_is_refused(card, org, owner):
    svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook", reason="a",
                          expires_at=_in(5))
    with pytest.raises(ValidationError, match="already has a pending"):
        svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook", reason="b",
                              expires_at=_in(5))


def test_admin_approves_requester_notified_rescore_enqueued(card, org, owner, admin, enqueued):
    exemption = svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook",
                                      reason="vendor", expires_at=_in(30))
    svc.exemption_decide(user=admin, exemption=exemption, approve=True, entity=org.orders, note="ok until Q2")
    exemption.refresh_from_db()
    assert exemption.status == "approved" and exemption.decided_by == admin and exemption.decision_note == "ok until Q2"
    assert Notification.objects.filter(recipient=owner, title__startswith="Exemption approved").exists()
    assert enqueued == [("scorecards.tasks.entities_rescore", (["component:default/orders"],))]
    assert AuditEntry.objects.filter(action="scorecards.exemption.approve", actor=admin).exists()
    with pytest.raises(ValidationError, match="already approved"):
        svc.exemption_decide(user=admin, exemption=exemption, approve=False, entity=org.orders)


def test_owner_may_not_approve(card, org, owner, enqueued):
    exemption = svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook",
                                      reason="vendor", expires_at=_in(30))
    with pytest.raises(PermissionDenied):
        svc.exemption_decide(user=owner, exemption=exemption, approve=True, entity=org.orders)
    exemption.refresh_from_db()
    assert exemption.status == "pending" and enqueued == []


def test_reject_and_revoke(card, org, owner, admin, enqueued):
    first = svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook", reason="a",
                                  expires_at=_in(30))
    svc.exemption_decide(user=admin, exemption=first, approve=False, entity=org.orders)
    assert Exemption.objects.get(pk=first.pk).status == "rejected"
    second = svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook", reason="b",
                                   expires_at=_in(30))
    svc.exemption_decide(user=admin, exemption=second, approve=True, entity=org.orders)
    svc.exemption_revoke(user=admin, exemption=second, entity=org.orders)
    assert Exemption.objects.get(pk=second.pk).status == "revoked"
    assert len(enqueued) == 3
    with pytest.raises(ValidationError):
        svc.exemption_revoke(user=admin, exemption=second, entity=org.orders)


def test_expiry_sweep_asks_for_a_rescore_of_just_expired_exemptions(card, owner, settings, enqueued):
    now = timezone.now()
    settings.PAVED_SCORECARDS_EXEMPTION_SWEEP_SECONDS = 3600
    for name, hours, status in (("a", -1, "approved"), ("b", -5, "approved"), ("c", 2, "approved"),
                                ("d", -1, "rejected")):
        Exemption.objects.create(scorecard=card, entity_ref=f"component:default/{name}", check_key="runbook",
                                 reason="r", status=status, expires_at=now + datetime.timedelta(hours=hours))
    assert svc.exemptions_expire(now=now) == ["component:default/a"]
    assert enqueued == [("scorecards.tasks.entities_rescore", (["component:default/a"],))]


def test_expiry_task_runs_the_sweep(card, monkeypatch):
    from scorecards import tasks

    monkeypatch.setattr(tasks.exemption_services, "exemptions_expire", lambda: ["component:default/x"])
    assert tasks.exemptions_expire() == 1


def test_platform_admins_include_bound_groups(card, org, owner, lead):
    from core.models import Grant, Role, RoleBinding

    role = Role.objects.create(name="platform")
    Grant.objects.create(role=role, permission="*")
    RoleBinding.objects.create(role=role, subject="group:default/engineering")
    assert {u.username for u in svc.platform_admins()} >= {"lead"}


# --- Views ---------------------------------------------------------------------------------------


URL = "/scorecards/entities/default/component/orders/"


def test_request_view_then_admin_approves_through_htmx(card, org, owner, admin, client_owner, enqueued):
    response = client_owner.post(URL + "exemptions/", {"scorecard": card.slug, "check_key": "runbook",
                                                       "reason": "vendor portal", "expires_at": _in(20).isoformat()})
    assert response.status_code == 302 and response["Location"] == URL
    exemption = Exemption.objects.get()
    body = client_owner.get(URL).content.decode()
    assert "Waiting for approval" in body and "vendor portal" in body
    admin_client = Client()
    admin_client.force_login(admin)
    assert "Approve" in admin_client.get(URL).content.decode()
    response = admin_client.post(f"/scorecards/exemptions/{exemption.pk}/approve/", {"note": "fine"},
                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "Approved" in response.content.decode()
    assert Exemption.objects.get().status == "approved"


def test_request_view_rejects_bad_input_with_a_message(card, client_owner):
    response = client_owner.post(URL + "exemptions/", {"scorecard": card.slug, "check_key": "runbook",
                                                       "reason": "", "expires_at": "tomorrow"},
                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    text = response.content.decode()
    assert "The exemption was not requested" in text and "reason" in text and "expires_at" in text
    assert not Exemption.objects.exists()
    response = client_owner.post(URL + "exemptions/", {"scorecard": "nope", "check_key": "runbook",
                                                       "reason": "x", "expires_at": _in(3).isoformat()},
                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "no such scorecard" in response.content.decode()


def test_decide_view_access_and_methods(card, org, owner, client_owner):
    exemption = svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook",
                                      reason="x", expires_at=_in(3))
    assert client_owner.post(f"/scorecards/exemptions/{exemption.pk}/approve/").status_code == 403
    assert client_owner.get(f"/scorecards/exemptions/{exemption.pk}/approve/").status_code == 405
    assert client_owner.post(f"/scorecards/exemptions/{exemption.pk}/explode/").status_code == 404
    assert client_owner.post("/scorecards/exemptions/999999/approve/").status_code == 404
    assert client_owner.get(URL + "exemptions/").status_code == 405
    assert Client().post(URL + "exemptions/", {}).status_code == 302  # to sign-in


def test_pending_list(card, org, owner, client_owner):
    svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key="runbook",
                          reason="<b>vendor</b>", expires_at=_in(3))
    response = client_owner.get("/scorecards/exemptions/")
    body = response.content.decode()
    assert response.status_code == 200 and "component:default/orders" in body
    assert "&lt;b&gt;vendor&lt;/b&gt;" in body and "Only platform admins approve" in body
    assert client_owner.post("/scorecards/exemptions/").status_code == 405


def test_pending_list_query_count_does_not_grow(card, org, owner, client_owner, django_assert_max_num_queries):
    client_owner.get("/scorecards/exemptions/")
    with django_assert_max_num_queries(10) as few:
        client_owner.get("/scorecards/exemptions/")
    for key in ("docs", "runbook", "coverage", "cost-labels"):
        svc.exemption_request(user=owner, scorecard=card, entity=org.orders, check_key=key, reason="r",
                              expires_at=_in(3))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client_owner.get("/scorecards/exemptions/").content.decode().count("component:default/orders") == 4
