"""A developer answers the quarterly survey in a real browser; an admin reads the results."""

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import yaml_load
from surveys.tests.conftest import ORG, add_responses, open_campaign


@pytest.fixture
def survey(transactional_db, tmp_path, owner, teammate, outsider):
    yaml_load(tmp_path, ORG, name="org.yaml")
    return open_campaign()


def answer_section(page: Page) -> None:
    for question in page.locator("fieldset.survey-question").all():
        if question.locator("textarea").count():
            question.locator("textarea").fill("CI queues at lunchtime")
        elif question.locator('input[value="9"]').count():
            question.locator('input[value="9"]').check()
        else:
            question.locator('input[value="4"]').check()


def test_a_developer_answers_once_and_an_admin_sees_results_without_small_teams(
    page: Page, live_server, survey, password, django_user_model, context
):
    sign_in(page, live_server, "owner", password)
    other_tab = context.new_page()  # a second tab, opened before the first submit
    other_tab.goto(f"{live_server.url}/surveys/{survey.pk}/answer/")

    banner = page.get_by_role("region", name="Open survey")
    expect(banner).to_contain_text(survey.title)
    banner.get_by_role("link", name="Answer the survey").click()

    for step in range(5):
        expect(page.get_by_text(f"Section {step + 1} of 5")).to_be_visible()
        expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", str(round(100 * step / 5)))
        answer_section(page)
        page.get_by_role("button", name="Submit answers" if step == 4 else "Next").click()
    expect(page.get_by_text("Your answers are stored anonymously")).to_be_visible()
    expect(page.get_by_role("region", name="Open survey")).to_have_count(0)

    # The other tab still shows the form; submitting from it is refused.
    answer_section(other_tab)
    other_tab.get_by_role("button", name="Next").click()
    expect(other_tab.get_by_text("You have already answered this survey")).to_be_visible()

    # Others answered too: team-a 7, team-b 6, team-c only 2 (fewer than k = 5). team-c and the owner's
    # unlabelled answer (3) would follow from the total, so team-b, the smallest shown, joins the pool.
    add_responses(survey, team="group:default/team-a", count=7, likert=5)
    add_responses(survey, team="group:default/team-b", count=6, likert=3)
    add_responses(survey, team="group:default/team-c", count=2, likert=1)
    context.clear_cookies()
    django_user_model.objects.create_superuser("boss", "boss@example.com", password)
    sign_in(page, live_server, "boss", password)
    page.goto(f"{live_server.url}/surveys/")
    page.get_by_role("link", name="Results").first.click()
    expect(page).to_have_url(re.compile(rf"/surveys/{survey.pk}/results/$"))
    rates = page.locator("#response-rates")
    expect(rates).to_contain_text("team-a")
    expect(rates).to_contain_text("Other teams")
    expect(rates).to_contain_text("9")  # Other teams: team-b 6 + team-c 2 + the owner
    expect(page.locator("main")).not_to_contain_text("team-c")
    expect(page.locator(".trend svg").first).to_be_visible()
    expect(page.get_by_text("Developer NPS").first).to_be_visible()
