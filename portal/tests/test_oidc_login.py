"""Single sign-on end to end: the Django test client against a real OpenID Connect provider over HTTP."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from catalog.tests.factories import yaml_load
from core.models import AuditEntry
from portal.tests.oidc_provider import configure_sso, running_provider

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice}
spec: {profile: {email: Alice@Example.com}, memberOf: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {memberOf: []}
"""
PASSWORD = "idp-password"


@pytest.fixture
def provider(settings, db, tmp_path):
    cache.clear()  # the discovery document is cached per URL
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    yaml_load(tmp_path, CATALOG)
    with running_provider() as provider:
        configure_sso(settings, provider)
        yield provider


def start(client, next_url: str = "") -> str:
    response = client.get("/login/sso/" + (f"?{urlencode({'next': next_url})}" if next_url else ""))
    assert response.status_code == 302, response.content
    return response["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.path == "/login/sso/callback/", url
    return f"{parts.path}?{parts.query}"


def sso_sign_in(client, provider, username: str, *, next_url: str = ""):
    """Start at Paved, sign in at the provider, follow its redirect back; the callback's response."""
    return client.get(callback_path(provider.sign_in(start(client, next_url), username, PASSWORD)))


def signed_in_user(client):
    response = client.get("/")
    return response.wsgi_request.user


def test_login_page_shows_both_ways_in_when_sso_is_on(client, provider, settings):
    settings.PAVED_OIDC_DISPLAY_NAME = "Acme Okta"
    page = client.get("/login/?next=/catalog/")
    assert b"Sign in with Acme Okta" in page.content
    assert b'href="/login/sso/?next=/catalog/"' in page.content
    assert b'name="password"' in page.content


def test_login_page_has_no_sso_button_and_sso_routes_404_when_off(client, settings, db):
    settings.PAVED_OIDC_ENABLED = False
    assert b"/login/sso/" not in client.get("/login/").content
    assert client.get("/login/sso/").status_code == 404
    assert client.get("/login/sso/callback/?code=x&state=y").status_code == 404


def test_the_request_to_the_provider_carries_state_nonce_and_a_pkce_challenge(client, provider):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["client_id"] == ["paved-test"]
    assert query["redirect_uri"] == ["http://testserver/login/sso/callback/"]
    assert "openid" in query["scope"][0].split()
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]


def test_signs_in_by_email_as_the_catalog_user(client, provider):
    provider.add_user("a.smith", PASSWORD, email="alice@example.com", email_verified=True, preferred_username="x")

    response = sso_sign_in(client, provider, "a.smith")

    assert response.status_code == 302 and response["Location"] == "/"
    user = signed_in_user(client)
    assert user.get_username() == "alice"
    assert user.email == "Alice@Example.com"  # as the catalog writes it
    assert not user.has_usable_password()
    token_request = provider.token_requests[-1]
    assert token_request["code_verifier"] and token_request["authorization"].startswith("Basic ")
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == user and entry.target == "user:default/alice" and entry.outcome == "success"
    assert entry.detail["method"] == "sso" and entry.detail["email"] == "alice@example.com"


def test_signs_in_by_name_and_reuses_the_account_next_time(client, provider):
    provider.add_user("bob", PASSWORD, preferred_username="Bob")

    assert sso_sign_in(client, provider, "bob").status_code == 302
    client.logout()
    assert sso_sign_in(client, provider, "bob").status_code == 302

    assert signed_in_user(client).get_username() == "bob"
    assert get_user_model().objects.filter(username__iexact="bob").count() == 1


def test_resolvers_are_tried_in_the_configured_order(client, provider, settings):
    # E-mail says alice, username says bob: the first resolver listed wins.
    provider.add_user("both", PASSWORD, email="alice@example.com", preferred_username="bob")
    settings.PAVED_OIDC_RESOLVERS = ["usernameMatchingUserEntityName", "emailMatchingUserEntityProfileEmail"]

    sso_sign_in(client, provider, "both")

    assert signed_in_user(client).get_username() == "bob"


def test_email_local_part_resolver_only_trusts_the_configured_domains(client, provider, settings):
    settings.PAVED_OIDC_RESOLVERS = ["emailLocalPartMatchingUserEntityName"]
    settings.PAVED_OIDC_EMAIL_DOMAINS = ["corp.example"]
    provider.add_user("outside", PASSWORD, email="bob@gmail.example", email_verified=True)
    provider.add_user("inside", PASSWORD, email="bob@corp.example", email_verified=True)

    assert sso_sign_in(client, provider, "outside").status_code == 403
    assert sso_sign_in(client, provider, "inside").status_code == 302
    assert signed_in_user(client).get_username() == "bob"


def test_unknown_user_gets_a_clear_refusal_page_and_no_account(client, provider, settings):
    settings.PAVED_OIDC_SUPPORT_CONTACT = "#platform-help"
    provider.add_user("carol", PASSWORD, email="carol@example.com", email_verified=True)
    users_before = get_user_model().objects.count()

    response = sso_sign_in(client, provider, "carol")

    assert response.status_code == 403
    text = response.content.decode()
    assert "not in the Paved catalog" in text and "spec.profile.email: carol@example.com" in text
    assert "#platform-help" in text
    assert get_user_model().objects.count() == users_before
    assert not signed_in_user(client).is_authenticated
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.outcome == "denied" and entry.actor_name == "carol@example.com"
    assert entry.detail["method"] == "sso" and entry.detail["subject"] == "sub-carol"


def test_unknown_user_is_let_in_by_email_when_allowed(client, provider, settings):
    settings.PAVED_OIDC_ALLOW_UNKNOWN_USERS = True
    settings.PAVED_OIDC_RESOLVERS = ["emailMatchingUserEntityProfileEmail"]
    provider.add_user("carol", PASSWORD, email="carol@example.com", email_verified=True, preferred_username="alice")

    assert sso_sign_in(client, provider, "carol").status_code == 302

    # Named by the e-mail, never by a catalog name it does not own (here: alice's).
    assert signed_in_user(client).get_username() == "carol@example.com"


def test_an_address_the_provider_marks_unverified_is_not_used(client, provider):
    provider.add_user("mallory", PASSWORD, email="alice@example.com", email_verified=False)

    response = sso_sign_in(client, provider, "mallory")

    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="alice").exists()


def test_sso_does_not_take_over_a_local_account_with_a_password(client, provider, django_user_model, tmp_path):
    # Anyone who can publish a catalog User named "admin" with their own e-mail must not become admin.
    django_user_model.objects.create_superuser("admin", "root@example.com", "break-glass-password")
    yaml_load(tmp_path, "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: admin}\n"
                        "spec: {profile: {email: mallory@example.com}, memberOf: []}\n", name="evil.yaml")
    provider.add_user("mallory", PASSWORD, email="mallory@example.com", email_verified=True)

    response = sso_sign_in(client, provider, "mallory")

    assert response.status_code == 403
    assert b"exists with a password" in response.content
    assert not signed_in_user(client).is_authenticated


def test_a_disabled_account_is_refused(client, provider, django_user_model):
    user = django_user_model(username="alice", is_active=False)
    user.set_unusable_password()
    user.save()
    provider.add_user("alice", PASSWORD, email="alice@example.com")

    response = sso_sign_in(client, provider, "alice")

    assert response.status_code == 403 and b"is disabled" in response.content


def test_after_sign_in_goes_to_the_safe_next_page_only(client, provider):
    provider.add_user("alice", PASSWORD, email="alice@example.com")
    assert sso_sign_in(client, provider, "alice", next_url="/catalog/")["Location"] == "/catalog/"
    client.logout()
    assert sso_sign_in(client, provider, "alice", next_url="https://evil.example/")["Location"] == "/"


# --- Hostile or broken answers ---------------------------------------------------------------


def refused(response, status: int = 400) -> str:
    assert response.status_code == status, response.content
    assert b'role="alert"' in response.content
    return response.content.decode()


def test_a_callback_with_a_state_this_session_did_not_start_is_refused(client, provider):
    provider.add_user("alice", PASSWORD, email="alice@example.com")
    url = callback_path(provider.sign_in(start(client), "alice", PASSWORD))
    forged = url.replace("state=", "state=forged")

    text = refused(client.get(forged))

    assert "not started from this browser" in text
    assert not signed_in_user(client).is_authenticated
    assert AuditEntry.objects.filter(action="auth.login_failed", outcome="failed").count() == 1


def test_a_callback_cannot_be_replayed(client, provider):
    provider.add_user("alice", PASSWORD, email="alice@example.com")
    url = callback_path(provider.sign_in(start(client), "alice", PASSWORD))
    assert client.get(url).status_code == 302
    client.logout()

    refused(client.get(url))
    assert not signed_in_user(client).is_authenticated


def test_a_callback_from_another_browser_is_refused(client, provider):
    # Login CSRF: an attacker's code and state, delivered to a victim whose session never started one.
    from django.test import Client

    provider.add_user("mallory", PASSWORD, email="alice@example.com")
    url = callback_path(provider.sign_in(start(Client()), "mallory", PASSWORD))

    refused(client.get(url))
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"nonce": "not-the-nonce"}, "Nonce"),
        ({"exp": 1_000_000_000}, "expired"),
        ({"aud": "another-client"}, "another client"),
        ({"aud": ["paved-test", "another-client"]}, "azp"),
        ({"iss": "https://evil.example"}, "issued by"),
        ({"exp": None}, "exp"),
        ({"sub": None}, "sub"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(client, provider, overrides, why):
    provider.add_user("alice", PASSWORD, email="alice@example.com")
    provider.id_token_overrides = overrides

    text = refused(sso_sign_in(client, provider, "alice"))

    assert "could not be verified" in text and why in text
    assert not signed_in_user(client).is_authenticated
    assert AuditEntry.objects.get(action="auth.login_failed").outcome == "failed"


def test_an_id_token_signed_with_another_key_is_refused(client, provider):
    provider.add_user("alice", PASSWORD, email="alice@example.com")
    provider.sign_with_foreign_key = True

    text = refused(sso_sign_in(client, provider, "alice"))

    assert "JWS token verification failed" in text
    assert not signed_in_user(client).is_authenticated


def test_userinfo_about_another_subject_is_refused(client, provider):
    provider.add_user("alice", PASSWORD, email="alice@example.com")
    provider.userinfo_overrides = {"sub": "someone-else"}

    assert "another subject" in refused(sso_sign_in(client, provider, "alice"))


def test_the_provider_saying_no_gets_a_page_not_a_500(client, provider):
    url = start(client)
    callback = urlsplit(url)
    params = {name: values[0] for name, values in parse_qs(callback.query).items()}
    answer = __import__("requests").post(f"{provider.issuer}/authorize", data={**params, "action": "deny"},
                                         allow_redirects=False, timeout=10)

    text = refused(client.get(callback_path(answer.headers["Location"])))

    assert "access_denied" in text


def test_an_unreachable_provider_gets_a_page_not_a_500(client, settings, db):
    cache.clear()
    settings.PAVED_OIDC_ENABLED = True
    settings.PAVED_OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.PAVED_OIDC_CLIENT_ID = "paved-test"
    settings.PAVED_OIDC_TIMEOUT_SECONDS = 2

    text = refused(client.get("/login/sso/"), status=502)

    assert "discovery document" in text


def test_a_discovery_document_for_another_issuer_is_not_used(client, provider, settings):
    settings.PAVED_OIDC_ISSUER = provider.issuer + "/realms/other"
    settings.PAVED_OIDC_DISCOVERY_URL = provider.issuer + "/.well-known/openid-configuration"

    assert "names issuer" in refused(client.get("/login/sso/"), status=502)


def test_explicit_endpoints_work_without_discovery(client, provider, settings):
    settings.PAVED_OIDC_DISCOVERY_URL = "http://127.0.0.1:9/nothing-here"
    for setting, path in [("AUTHORIZATION_ENDPOINT", "/authorize"), ("TOKEN_ENDPOINT", "/token"),
                          ("USERINFO_ENDPOINT", "/userinfo"), ("JWKS_URI", "/jwks")]:
        setattr(settings, f"PAVED_OIDC_{setting}", provider.issuer + path)
    provider.add_user("alice", PASSWORD, email="alice@example.com")

    assert sso_sign_in(client, provider, "alice").status_code == 302
    assert signed_in_user(client).get_username() == "alice"
