"""Issue 11, items 5 and 6, in a real browser: Paved runs at an address other than 127.0.0.1:8000
(PAVED_PUBLIC_URL is the live server's), a demo golden path (which names the git host `paved`)
publishes there, and the task page's Repository link opens the repository page, with the clone URL
beside it and a copy button. The clone URL itself, opened by someone signed out, asks them to sign in
and then shows the repository page.
"""

import re

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog import selectors as catalog_selectors
from catalog.tests.factories import demo_load
from portal.celery import app, ensure_broker_folders
from scaffolding import services

VALUES = {"name": "orders-api", "description": "Orders for the web shop", "owner": "group:default/team-payments",
          "tier": "standard", "pythonVersion": "3.12"}


@pytest.fixture
def deployed(settings, tmp_path, live_server):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "workspaces"
    settings.PAVED_TECHDOCS_DIR = tmp_path / "techdocs"
    assert ":8000" not in live_server.url
    settings.PAVED_PUBLIC_URL = live_server.url
    settings.PAVED_GIT_HOST = live_server.url.split("://", 1)[1]  # what settings derive from PAVED_PUBLIC_URL
    return live_server.url


@pytest.fixture
def worker(transactional_db):
    ensure_broker_folders()
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_the_repository_link_opens_the_repository_page_and_the_clone_url_can_be_copied(
        page: Page, live_server, deployed, worker, django_user_model, password, browser):
    demo_load()
    user = django_user_model.objects.create_user("jane.doe", "jane.doe@acme.example", password)  # in team-payments
    template = catalog_selectors.entity_get(kind="template", namespace="default", name="python-service")
    run = services.run_create(template=template, values=VALUES, actor=user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server, "jane.doe", password)

    page.goto(f"{live_server.url}/create/tasks/{run.pk}/")
    expect(page.locator("#run-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    output = page.locator("#run-output")
    clone_url = f"{deployed}/git/acme/orders-api.git"
    clone = output.get_by_role("textbox", name="Clone", exact=True)
    expect(clone).to_have_value(clone_url)
    output.get_by_role("button", name="Copy the clone URL").click()
    expect(output.get_by_role("button", name="Copy the clone URL")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == clone_url

    # The Repository link is the repository's page on the public URL, not "There is no repository ....git".
    output.get_by_role("link", name="Repository").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(deployed)}/git/acme/orders-api/?$"))
    expect(page.get_by_role("heading", name="acme/orders-api")).to_be_visible()
    expect(page.get_by_text("There is no repository")).to_have_count(0)
    expect(page.locator("#clone-url")).to_have_value(clone_url)
    page.get_by_role("button", name="Copy the clone URL").click()
    expect(page.get_by_role("button", name="Copy the clone URL")).to_have_text("Copied")

    # Someone signed out who opens the clone URL in a browser is asked to sign in, then sees the repository.
    anonymous = browser.new_context()
    try:
        other = anonymous.new_page()
        other.goto(clone_url)
        expect(other).to_have_url(re.compile(r"/login/\?next="))
        other.get_by_label("Username").fill("jane.doe")
        other.get_by_label("Password").fill(password)
        other.get_by_role("button", name="Sign in").click()
        expect(other).to_have_url(re.compile(rf"^{re.escape(deployed)}/git/acme/orders-api/?$"))
        expect(other.get_by_role("heading", name="acme/orders-api")).to_be_visible()
    finally:
        anonymous.close()
