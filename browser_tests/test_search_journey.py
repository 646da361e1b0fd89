"""Global search in a real browser: a misspelt name still finds the service, its owner is a
link, and the kind tabs narrow the results (kept while typing, in the URL, without a reload)."""

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import demo_load


@pytest.fixture
def demo_catalog(transactional_db):
    return demo_load()


def test_typo_finds_the_service_owner_links_and_kind_filter(page: Page, live_server, owner, password, demo_catalog):
    sign_in(page, live_server, "owner", password)

    # A typo in the header's box: nothing matches word for word, the close matches hold the service.
    header_box = page.get_by_role("searchbox", name="Search the catalog")
    header_box.fill("paymnet-service")
    header_box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=paymnet-service"))
    close = page.get_by_role("region", name="Close matches")
    row = close.get_by_role("row").filter(has=page.get_by_role("link", name="payment-service", exact=True))
    expect(row).to_have_count(1)

    # The owner is a link to the owning group's page.
    owner_link = row.get_by_role("link", name="team-payments")
    expect(owner_link).to_have_attribute("href", "/catalog/default/group/team-payments/")
    owner_link.click()
    expect(page).to_have_url(f"{live_server.url}/catalog/default/group/team-payments/")
    page.go_back()

    # Kind tabs: one click narrows to resources (htmx swap, URL pushed), typing keeps the kind.
    box = page.get_by_role("searchbox", name="Search", exact=True)
    box.fill("payments")
    kinds = page.get_by_role("navigation", name="Filter by kind")
    expect(kinds.get_by_role("link", name=re.compile(r"^Resource \d+"))).to_be_visible()
    kinds.get_by_role("link", name=re.compile(r"^Resource \d+")).click()
    expect(page).to_have_url(re.compile(r"kind=resource"))
    results = page.get_by_role("table", name="Catalog results")
    expect(results.get_by_role("link", name="Payments PostgreSQL")).to_be_visible()
    expect(results.get_by_role("link", name="payment-service", exact=True)).to_have_count(0)

    box.fill("postgresql")
    expect(page).to_have_url(re.compile(r"q=postgresql.*kind=resource|kind=resource.*q=postgresql"))
    expect(results.get_by_role("link", name="Payments PostgreSQL")).to_be_visible()
    expect(kinds.get_by_role("link", name=re.compile(r"^Resource"))).to_have_attribute("aria-current", "true")

    # The same URL loaded as a whole page shows the same narrowed results.
    page.reload()
    reloaded = page.get_by_role("table", name="Catalog results")
    expect(reloaded.get_by_role("link", name="Payments PostgreSQL")).to_be_visible()
    expect(page.get_by_role("link", name="payment-service", exact=True)).to_have_count(0)
