"""Issue 11 item 18: at a phone's width (390 x 844) the menu folds behind a button that opens it,
and no page scrolls sideways: home, the catalog list, an entity page, the docs list."""

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import yaml_load

ENTITIES = "---\n".join(
    f"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a-component-with-a-rather-long-name-{i}
  title: A component whose title is long enough to push a table wider than a phone {i}
  description: Handles the very long descriptions that make table cells wide on small screens, number {i}.
  tags: [payments, long-tag-name-{i}]
  annotations: {{backstage.io/techdocs-ref: dir:.}}
spec: {{type: service, lifecycle: production, owner: group:default/a-team-with-a-long-name}}
"""
    for i in range(12)
)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    yield context.new_page()
    context.close()


# The elements that end past the window's right edge and are not inside a scrolling box: what to fix.
OFFENDERS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") return true; }
    return false; };
  return [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .slice(0, 8).map((el) => el.tagName.toLowerCase() + "." + [...el.classList].join(".") + " "
      + Math.round(el.getBoundingClientRect().right));
}"""


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], (f"{page.url}: the page is {widths[0]} px wide in a {widths[1]} px window; "
                                    f"{page.evaluate(OFFENDERS)}")


@pytest.mark.browser
def test_menu_folds_and_pages_fit_a_phone(phone: Page, live_server, owner, password, tmp_path):
    page = phone
    yaml_load(tmp_path, ENTITIES, name="components.yaml")
    sign_in(page, live_server, "owner", password)

    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Catalog")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search the catalog")).to_be_visible()
    _no_sideways_scroll(page)
    menu.click()
    expect(nav).to_be_hidden()
    _no_sideways_scroll(page)

    menu.click()
    nav.get_by_role("link", name="Catalog").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/")
    expect(page.get_by_role("link", name="A component whose title is long enough to push a table wider than a phone 0",
                            exact=True)).to_be_attached()
    expect(page.locator(".table-scroll > table").first).to_be_attached()  # wrapped by paved.js (deferred): wait
    _no_sideways_scroll(page)
    page.get_by_placeholder("Filter by name").fill("long-name-1")  # htmx swaps the table in: wrapped too
    expect(page.get_by_role("link", name="A component whose title is long enough to push a table wider than a phone 0",
                            exact=True)).to_have_count(0)
    expect(page.locator(".table-scroll > table")).to_have_count(1)
    _no_sideways_scroll(page)

    page.goto(f"{live_server.url}/catalog/default/component/a-component-with-a-rather-long-name-3/")
    expect(page.get_by_role("button", name="☆ Star")).to_be_visible()
    for tab in ("overview", "relations", "raw"):
        page.goto(f"{live_server.url}/catalog/default/component/a-component-with-a-rather-long-name-3/?tab={tab}")
        _no_sideways_scroll(page)

    page.goto(f"{live_server.url}/docs/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _no_sideways_scroll(page)

    # Wide screens keep the bar as it was: no menu button, the links in the bar.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name="Catalog")).to_be_visible()
