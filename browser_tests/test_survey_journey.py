"""A developer answers the quarterly survey in a real browser; an admin reads the results."""

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import yaml_load
from surveys import services
from surveys.tasks import results_publish as results_publish_task
from surveys.tests.conftest import ORG, add_responses, open_campaign


@pytest.fixture
def survey(transactional_db, tmp_path, owner, teammate, outsider, monkeypatch, settings):
    # The submit enqueues the results publication; the test runs it itself instead of a worker
    # (and leaves nothing in the development broker's queue).
    monkeypatch.setattr(results_publish_task, "delay", lambda campaign_id: None)
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]  # the catalog reads only there
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

    # Others answered too: team-a 7, team-b 6, team-c only 2, and 4 more people whose teams are too
    # small to be stored (like the owner). The worker publishes whole batches of k = 5 per team:
    # team-a 5, team-b 5, the unlabelled 5 ("Other teams"); the rest waits, so team-c shows nowhere.
    add_responses(survey, team="group:default/team-a", count=7, likert=5)
    add_responses(survey, team="group:default/team-b", count=6, likert=3)
    add_responses(survey, team="group:default/team-c", count=2, likert=1)
    add_responses(survey, team="", count=4, likert=2)
    services.results_publish(campaign=survey)
    context.clear_cookies()
    django_user_model.objects.create_superuser("boss", "boss@example.com", password)
    sign_in(page, live_server, "boss", password)
    page.goto(f"{live_server.url}/surveys/")
    page.get_by_role("link", name="Results").first.click()
    expect(page).to_have_url(re.compile(rf"/surveys/{survey.pk}/results/$"))
    rates = page.locator("#response-rates")
    expect(rates).to_contain_text("team-a")
    expect(rates).to_contain_text("Other teams")
    expect(rates.locator("tr", has_text="Other teams")).to_contain_text("5")
    expect(page.locator("div.card", has_text="Answers")).to_contain_text("15")
    expect(page.locator("#batch-note")).to_contain_text("batches of 5 per team")
    expect(page.locator("main")).not_to_contain_text("team-c")
    expect(page.locator(".trend svg").first).to_be_visible()
    expect(page.get_by_text("Developer NPS").first).to_be_visible()
