import pytest

from portal.models import ApiToken
from portal.tokens import api_token_create, api_token_user

pytestmark = pytest.mark.django_db


def test_profile_lists_only_my_tokens(client_owner, owner, outsider):
    api_token_create(user=owner, name="mine")
    api_token_create(user=outsider, name="theirs")
    response = client_owner.get("/profile/")
    assert response.status_code == 200
    assert [t.name for t in response.context["tokens"]] == ["mine"]


def test_creating_a_token_redirects_then_shows_the_raw_value_once(client_owner, owner):
    response = client_owner.post("/profile/", {"name": "deploys", "scope": "write", "expires_in_days": "30"})
    assert response.status_code == 302  # post/redirect/get
    shown = client_owner.get("/profile/")
    assert "no-store" in shown["Cache-Control"]
    raw = shown.context["raw_token"]
    assert raw and raw.encode() in shown.content
    assert api_token_user(raw=raw) == owner
    token = owner.api_tokens.get()
    assert token.name == "deploys" and token.scopes == ["read", "write"] and token.expires_at is not None

    # A reload neither shows it again nor makes a second token.
    again = client_owner.get("/profile/")
    assert raw.encode() not in again.content
    assert owner.api_tokens.count() == 1


def test_token_creation_and_revocation_are_audited(client_owner, owner):
    from core.models import AuditEntry

    client_owner.post("/profile/", {"name": "ci", "scope": "read", "expires_in_days": "0"})
    token = owner.api_tokens.get()
    assert token.scopes == ["read"] and token.expires_at is None
    client_owner.post(f"/profile/tokens/{token.pk}/revoke/")
    assert list(AuditEntry.objects.filter(action__startswith="paved.token").order_by("id").values_list(
        "action", flat=True)) == [
        "paved.token.create", "paved.token.revoke"]


def test_a_too_long_name_is_refused_without_creating_a_token(client_owner, owner):
    response = client_owner.post("/profile/", {"name": "x" * 101, "scope": "read", "expires_in_days": "90"})
    assert response.status_code == 200
    assert response.context["raw_token"] is None
    assert not owner.api_tokens.exists()


def test_revoking_my_token_disables_it(client_owner, owner):
    raw = api_token_create(user=owner)
    token = ApiToken.objects.get(user=owner)
    response = client_owner.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert api_token_user(raw=raw) is None


def test_revoking_someone_elses_token_is_404(client_owner, outsider):
    raw = api_token_create(user=outsider)
    token = ApiToken.objects.get(user=outsider)
    assert client_owner.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert api_token_user(raw=raw) == outsider


def test_revoke_is_post_only(client_owner, owner):
    api_token_create(user=owner)
    token = ApiToken.objects.get(user=owner)
    assert client_owner.get(f"/profile/tokens/{token.pk}/revoke/").status_code == 405
