"""Issue 9's journey: signed in through single sign-on, a person is refused deleting another team's
component and deletes their own (Chromium, the local OpenID Connect provider, the real policy)."""

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.test_oidc_journey import IDP_PASSWORD, sign_in_with_sso, sso  # noqa: F401 (fixture)
from catalog.models import Entity
from catalog.tests.factories import yaml_load
from core.models import AuditEntry

COMPONENTS = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: alpha-service}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: bravo-service}
spec: {type: service, lifecycle: production, owner: team-b}
"""


@pytest.mark.browser
def test_refused_on_another_teams_component_allowed_on_its_own(page: Page, live_server, sso, tmp_path):  # noqa: F811
    yaml_load(tmp_path, COMPONENTS, name="components.yaml")
    sign_in_with_sso(page, live_server, "a.smith", IDP_PASSWORD)

    # team-b's component: no Unregister button, and going there anyway is refused with a page.
    page.goto(f"{live_server.url}/catalog/default/component/bravo-service/")
    expect(page.get_by_role("heading", name="bravo-service")).to_be_visible()
    expect(page.get_by_role("link", name="Unregister…")).to_have_count(0)
    response = page.goto(f"{live_server.url}/catalog/default/component/bravo-service/unregister/")
    assert response.status == 403
    assert Entity.objects.filter(ref="component:default/bravo-service").exists()
    assert AuditEntry.objects.filter(actor_name="alice", action="catalog.entity.delete", outcome="denied").exists()

    # Her own team's component: Unregister, delete the entity, gone from the catalog.
    page.goto(f"{live_server.url}/catalog/default/component/alpha-service/")
    page.get_by_role("link", name="Unregister…").click()
    page.get_by_role("button", name="Delete entity").click()
    expect(page).to_have_url(re.compile(r"/catalog/$"))
    assert not Entity.objects.filter(ref="component:default/alpha-service").exists()
    assert AuditEntry.objects.filter(actor_name="alice", action="catalog.entity.delete", outcome="success").exists()
