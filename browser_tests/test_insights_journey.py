"""Platform Health in a real browser: open the dashboard, filter by team, follow a figure to its data."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from insights.models import TicketCount, UptimeDay
from insights.selectors import health
from insights.tests.health_fakes import Keys, fake_cost, fake_dora


@pytest.fixture
def platform_data(org, monkeypatch, settings):
    from django.utils import timezone

    settings.PAVED_INSIGHTS_HEALTH_CACHE_SECONDS = 0
    # Delivery and cost figures come from the other parts of insights; their reads are faked here
    # (their own tests cover them), so this journey tests the pages.
    today = timezone.localdate()
    dora = fake_dora(current=Keys(deployments=60, deploys_per_day=4.0, restore_hours=0.5, lead_time_hours=3.0),
                     previous=Keys(deployments=30, deploys_per_day=2.0, restore_hours=2.0),
                     series=[(today.replace(day=1), Keys(deployments=20, deploys_per_day=4.0, restore_hours=0.5))])
    monkeypatch.setattr(health, "_dora", lambda: dora)
    monkeypatch.setattr(health, "_cost", lambda: fake_cost(per_developer={}, latest=None))
    TicketCount.objects.create(month=today.replace(day=1), team_ref="group:default/team-a", category="access",
                               count=2)
    now = timezone.now()
    UptimeDay.objects.create(component="argocd", day=today, ok=999, failed=1, first_at=now, last_at=now)
    return date.today()


def test_the_dashboard_filters_by_team_and_leads_to_the_data(page: Page, live_server, platform_data, password):
    sign_in(page, live_server, "owner", password)
    page.get_by_role("link", name="Insights").first.click()
    expect(page).to_have_url(re.compile(r"/insights/$"))
    expect(page.get_by_role("heading", name="Platform Health", level=1)).to_be_visible()
    rows = page.locator("#health-rows")
    expect(rows.locator('tr[data-key="deploy_frequency"]')).to_contain_text("2.00 deploys/day/team")
    expect(rows.locator('tr[data-key="cost_per_developer"]')).to_contain_text("No data")
    expect(page.locator("#health-indicators")).to_contain_text("Incident count trend")

    # The team filter swaps the figures in place (htmx) and keeps the address shareable.
    page.get_by_label("Team").select_option("group:default/team-a")
    expect(page.locator("#health-scope")).to_contain_text("Team team-a")
    expect(page).to_have_url(re.compile(r"team=group%3Adefault%2Fteam-a"))
    expect(rows.locator('tr[data-key="deploy_frequency"]')).to_contain_text("4.00 deploys/day/team")
    expect(rows.locator('tr[data-key="self_service_rate"]')).to_contain_text("0%")

    # Follow one figure to the data behind it.
    rows.locator('tr[data-key="mttr_hours"]').get_by_role("link", name="Data behind it").click()
    expect(page.get_by_role("heading", name="MTTR", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/insights/figures/mttr_hours/\?.*team=group%3Adefault%2Fteam-a"))
    expect(page.locator("#figure-value")).to_have_text("30 minutes")
    expect(page.locator("#figure-data")).to_be_visible()
    expect(page.locator("svg.chart-line")).to_be_visible()
