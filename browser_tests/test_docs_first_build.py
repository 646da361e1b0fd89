"""Docs in a real browser: the Docs tab of a site never built shows it being prepared and reloads
into the docs once the first build publishes; a long code line scrolls inside its block; a
site's own search box finds its pages."""

import time

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import demo_load, location_load
from techdocs import services, tasks
from techdocs.models import DocsBuild
from techdocs.tests.conftest import ENTITY, write_site

# The nearest element from a code block up to the article that scrolls sideways: scrolled to its
# end, and whether its right edge stays inside the article (clipped code has no such element).
SCROLLER = """e => {
  const stop = e.closest('article');
  for (let n = e; n && n !== stop; n = n.parentElement) {
    const style = getComputedStyle(n);
    if (['auto', 'scroll'].includes(style.overflowX) && n.scrollWidth > n.clientWidth) {
      n.scrollLeft = n.scrollWidth;
      const r = n.getBoundingClientRect(), a = stop.getBoundingClientRect();
      return {scrolled: n.scrollLeft > 0, inside: r.right <= a.right + 1, element: n.tagName + '.' + n.className};
    }
  }
  return null;
}"""
LONG_LINE = "kubectl rollout restart deployment/" + "very-long-deployment-name-" * 12 + "end"


@pytest.fixture
def unbuilt(transactional_db, settings, tmp_path, monkeypatch):
    """The demo catalog with no docs built and no worker: the test plays the worker."""
    settings.PAVED_TECHDOCS_DIR = tmp_path / "docs-storage"
    demo_load()
    refreshes: list[str] = []
    monkeypatch.setattr(tasks.docs_site_refresh, "delay", refreshes.append)
    monkeypatch.setattr(tasks.docs_build_execute, "delay", lambda build_id: None)
    return refreshes


def test_the_docs_tab_of_a_never_built_site_reloads_into_the_built_docs(page: Page, live_server, owner, password,
                                                                         unbuilt):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/default/component/payment-service/")
    page.get_by_role("navigation", name="Entity sections").get_by_role("link", name="Docs").click()
    expect(page).to_have_url(f"{live_server.url}/docs/default/component/payment-service/")
    expect(page.get_by_role("region", name="Build status")).to_contain_text("Not built yet")

    deadline = time.monotonic() + 10  # opening the page asked a worker to read the source
    while not unbuilt and time.monotonic() < deadline:
        time.sleep(0.1)
    assert unbuilt == ["component:default/payment-service"]
    build = services.docs_site_refresh(entity_ref=unbuilt[0], enqueue=False)
    assert services.docs_build_here(build_id=build.pk).status == DocsBuild.Status.SUCCEEDED

    # The status polls every 2 s; once pages are published the page reloads and shows them.
    content = page.get_by_role("article", name="Page")
    expect(content.get_by_role("heading", level=1)).to_be_visible(timeout=20_000)
    expect(page).to_have_url(f"{live_server.url}/docs/default/component/payment-service/")
    expect(page.get_by_role("navigation", name="Documentation")).to_be_visible()


@pytest.fixture
def long_code_docs(transactional_db, settings, tmp_path):
    settings.PAVED_TECHDOCS_DIR = tmp_path / "docs-storage"
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    root = write_site(tmp_path / "ledger", pages={
        "index.md": f"# Ledger\n\nRestart it:\n\n```bash\n{LONG_LINE}\n```\n\nPlain:\n\n    {LONG_LINE}\n\n"
                    f"!!! note\n    ```bash\n    {LONG_LINE}\n    ```\n\n"
                    f"=== \"Linux\"\n    ```bash\n    {LONG_LINE}\n    ```\n\n"
                    f"=== \"macOS\"\n    ```bash\n    {LONG_LINE}\n    ```\n\n"
                    f"1. In a list:\n\n    ```bash\n    {LONG_LINE}\n    ```\n\n"
                    f"??? tip \"Details\"\n    ```bash\n    {LONG_LINE}\n    ```\n",
        "runbook.md": "# Runbook\n\nThe reconciliation worker restarts nightly.\n"})
    (root / "catalog-info.yaml").write_text(ENTITY.format(name="ledger", ref="dir:."))
    location_load(root / "catalog-info.yaml")
    build = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log


def test_long_code_lines_scroll_inside_their_block_and_the_site_search_finds_a_page(
        page: Page, live_server, owner, password, long_code_docs):
    page.set_viewport_size({"width": 800, "height": 800})  # one column, as on a laptop split screen
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/docs/default/component/ledger/")
    article = page.get_by_role("article", name="Page")
    blocks = article.locator("pre").filter(has_text="very-long-deployment-name")  # not line-number columns
    expect(blocks).to_have_count(7)
    page.get_by_text("Details").click()  # open the collapsed block
    checked = 0
    for i in range(7):
        if not blocks.nth(i).is_visible():
            continue  # the tab not shown
        scroller = blocks.nth(i).evaluate(SCROLLER)
        assert scroller and scroller["scrolled"] and scroller["inside"], scroller  # scrolls, inside the page
        checked += 1
    assert checked == 6  # every block but the hidden tab's
    # The docs column stays inside the window (the top bar of the shell is not this test's business).
    assert page.evaluate("""() => { const l = document.querySelector('.docs-layout');
        return l.scrollWidth <= l.clientWidth && l.getBoundingClientRect().right <= window.innerWidth; }""")

    search = page.get_by_role("searchbox", name="Search Ledger Service")
    search.fill("reconciliation")
    search.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/docs/default/component/ledger/-/search/?q=reconciliation")
    page.get_by_role("link", name="Runbook").last.click()
    expect(page.get_by_role("article", name="Page").get_by_role("heading", name="Runbook")).to_be_visible()
