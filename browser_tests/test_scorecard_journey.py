"""Scorecards in a real browser: an owner opens a service's Scorecard tab, CI posts a coverage report
through the facts API, the grade changes once the rescore ran, the owner requests an exemption and a
platform admin approves it.

No worker: Celery runs eagerly for this test (the facts API and the exemption decision enqueue
`scorecards.tasks.entities_rescore` on commit; it runs in the live server's thread right after).
"""

import pytest
from celery import current_app
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import yaml_load
from portal.tokens import api_token_create

SERVICE = "checkout"
REF = f"component:default/{SERVICE}"
# A service that passes most of the seed's checks from the catalog alone (owner with members, on-call
# and alerting annotations, the five cost labels) and from CI facts posted before the test (scan, SLO,
# integration tests): 70/100 (C) without coverage, 80/100 (B) once a 90 % coverage report arrives.
ORG_YAML = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: [], members: [owner, teammate]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {profile: {email: owner@example.com}, memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: teammate}
spec: {profile: {email: teammate@example.com}, memberOf: [team-a]}
"""
SERVICE_YAML = f"""\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {SERVICE}
  annotations:
    pagerduty.com/service-id: PCHECKOUT
  labels: {{team: team-a, service: {SERVICE}, environment: production, cost-center: cc-42, tier: "1"}}
spec: {{type: service, lifecycle: production, owner: team-a}}
"""
COBERTURA = """<?xml version="1.0"?>
<coverage line-rate="0.9" branch-rate="0.8" lines-covered="90" lines-valid="100" branches-covered="8"
          branches-valid="10" complexity="0" version="1" timestamp="1764979200">
  <packages><package name="checkout" line-rate="0.9" branch-rate="0.8" complexity="0"><classes>
    <class name="cart" filename="checkout/cart.py" line-rate="0.9" branch-rate="0.8" complexity="0"><lines>
      <line number="1" hits="1"/></lines></class>
  </classes></package></packages>
</coverage>
"""


@pytest.fixture
def scored(transactional_db, tmp_path, settings, monkeypatch, owner, teammate, password, django_user_model):
    from scorecards.services import definitions, facts, portal_facts, scoring

    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    yaml_load(tmp_path, ORG_YAML + "---\n" + SERVICE_YAML, name="org.yaml")
    definitions.scorecards_load_defaults()
    portal_facts.portal_facts_refresh(entity_refs=[REF])
    facts.facts_record_bulk(actor=owner, items=[facts.FactItem(entity_ref=REF, source="ci", facts={
        "scan.present": True, "vulnerabilities.critical": 0, "vulnerabilities.high": 0,
        "slo.count": 1, "tests.integration": 3})])
    scoring.scores_recompute_all()
    # From here on, work enqueued by the live server runs at once in its thread.
    monkeypatch.setattr(current_app.conf, "task_always_eager", True)
    monkeypatch.setattr(current_app.conf, "task_eager_propagates", True)
    django_user_model.objects.create_superuser("admin", "admin@example.com", password)
    return api_token_create(user=owner, name="ci", scope="facts")


def _card(page: Page):
    return page.locator('section[data-scorecard="service-maturity"]')


def test_owner_sees_the_grade_change_after_a_coverage_report_and_gets_an_exemption_approved(
    page: Page, live_server, scored, context, password
):
    sign_in(page, live_server, "owner", password)
    page.goto(f"{live_server.url}/catalog/default/component/{SERVICE}/")
    expect(page.get_by_role("complementary", name="Scorecard grades")).to_contain_text("C")
    page.get_by_role("navigation", name="Entity sections").get_by_role("link", name="Scorecard").click()
    expect(page).to_have_url(f"{live_server.url}/scorecards/entities/default/component/{SERVICE}/")
    card = _card(page)
    expect(card.locator("[data-grade]")).to_have_attribute("data-grade", "C")
    expect(card.locator(".sc-points")).to_have_text("70/100")
    expect(card.locator(".sc-missing")).to_contain_text("Missing: docs, runbook, tests")
    expect(card.locator('tr[data-check="coverage"] .state')).to_have_text("unknown")

    # CI posts the coverage report with its facts-only token (not the browser's session).
    response = page.request.post(
        f"{live_server.url}/api/facts/reports?entityRef={REF}&format=cobertura&filename=coverage.xml",
        data=COBERTURA, headers={"Authorization": f"Bearer {scored}", "Content-Type": "application/xml"})
    assert response.ok, response.text()

    page.reload()
    expect(card.locator("[data-grade]")).to_have_attribute("data-grade", "B")
    expect(card.locator(".sc-points")).to_have_text("80/100")
    coverage = card.locator('tr[data-check="coverage"]')
    expect(coverage.locator(".state")).to_have_text("pass")
    expect(coverage).to_contain_text("cobertura")
    expect(coverage).to_contain_text("90")

    # The owner asks to exempt the runbook check.
    card.get_by_text("Request exemption").first.click()
    card.get_by_label("Check", exact=True).select_option("runbook")
    card.get_by_label("Reason", exact=True).fill("The runbook lives in the vendor's console until March.")
    card.get_by_role("button", name="Request exemption").click()
    expect(_card(page).locator(".sc-exemptions")).to_contain_text("Waiting for approval")
    expect(_card(page).get_by_role("button", name="Approve")).to_have_count(0)

    # A platform admin approves it; the entity is rescored and the check shows as exempt.
    context.clear_cookies()
    sign_in(page, live_server, "admin", password)
    page.goto(f"{live_server.url}/scorecards/entities/default/component/{SERVICE}/")
    _card(page).get_by_role("button", name="Approve").click()
    expect(_card(page).locator(".sc-exemptions")).to_contain_text("Approved")
    page.reload()
    expect(_card(page).locator('tr[data-check="runbook"] .state')).to_have_text("exempt")
    expect(_card(page).locator(".sc-points")).to_have_text("85/100")
    expect(_card(page).locator(".sc-missing")).not_to_contain_text("runbook")
