"""Reading a service's docs in a real browser: Docs tab, a link to a second page, then the
same page found again through the global search box."""

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import demo_load
from techdocs import services
from techdocs.models import DocsBuild, DocsSite


@pytest.fixture
def payment_docs(transactional_db, settings, tmp_path):
    """The demo catalog with payment-service's docs built here (no worker runs in browser tests)."""
    settings.PAVED_TECHDOCS_DIR = tmp_path / "docs-storage"
    demo_load()
    services.docs_scan(enqueue=False)
    site = DocsSite.objects.get(entity_ref="component:default/payment-service")
    build = services.docs_build_here(build_id=site.builds.get().pk)
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    return site


def test_reads_docs_from_the_entity_page_and_finds_a_page_again_by_search(
    page: Page, live_server, owner, password, payment_docs
):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/default/component/payment-service/")
    page.get_by_role("navigation", name="Entity sections").get_by_role("link", name="Docs").click()

    expect(page).to_have_url(f"{live_server.url}/docs/default/component/payment-service/")
    content = page.get_by_role("article", name="Page")
    expect(content.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="← component:default/payment-service")).to_have_attribute(
        "href", "/catalog/default/component/payment-service/")

    # Follow an internal link to a second page; the site's nav marks it as the current page.
    page.get_by_role("navigation", name="Documentation").get_by_role("link", name="Runbook").click()
    expect(page).to_have_url(f"{live_server.url}/docs/default/component/payment-service/runbook/")
    expect(content.get_by_role("heading", name=re.compile("^Runbook"), level=1)).to_be_visible()
    toc = page.get_by_role("navigation", name="On this page")
    toc.get_by_role("link", name="Escalation").click()
    expect(page).to_have_url(re.compile(r"/runbook/#escalation$"))

    # Find the same page again through the global search box.
    search = page.get_by_role("searchbox", name="Search the catalog")
    search.fill("connection exhaustion")
    search.press("Enter")
    results = page.get_by_role("region", name="Documentation results")
    expect(results.locator("mark").first).to_be_visible()
    results.get_by_role("link", name="Runbook").click()
    expect(page).to_have_url(re.compile(r"/docs/default/component/payment-service/runbook/#"))
    expect(content.get_by_role("heading", name=re.compile("PostgreSQL connection exhaustion"))).to_be_visible()
