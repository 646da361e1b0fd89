"""Start-up checks of the PAVED_OIDC_* settings and the resolvers' pure parts."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.sso.checks import RESOLVER_NAMES, check_sso_settings
from portal.sso.resolvers import RESOLVERS, identity_from_claims

GOOD = {
    "PAVED_OIDC_ISSUER": "https://acme.okta.com",
    "PAVED_OIDC_DISCOVERY_URL": "",
    "PAVED_OIDC_AUTHORIZATION_ENDPOINT": "",
    "PAVED_OIDC_TOKEN_ENDPOINT": "",
    "PAVED_OIDC_USERINFO_ENDPOINT": "",
    "PAVED_OIDC_JWKS_URI": "",
    "PAVED_OIDC_CLIENT_ID": "paved",
    "PAVED_OIDC_CLIENT_SECRET": "s3cret",
    "PAVED_OIDC_SCOPES": ["openid", "email", "profile"],
    "PAVED_OIDC_SIGN_ALGO": "RS256",
    "PAVED_OIDC_RESOLVERS": ["emailMatchingUserEntityProfileEmail"],
    "PAVED_OIDC_EMAIL_DOMAINS": [],
}


def test_a_complete_configuration_passes():
    check_sso_settings(dict(GOOD))
    check_sso_settings({**GOOD, "PAVED_OIDC_ISSUER": "http://127.0.0.1:8080/realms/dev"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PAVED_OIDC_ISSUER": ""}, "PAVED_OIDC_ISSUER must be set"),
        ({"PAVED_OIDC_CLIENT_ID": ""}, "PAVED_OIDC_CLIENT_ID must be set"),
        ({"PAVED_OIDC_CLIENT_SECRET": None}, "PAVED_OIDC_CLIENT_SECRET must be set"),
        ({"PAVED_OIDC_ISSUER": "http://idp.example.com"}, "PAVED_OIDC_ISSUER must be an https:// URL"),
        ({"PAVED_OIDC_JWKS_URI": "ftp://idp.example.com/keys"}, "PAVED_OIDC_JWKS_URI must be an https:// URL"),
        ({"PAVED_OIDC_SCOPES": ["email"]}, "PAVED_OIDC_SCOPES must include openid"),
        ({"PAVED_OIDC_SIGN_ALGO": "none"}, "PAVED_OIDC_SIGN_ALGO must be one of"),
        ({"PAVED_OIDC_RESOLVERS": ["emailMatching"]}, "unknown resolver emailMatching"),
        ({"PAVED_OIDC_RESOLVERS": []}, "unknown resolver (none given)"),
        ({"PAVED_OIDC_RESOLVERS": ["emailLocalPartMatchingUserEntityName"]}, "set PAVED_OIDC_EMAIL_DOMAINS"),
    ],
)
def test_a_setting_that_cannot_work_is_named_at_start_up(change, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_sso_settings({**GOOD, **change})


def test_every_resolver_the_settings_accept_exists():
    assert set(RESOLVER_NAMES) == set(RESOLVERS)


@pytest.mark.parametrize(
    ("claims", "domains", "email"),
    [
        ({"email": "Alice@Example.com"}, [], "alice@example.com"),
        ({"email": "alice@example.com", "email_verified": False}, [], ""),
        ({"email": "alice@example.com", "email_verified": "false"}, [], ""),
        ({"email": "alice@gmail.example", "email_verified": True}, ["example.com"], ""),
        ({"email": "alice@example.com"}, ["@Example.com"], "alice@example.com"),
        ({"email": "not-an-address"}, [], ""),
        ({"email": ["alice@example.com"]}, [], ""),
    ],
)
def test_only_usable_addresses_reach_the_resolvers(claims, domains, email):
    identity = identity_from_claims(claims={"sub": "1", **claims}, issuer="https://idp", username_claim="x",
                                    email_domains=domains)
    assert identity.email == email
