"""Steps several browser journeys share."""

from playwright.sync_api import Page, expect


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    """Sign in through the login page and land on the home page."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
