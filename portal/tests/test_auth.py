import pytest

from portal.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/search/?q=x", "/profile/", "/catalog/", "/insights/"])
def test_pages_redirect_anonymous_visitors_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_api_paths_answer_401_with_backstages_error_envelope(client):
    response = client.get("/api/catalog/entities")
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["name"] == "AuthenticationError"
    assert body["response"] == {"statusCode": 401}
    assert body["request"]["method"] == "GET"


def test_a_bearer_token_signs_in_its_owner(client, api_token, owner):
    response = client.get("/profile/", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
    assert response.context["user"] == owner
    assert ApiToken.objects.get(user=owner).last_used_at is not None


def test_a_bad_bearer_token_is_401_even_on_pages(client, api_token):
    response = client.get("/", headers={"Authorization": "Bearer pvd_not-a-token"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid, expired or revoked API token."


def test_a_revoked_token_is_refused(client, api_token, owner):
    ApiToken.objects.filter(user=owner).update(revoked=True)
    response = client.get("/api/catalog/entities", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 401


def test_a_token_of_an_inactive_user_is_refused(client, api_token, owner):
    owner.is_active = False
    owner.save()
    assert client.get("/", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401


def test_login_page_is_public(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"Sign in to Paved" in response.content


def test_signing_in_with_the_form_lands_on_home(client, owner, password):
    response = client.post("/login/", {"username": "owner", "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"] == owner


def test_logout_is_post_only(client_owner):
    assert client_owner.get("/logout/").status_code == 405
    response = client_owner.post("/logout/")
    assert response.status_code == 302
    assert client_owner.get("/").status_code == 302


def test_token_lookups_are_cached_and_revocation_clears_the_cache(owner, settings, django_assert_num_queries, client):
    from portal.tokens import api_token_cache_clear, api_token_create, api_token_user

    settings.PAVED_TOKEN_CACHE_SECONDS = 60
    api_token_cache_clear()
    raw = api_token_create(user=owner)
    assert api_token_user(raw=raw) == owner
    with django_assert_num_queries(0):
        assert api_token_user(raw=raw) == owner
    client.force_login(owner)
    token_id = owner.api_tokens.get().pk
    client.post(f"/profile/tokens/{token_id}/revoke/")
    assert api_token_user(raw=raw) is None
