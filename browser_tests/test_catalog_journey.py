"""A product developer's catalog journey in a real browser: search, entity page, register."""

import re
import textwrap

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog import services
from catalog.models import Location
from catalog.tests.factories import demo_load

NEW_COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: loyalty-points
  description: Points customers earn on every order.
spec:
  type: service
  lifecycle: experimental
  owner: team-payments
  dependsOn: [resource:postgresql-payments]
"""


@pytest.fixture
def demo_catalog(transactional_db):
    return demo_load()


@pytest.fixture
def queued(monkeypatch):
    """Refreshes the pages enqueue; no worker runs here, the test runs them itself."""
    from catalog import tasks

    calls = []
    monkeypatch.setattr(tasks.location_refresh, "delay", lambda location_id: calls.append(location_id))
    return calls


def test_finds_the_owner_of_a_service_then_registers_a_component(
    page: Page, live_server, owner, password, demo_catalog, queued, tmp_path, settings
):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]  # where the team keeps the new file
    sign_in(page, live_server, "owner", password)

    # "Who owns payment-service?": global search box -> entity page.
    search = page.get_by_role("searchbox", name="Search the catalog")
    search.fill("payment")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=payment"))
    page.get_by_role("link", name="payment-service", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/catalog/default/component/payment-service/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("payment-service")
    about = page.get_by_role("region", name="About")
    expect(about.get_by_role("link", name="team-payments")).to_be_visible()
    expect(about).to_contain_text("jane.doe")
    depends_on = page.get_by_role("region", name="Depends on")
    expect(depends_on.get_by_role("link", name="Payments PostgreSQL")).to_have_attribute(
        "href", "/catalog/default/resource/postgresql-payments/"
    )
    expect(page.locator("svg.graph")).to_be_visible()

    # Register an existing component: preview first, then import.
    path = tmp_path / "catalog-info.yaml"
    path.write_text(textwrap.dedent(NEW_COMPONENT))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.get_by_role("link", name="Register existing component").click()
    page.get_by_label("URL or path of a catalog-info.yaml").fill(str(path))
    page.get_by_role("button", name="Analyze").click()

    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("component:default/loyalty-points")
    expect(preview).to_contain_text("new")
    assert not Location.objects.filter(target=str(path)).exists()  # a preview stores nothing

    preview.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/catalog/locations/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", name="Location")).to_be_visible()
    location = Location.objects.get(target=str(path))
    assert queued == [str(location.pk)]

    services.location_refresh(location_id=location.pk)  # what the worker would do
    page.reload()
    expect(page.get_by_role("link", name="loyalty-points")).to_be_visible()
    page.get_by_role("link", name="loyalty-points").click()
    expect(page.get_by_role("region", name="Depends on")).to_contain_text("Payments PostgreSQL")


def test_list_facets_swap_the_table_and_keep_the_url(page: Page, live_server, owner, password, demo_catalog):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_role("navigation", name="Kinds").get_by_role("link", name=re.compile(r"^Component")).click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component")
    expect(page.locator("#entity-count")).to_have_text("20 entities")

    facets = page.get_by_role("complementary", name="Filters")
    facets.get_by_role("link", name="team-payments").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/?kind=component&owner=group%3Adefault%2Fteam-payments")
    expect(page.locator("#entity-count")).to_have_text("3 entities")
    # Facets updated out of band; owners are a multi-select, the chosen one is marked current.
    expect(facets.get_by_role("link", name="team-payments")).to_have_attribute("aria-current", "true")

    search = page.get_by_role("searchbox", name="Filter the catalog")
    search.fill("fraud")
    expect(page.locator("#entity-count")).to_contain_text("1 entity")
    expect(page).to_have_url(re.compile(r"owner=group%3Adefault%2Fteam-payments.*q=fraud|q=fraud.*owner="))
    expect(page.get_by_role("link", name="Fraud rules")).to_be_visible()
