import re

from playwright.sync_api import Page, expect


def test_signs_in_through_the_login_page_and_sees_the_navigation(page: Page, live_server, owner, password):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))

    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Catalog", "Create", "Docs", "Surveys"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome, owner")).to_be_visible()


def test_wrong_password_shows_an_error(page: Page, live_server, owner):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
