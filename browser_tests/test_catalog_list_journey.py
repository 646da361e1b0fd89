"""The catalog list in a real browser (issue 11, item 11): filter, sort on the server, "Clear"
empties the text box, zero results keep each filter removable, the tag facet is searchable,
owners are a multi-select, the list downloads as CSV, and back/forward follow the URL."""

import csv
import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.models import Entity, SearchEntry
from catalog.tests.factories import demo_load


@pytest.fixture
def demo_catalog(transactional_db):
    return demo_load()


def _shown(entity: Entity) -> str:
    return entity.title or entity.name


def test_filter_sort_clear_and_download(page: Page, live_server, owner, password, demo_catalog, tmp_path):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/")
    count = page.locator("#entity-count")
    table = page.locator("#entity-table")
    search = page.get_by_role("searchbox", name="Filter the catalog")

    # Filter: a kind, then text typed in the box (the URL follows each step).
    page.get_by_role("navigation", name="Kinds").get_by_role("link", name=re.compile(r"^Component")).click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component")
    expect(count).to_have_text("20 entities")

    # Sort on the server: Name ascending, then descending; the header says which.
    name_header = table.get_by_role("columnheader", name=re.compile(r"^Name"))
    name_header.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component&sort=name")
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    table.get_by_role("columnheader", name=re.compile(r"^Name")).get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component&sort=-name")
    expect(table.get_by_role("columnheader", name=re.compile(r"^Name"))).to_have_attribute(
        "aria-sort", "descending")
    last = Entity.objects.filter(kind__iexact="component").order_by("-name", "-ref").first()
    expect(table.locator("tbody tr").first.get_by_role("link").first).to_have_text(_shown(last))
    owners_sorted = Entity.objects.filter(kind__iexact="component").order_by("owner_ref", "ref").first()
    table.get_by_role("columnheader", name=re.compile(r"^Owner")).get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component&sort=owner")
    expect(table.locator("tbody tr").first.get_by_role("link").first).to_have_text(_shown(owners_sorted))

    # Back and forward follow the URL.
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component&sort=-name")
    expect(table.locator("tbody tr").first.get_by_role("link").first).to_have_text(_shown(last))
    page.go_forward()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component&sort=owner")

    # Zero results: every active filter stays listed with its own remove button.
    search.fill("no-such-component-anywhere")
    expect(page.get_by_text("No entities match these filters.")).to_be_visible()
    active = page.get_by_role("list", name="Active filters")
    expect(active).to_contain_text("Kind: component")
    expect(active).to_contain_text("Text: no-such-component-anywhere")
    active.get_by_role("link", name="Remove filter Text no-such-component-anywhere").click()
    expect(search).to_have_value("")  # removing the text filter empties the box
    expect(count).to_have_text("20 entities")
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component&sort=owner")

    # Owners are a multi-select: two owners at once, each removable.
    facets = page.get_by_role("complementary", name="Filters")
    facets.get_by_role("link", name="team-payments").click()
    expect(count).to_have_text("3 entities")
    facets.get_by_role("link", name="team-web").click()
    expect(page).to_have_url(re.compile(r"owner=group%3Adefault%2Fteam-payments&owner=group%3Adefault%2Fteam-web"))
    both = Entity.objects.filter(kind__iexact="component",
                                 owner_ref__in=["group:default/team-payments", "group:default/team-web"]).count()
    expect(count).to_have_text(f"{both} entities")
    expect(facets.get_by_role("link", name="team-web")).to_have_attribute("aria-current", "true")

    # Download what is shown, as CSV (same filters, same order).
    with page.expect_download() as download:
        table.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "catalog.csv"
    download.value.save_as(path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][:4] == ["ref", "kind", "namespace", "name"]
    assert len(rows) == 1 + both
    assert {r[7] for r in rows[1:]} == {"group:default/team-payments", "group:default/team-web"}
    assert [r[7] for r in rows[1:]] == sorted(r[7] for r in rows[1:])  # sorted by owner, as on the page

    # "Clear all" clears the filters and the text typed in the box.
    search.fill("pay")
    expect(page).to_have_url(re.compile(r"q=pay"))
    facets.get_by_role("link", name="Clear all filters").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?sort=owner")
    expect(search).to_have_value("")
    expect(count).to_have_text(f"{Entity.objects.count()} entities")


def test_tag_facet_is_searchable(page: Page, live_server, owner, password, demo_catalog):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/")
    facets = page.get_by_role("complementary", name="Filters")
    tags = facets.get_by_role("list", name="Tags")
    expect(tags.get_by_role("link", name="rest")).to_be_visible()

    facets.get_by_role("searchbox", name="Find a tag").fill("pci")
    expect(tags.get_by_role("link")).to_have_count(1)
    expect(tags.get_by_role("link", name="pci-compliant")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/catalog/")  # typing in the tag box is not a filter yet

    tags.get_by_role("link", name="pci-compliant").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?tag=pci-compliant")
    tagged = SearchEntry.objects.filter(key="metadata.tags", value="pci-compliant").count()
    expect(page.locator("#entity-count")).to_have_text(f"{tagged} entit{'y' if tagged == 1 else 'ies'}")
    expect(page.get_by_role("list", name="Active filters")).to_contain_text("Tag: pci-compliant")

    facets.get_by_role("searchbox", name="Find a tag").fill("zzz-none")
    expect(tags).to_contain_text("No tag contains “zzz-none”.")


def test_back_and_forward_restore_the_typed_text_with_its_list(page: Page, live_server, owner, password,
                                                               demo_catalog):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/")
    search = page.get_by_role("searchbox", name="Filter the catalog")
    count = page.locator("#entity-count")
    everything = count.text_content()
    search.fill("pay")
    expect(page).to_have_url(f"{live_server.url}/catalog/?q=pay")
    matching = Entity.objects.filter(search_text__contains="pay").count()
    expect(count).to_have_text(f"{matching} entities matching “pay”")
    page.get_by_role("complementary", name="Filters").get_by_role("link", name="service").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?type=service&q=pay")

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/catalog/?q=pay")
    expect(search).to_have_value("pay")
    expect(count).to_have_text(f"{matching} entities matching “pay”")
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/catalog/")
    expect(search).to_have_value("")
    expect(count).to_have_text(everything)
    page.go_forward()
    expect(search).to_have_value("pay")
