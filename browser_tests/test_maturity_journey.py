"""Issue 15's journey: a platform admin answers the questionnaire for a dimension Paved has no data
for, edits the roadmap with a success metric on service ownership, and sees that metric move when a
newly registered component (owned and contactable) arrives in the catalog.

The catalog, techdocs and scaffolding sources are real; those behind the scorecards and insights
contracts answer "no data" here (those apps are merged later; their own tests cover them)."""

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.tests.factories import yaml_load
from maturity import sources
from maturity.models import Answer, Roadmap
from maturity.sources import Reading

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: team, children: [], members: [ann], profile: {email: payments@example.com}}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ann}
spec: {profile: {email: ann@example.com}, memberOf: [payments]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ledger}
spec: {type: service, lifecycle: production, owner: payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ghost}
spec: {type: service, lifecycle: production, owner: nobody}
"""
NEW_SERVICE = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: invoices}
spec: {type: service, lifecycle: production, owner: payments}
"""


@pytest.fixture
def assessment_world(transactional_db, tmp_path, settings, monkeypatch, django_user_model, password):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    yaml_load(tmp_path, ORG, name="org.yaml")
    for name in ("service_creation", "self_service", "onboarding", "cost_attribution", "monitoring"):
        monkeypatch.setattr(sources, name, lambda _n=name, **kw: Reading(None, needs=f"No {_n} data in this test."))
    monkeypatch.setattr(sources, "worst_checks", lambda **kw: [])
    django_user_model.objects.create_superuser("platform-admin", "admin@example.com", password)
    return tmp_path


@pytest.mark.browser
def test_admin_answers_edits_the_roadmap_and_sees_a_metric_move(page: Page, live_server, assessment_world,
                                                                password):
    sign_in(page, live_server, "platform-admin", password)
    page.goto(f"{live_server.url}/maturity/")
    ownership = page.locator("#dim-ownership")
    expect(ownership).to_contain_text("1 of 2 components owned and contactable")
    expect(ownership).to_contain_text("computed")

    # Self-service has no data: answer the questionnaire.
    row = page.locator("#dim-self_service")
    expect(row).to_contain_text("no data")
    row.get_by_role("link", name="Answer the questionnaire").click()
    expect(page.get_by_role("heading", name="Self-service infrastructure", level=1)).to_be_visible()
    page.get_by_label("Answer (percent)").fill("40")
    page.get_by_label("How you know (notes)").fill("<b>18 tickets</b> a month for 30 requests")
    page.get_by_label("Evidence links (one per line)").fill("https://jira.example/filter/42")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_text("Answer recorded.")).to_be_visible()
    expect(page.get_by_role("cell", name="<b>18 tickets</b> a month for")).to_be_visible()  # escaped, shown as typed
    assert Answer.objects.get().answered_by_name == "platform-admin"
    page.goto(f"{live_server.url}/maturity/")
    expect(page.locator("#dim-self_service")).to_contain_text("answered")
    expect(page.locator("#dim-self_service")).to_contain_text("Answered by platform-admin")

    # Edit the roadmap: a first item of our own, and the adoption metric on service ownership.
    page.get_by_role("link", name="Edit the roadmap").click()
    first = page.get_by_label("Month 1–2: Address the top pain point with quick wins")
    first.fill("Give ghost an owner -> catalog\n" + first.input_value())
    page.get_by_label("Adoption", exact=True).select_option("dimension:ownership")
    page.get_by_label("Adoption target").fill("100")
    page.get_by_role("button", name="Save the roadmap").click()
    expect(page.get_by_text("Roadmap saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Catalog").first).to_be_visible()
    expect(page.get_by_text("Give ghost an owner")).to_be_visible()
    metric = page.locator('tr[data-metric="dimension:ownership"]')
    expect(metric.locator(".metric-current")).to_have_text("50.0")
    expect(metric.locator(".metric-progress")).to_have_text("0%")
    assert Roadmap.objects.get().version == 1

    # New data arrives: another owned, contactable component is registered. 2 of 3 = 66.7%,
    # a third of the way from the 50% baseline to the 100% target.
    yaml_load(assessment_world, NEW_SERVICE, name="invoices.yaml")
    page.reload()
    metric = page.locator('tr[data-metric="dimension:ownership"]')
    expect(metric.locator(".metric-current")).to_have_text("66.7")
    expect(metric.locator(".metric-progress")).to_have_text("33%")
