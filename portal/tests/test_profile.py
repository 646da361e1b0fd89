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


def test_creating_a_token_shows_the_raw_value_once(client_owner, owner):
    response = client_owner.post("/profile/", {"name": "deploys"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw and raw.encode() in response.content
    assert api_token_user(raw=raw) == owner
    assert owner.api_tokens.get().name == "deploys"

    again = client_owner.get("/profile/")
    assert raw.encode() not in again.content


def test_a_too_long_name_is_refused_without_creating_a_token(client_owner, owner):
    response = client_owner.post("/profile/", {"name": "x" * 101})
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
