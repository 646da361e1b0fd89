"""Password sign-ins, failures and sign-outs are in the audit log too (single sign-on: test_oidc_login)."""

from core.models import AuditEntry


def test_password_sign_in_is_recorded(client, owner, password):
    client.post("/login/", {"username": "owner", "password": password})

    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == owner and entry.target == "user:owner" and entry.detail["method"] == "password"


def test_a_wrong_password_is_recorded_with_the_name_tried_and_not_the_password(client, owner):
    client.post("/login/", {"username": "owner", "password": "guess-123"})

    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.actor is None and entry.actor_name == "owner" and entry.outcome == "failed"
    assert "guess-123" not in str(entry.detail)


def test_sign_out_is_recorded(client, owner, password):
    client.post("/login/", {"username": "owner", "password": password})
    client.post("/logout/")

    entry = AuditEntry.objects.get(action="auth.logout")
    assert entry.actor == owner
