"""Issue 11 item 10's journey: star an entity on its page and find it on the home page, with the
entities just visited and the person's team's services (Chromium against the live server)."""

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import yaml_load
from portal.models import EntityStar

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: [], members: [owner]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {profile: {email: owner@example.com}, memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: orders-service}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: billing-service}
spec: {type: service, lifecycle: production, owner: someone-else}
"""


@pytest.mark.browser
def test_star_an_entity_and_find_it_at_home(page: Page, live_server, owner, password, tmp_path):
    yaml_load(tmp_path, ORG, name="org.yaml")
    sign_in(page, live_server, "owner", password)
    team = page.get_by_role("region", name="My team's services")
    expect(team.get_by_role("link", name="orders-service")).to_be_visible()
    expect(page.get_by_role("region", name="Starred").get_by_role("link")).to_have_count(0)

    page.goto(f"{live_server.url}/catalog/default/component/billing-service/")
    page.get_by_role("button", name="☆ Star").click()
    expect(page.get_by_role("button", name="★ Starred")).to_be_visible()
    assert EntityStar.objects.filter(user=owner, entity_ref="component:default/billing-service").exists()
    page.goto(f"{live_server.url}/catalog/default/component/orders-service/")
    expect(page.get_by_role("button", name="☆ Star")).to_be_visible()  # the button (and the visit) loaded

    page.get_by_role("link", name="Paved", exact=True).click()
    starred = page.get_by_role("region", name="Starred")
    expect(starred.get_by_role("link", name="billing-service")).to_be_visible()
    expect(starred.get_by_role("link", name="orders-service")).to_have_count(0)
    recent = page.get_by_role("region", name="Recently visited").get_by_role("link")
    expect(recent).to_have_text(["orders-service", "billing-service"])  # newest first

    # Unstar from the entity page: gone from home.
    page.goto(f"{live_server.url}/catalog/default/component/billing-service/")
    page.get_by_role("button", name="★ Starred").click()
    expect(page.get_by_role("button", name="☆ Star")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("region", name="Starred").get_by_role("link")).to_have_count(0)
