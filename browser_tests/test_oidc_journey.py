"""Single sign-on in a real browser: Paved's login page -> the provider's form -> home, as the catalog User.

The provider is portal/tests/oidc_provider.py, a real OpenID Connect provider on 127.0.0.1; the
`sso` fixture and `sign_in_with_sso` are meant for further journeys that start signed in through it.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from catalog.tests.factories import yaml_load
from portal.tests.oidc_provider import configure_sso, running_provider

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice}
spec: {profile: {email: alice@example.com}, memberOf: [team-a]}
"""
IDP_PASSWORD = "idp-password"


@pytest.fixture
def sso(settings, live_server, transactional_db, tmp_path):
    """A running provider Paved signs in through, with the catalog User alice (team-a) and her IdP account."""
    cache.clear()
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    yaml_load(tmp_path, CATALOG, name="sso-catalog.yaml")
    with running_provider() as provider:
        configure_sso(settings, provider, redirect_base=live_server.url, PAVED_OIDC_DISPLAY_NAME="Test IdP")
        provider.add_user("a.smith", IDP_PASSWORD, email="alice@example.com", email_verified=True)
        yield provider


def sign_in_with_sso(page: Page, live_server, username: str, password: str, *, start: str = "/") -> None:
    """From a signed-out page: Paved's login page, the provider's button, its form, back to `start`."""
    page.goto(f"{live_server.url}{start}")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in to the test provider").click()
    expect(page).to_have_url(f"{live_server.url}{start}")


def test_signs_in_through_the_provider_as_the_catalog_user(page: Page, live_server, sso):
    sign_in_with_sso(page, live_server, "a.smith", IDP_PASSWORD)

    expect(page.get_by_role("heading", name="Welcome, alice")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_person_not_in_the_catalog_sees_whom_to_ask(page: Page, live_server, sso, settings):
    settings.PAVED_OIDC_SUPPORT_CONTACT = "#platform-help"
    sso.add_user("carol", IDP_PASSWORD, email="carol@example.com", email_verified=True)

    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign in to the test provider").click()

    expect(page.get_by_role("heading", name="You are not in the catalog yet")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("not in the Paved catalog")
    expect(page.locator("main")).to_contain_text("#platform-help")
    page.get_by_role("link", name="Back to sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
