"""Someone follows a dead link and a link to results they may not read: each lands on a styled page
inside the shell that says what happened and offers a way back."""

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import yaml_load
from surveys.tests.conftest import ORG, open_campaign


@pytest.fixture
def survey(transactional_db, tmp_path, owner, settings):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    yaml_load(tmp_path, ORG, name="org.yaml")
    return open_campaign()


def test_unknown_entity_and_forbidden_results_are_styled_pages_with_a_way_back(page: Page, live_server, survey,
                                                                                 password):
    sign_in(page, live_server, "owner", password)

    response = page.goto(f"{live_server.url}/catalog/default/component/no-such-service/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("link", name="Back to Catalog").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/")

    response = page.goto(f"{live_server.url}/surveys/{survey.pk}/results/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You are not allowed to do this")).to_be_visible()
    expect(page.get_by_text("Survey results reader")).to_be_visible()
    page.get_by_role("link", name="Back to Surveys").click()
    expect(page).to_have_url(f"{live_server.url}/surveys/")
