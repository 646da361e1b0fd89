"""The demo: the tools' own payloads, sent through the real ingestion, giving every dashboard row a
value, with teams that differ; and a second run changes nothing."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from insights import demo
from insights.selectors import health

pytestmark = pytest.mark.django_db

events = pytest.importorskip("insights.services.events", reason="the delivery events part of insights")
cost = pytest.importorskip("insights.services.cost", reason="the cost part of insights")

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

DEMO_ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-platform}
spec: {type: team, children: [], members: [ada, bob]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-checkout}
spec: {type: team, children: [], members: [cy, dee]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ada}
spec: {profile: {email: ada@acme.example}, memberOf: [team-platform]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {profile: {email: bob@acme.example}, memberOf: [team-platform]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: cy}
spec: {profile: {email: cy@acme.example}, memberOf: [team-checkout]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: dee}
spec: {profile: {email: dee@acme.example}, memberOf: [team-checkout]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: api-gateway
  annotations: {github.com/project-slug: acme-retail/api-gateway, pagerduty.com/service-id: PPLT001}
spec: {type: service, lifecycle: production, owner: team-platform}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: acme-cli
  annotations: {github.com/project-slug: acme-retail/acme-cli}
spec: {type: tool, lifecycle: production, owner: team-platform}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout-service
  annotations: {github.com/project-slug: acme-retail/checkout-service}
spec: {type: service, lifecycle: production, owner: team-checkout}
"""


@pytest.fixture
def demo_org(db, tmp_path, settings):
    from catalog import services
    from catalog.models import Location

    folder = tmp_path / "demo-org"
    folder.mkdir()
    (folder / "catalog-info.yaml").write_text(DEMO_ORG)
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(folder)]
    location = Location.objects.create(type="file", target=str(folder / "catalog-info.yaml"))
    services.location_refresh(location_id=location.pk)


@pytest.fixture
def admin(django_user_model, settings):
    from cryptography.fernet import Fernet

    settings.PAVED_SECRETS_ENCRYPTION_KEY = Fernet.generate_key().decode()
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "x")


def test_the_plan_is_the_tools_own_payloads_and_is_seeded(demo_org):
    from insights.lib.webhooks import github, pagerduty, signatures

    plan = demo.plan(now=NOW, days=120)
    again = demo.plan(now=NOW, days=120)
    assert [s.delivery_id() for s in plan.sends] == [s.delivery_id() for s in again.sends]
    kinds = {(s.kind, s.event) for s in plan.sends}
    assert {("github", "push"), ("github", "deployment_status"), ("pagerduty", "incident.triggered")} <= kinds
    for send in plan.sends:
        headers = demo._signed_headers(send, "s" * 32)
        if send.kind == "github":
            assert signatures.github_valid(secret="s" * 32, body=send.body(), header=headers["X-Hub-Signature-256"])
            normalised = github.normalise(send.event, json.loads(send.body()))
        else:
            assert signatures.pagerduty_valid(secret="s" * 32, body=send.body(),
                                              header=headers["X-PagerDuty-Signature"])
            normalised = pagerduty.normalise(send.event, json.loads(send.body()))
        assert normalised.events, (send.event, normalised.ignored)
    rows = list(csv.DictReader(io.StringIO(plan.focus_csv)))
    assert rows and set(demo.FOCUS_HEADER) == set(rows[0])
    labelled = [json.loads(r["Tags"]) for r in rows if r["Tags"] != "{}"]
    assert {t["team"] for t in labelled} == {"team-platform", "team-checkout"}


def test_the_demo_goes_through_ingestion_and_fills_every_row(demo_org, admin):
    result = demo.load(actor=admin, now=NOW, days=120, log=lambda line: None)
    assert result.deliveries > 100 and result.processed == result.deliveries and result.duplicates == 0
    assert result.cost_lines > 0 and not result.notes
    from insights.models import Delivery

    assert not Delivery.objects.exclude(status="processed").exclude(status="ignored").exists()


def test_teams_differ_and_a_second_run_changes_nothing(demo_org, admin, monkeypatch):
    from django.utils import timezone

    from surveys.demo import demo_surveys_load

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    demo_surveys_load()  # `make run` loads the surveys' demo too: Developer NPS comes from there
    demo.load(actor=admin, now=NOW, days=120, log=lambda line: None)
    rows = {m.key: m for m in health.dashboard(period="90d")}
    missing = {k: m.needs for k, m in rows.items() if m.value is None}
    assert not missing
    elite = {m.key: m for m in health.dashboard(team_ref="group:default/team-platform", period="90d")}
    struggling = {m.key: m for m in health.dashboard(team_ref="group:default/team-checkout", period="90d")}
    assert elite["deploy_frequency"].value > 5 * struggling["deploy_frequency"].value
    assert elite["mttr_hours"].value < struggling["mttr_hours"].value
    from insights.models import Delivery, TicketCount, UptimeDay

    counts = (Delivery.objects.count(), TicketCount.objects.count(), UptimeDay.objects.count())
    second = demo.load(actor=admin, now=NOW, days=120, log=lambda line: None)
    assert second.deliveries == 0 and second.template_runs == 0 and second.accounts == 0
    assert (Delivery.objects.count(), TicketCount.objects.count(), UptimeDay.objects.count()) == counts


def test_the_command_needs_an_admin_account(demo_org):
    with pytest.raises(CommandError, match="ensure_admin"):
        call_command("insights_demo", "--actor", "nobody")
