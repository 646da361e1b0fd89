"""The Docs list in a real browser: the filter finds a service by its docs' text, and the owner box
suggests owners as one types and filters by the one picked."""

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import demo_load
from techdocs import services
from techdocs.models import DocsBuild, DocsSite


@pytest.fixture
def demo_docs(transactional_db, settings, tmp_path):
    settings.PAVED_TECHDOCS_DIR = tmp_path / "docs-storage"
    demo_load()
    services.docs_scan(enqueue=False)
    site = DocsSite.objects.get(entity_ref="component:default/payment-service")
    assert services.docs_build_here(build_id=site.builds.get().pk).status == DocsBuild.Status.SUCCEEDED


def test_the_docs_filter_searches_the_docs_text_and_the_owner_box_suggests(page: Page, live_server, owner, password,
                                                                          demo_docs):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/docs/")
    table = page.locator("#docs-table")
    expect(table.get_by_role("link", name="component:default/identity-service")).to_be_visible()

    # Words only the payment service's runbook contains, not its name or description.
    page.get_by_role("searchbox", name="Filter documentation").fill("connection exhaustion")
    expect(table.get_by_role("link", name="component:default/identity-service")).to_have_count(0)
    expect(table.get_by_role("link", name="component:default/payment-service")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/docs/\?q=connection(\+|%20)exhaustion"))

    page.get_by_role("searchbox", name="Filter documentation").fill("")
    box = page.get_by_role("combobox", name="Owner")  # a search box with a datalist
    box.fill("team-pay")
    expect(page.locator("#docs-owners option")).to_have_count(1)
    expect(page.locator("#docs-owners option")).to_have_attribute("value", "group:default/team-payments")
    box.fill("group:default/team-payments")
    box.press("Enter")
    expect(table.get_by_role("link", name="component:default/payment-service")).to_be_visible()
    expect(table.get_by_role("link", name="component:default/identity-service")).to_have_count(0)
