"""Platform Health rows against hand-computed answers, with the delivery and cost reads faked."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from insights.models import HeadcountMonth, TicketCount, UptimeDay
from insights.selectors import health
from insights.tests.health_fakes import Keys, fake_cost, fake_dora
from scaffolding.models import ScaffoldedRepository, ScaffoldRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_other_data(monkeypatch):
    monkeypatch.setattr(health, "_dora", lambda: None)
    monkeypatch.setattr(health, "_cost", lambda: None)


def _by_key(metrics):
    return {m.key: m for m in metrics}


def _month(offset: int = 0) -> date:
    today = timezone.localdate().replace(day=1)
    return health._month_add(today, offset)


def test_every_row_without_data_says_what_it_needs_and_shows_no_number(org, no_other_data):
    rows = health.dashboard()
    assert [m.key for m in rows] == list(health.KEYS)
    by_key = _by_key(rows)
    for key in ("self_service_rate", "developer_nps", "onboarding_days", "service_creation_hours",
                "deploy_frequency", "mttr_hours", "platform_uptime", "cost_per_developer"):
        assert by_key[key].value is None, key
        assert by_key[key].needs, key
        assert by_key[key].link.startswith(f"/insights/figures/{key}/")
    assert "POST /api/insights/tickets" in by_key["self_service_rate"].needs
    assert "POST /api/insights/checks" in by_key["platform_uptime"].needs
    # Two components exist, none from a template: 0% is a real figure, not missing data.
    assert by_key["golden_path_adoption"].value == 0.0 and by_key["golden_path_adoption"].needs is None


def test_adoption_counts_template_made_services_and_passing_ones(org, no_other_data, monkeypatch):
    ScaffoldedRepository.objects.create(template_ref="template:default/svc", owner="acme", name="orders",
                                        remote_url="x", entity_ref="component:default/orders")
    assert health.metric(key="golden_path_adoption").value == 0.5
    assert health.metric(key="golden_path_adoption", team_ref="group:default/team-a").value == 1.0
    # The golden-path scorecard says 80% pass every check: the union is at least that.
    asked = []
    monkeypatch.setitem(health._SOURCES, "golden_path_share", lambda owners: asked.append(owners) or 0.8)
    m = health.metric(key="golden_path_adoption")
    assert m.value == 0.8 and "scorecard: 80%" in m.note
    assert health.metric(key="golden_path_adoption", team_ref="group:default/team-a").value == 1.0
    assert asked == [None, ["group:default/team-a"]]


def test_self_service_rate_is_tasks_against_tickets(org, no_other_data, owner):
    for _ in range(3):
        ScaffoldRun.objects.create(template_ref="template:default/svc", status="completed", created_by=owner,
                                   created_by_ref="user:default/owner")
    ScaffoldRun.objects.create(template_ref="template:default/svc", status="failed",
                               created_by_ref="user:default/owner")
    ScaffoldRun.objects.create(template_ref="template:default/svc", status="completed", dry_run=True)
    TicketCount.objects.create(month=_month(), team_ref="group:default/team-a", category="access", count=1)
    TicketCount.objects.create(month=_month(), team_ref="group:default/team-b", category="db", count=2)
    rate = health.metric(key="self_service_rate", period="30d")
    assert rate.value == pytest.approx(3 / (3 + 3))
    team = health.metric(key="self_service_rate", team_ref="group:default/team-a", period="30d")
    assert team.value == pytest.approx(3 / 4)
    assert rate.trend[-1] == pytest.approx(0.5) and rate.trend[0] is None


def test_deploy_frequency_per_team_and_mttr_from_the_four_keys(org, monkeypatch):
    dora = fake_dora(current=Keys(deployments=90, deploys_per_day=3.0, restore_hours=0.5),
                     previous=Keys(deployments=30, deploys_per_day=1.0, restore_hours=4.0),
                     series=[(_month(), Keys(deployments=10, deploys_per_day=2.0, restore_hours=1.0))])
    monkeypatch.setattr(health, "_dora", lambda: dora)
    monkeypatch.setattr(health, "_cost", lambda: None)
    rows = _by_key(health.dashboard(period="90d"))
    # Two teams own components (team-a, team-b): 3 a day shared by two teams.
    assert rows["deploy_frequency"].value == 1.5 and rows["deploy_frequency"].previous == 0.5
    assert rows["deploy_frequency"].trend[-1] == 1.0 and rows["deploy_frequency"].improved is True
    assert rows["mttr_hours"].value == 0.5 and rows["mttr_hours"].previous == 4.0
    assert rows["mttr_hours"].improved is True  # lower is better
    # One read of each window, shared by both rows.
    assert [c[0] for c in dora.calls].count("dora_keys") == 2
    team = health.metric(key="deploy_frequency", team_ref="group:default/team-a")
    assert team.value == 3.0
    assert dora.calls[-1][0] == "dora_keys" and dora.calls[-1][3] == ["component:default/orders"]


def test_deploy_frequency_with_no_deploys_needs_data(org, monkeypatch):
    dora = fake_dora(current=Keys(), previous=Keys())
    monkeypatch.setattr(health, "_dora", lambda: dora)
    m = health.metric(key="deploy_frequency")
    assert m.value is None and "POST /api/events" in m.needs


def test_onboarding_is_the_median_from_first_day_to_first_activity(org, monkeypatch, owner, teammate):
    now = timezone.now()
    for user, joined in ((owner, now - timedelta(days=20)), (teammate, now - timedelta(days=10))):
        user.date_joined = joined
        user.save()
    dora = fake_dora(current=Keys(), previous=Keys(), first_activity={
        "owner@example.com": now - timedelta(days=18), "teammate@example.com": now - timedelta(days=6)})
    monkeypatch.setattr(health, "_dora", lambda: dora)
    m = health.metric(key="onboarding_days", team_ref="group:default/team-a", period="30d")
    assert m.value == pytest.approx(3.0)  # median of 2 and 4 days
    assert m.previous is None


def test_service_creation_is_task_start_to_first_production_deploy(org, monkeypatch):
    started = timezone.now() - timedelta(days=3)
    run = ScaffoldRun.objects.create(template_ref="template:default/svc", status="completed", started_at=started)
    ScaffoldedRepository.objects.create(run=run, template_ref="template:default/svc", owner="acme", name="orders",
                                        remote_url="x", entity_ref="component:default/orders")
    dora = fake_dora(current=Keys(), previous=Keys(),
                     first_deploys={"component:default/orders": started + timedelta(hours=6)})
    monkeypatch.setattr(health, "_dora", lambda: dora)
    assert health.metric(key="service_creation_hours").value == pytest.approx(6.0)


def test_platform_uptime_counts_missing_minutes_as_down_and_takes_the_weakest(org, no_other_data):
    now = timezone.now()
    start = now - timedelta(minutes=100)
    UptimeDay.objects.create(component="paved", day=timezone.localdate(start), ok=99, failed=0, first_at=start,
                             last_at=now)
    m = health.metric(key="platform_uptime", period="30d")
    assert m.value == pytest.approx(99.0, abs=0.01)
    UptimeDay.objects.create(component="argocd", day=timezone.localdate(now), ok=3, failed=1, first_at=now,
                             last_at=now)
    assert health.metric(key="platform_uptime", period="30d").value == pytest.approx(75.0)
    assert health.metric(key="platform_uptime").target == "≥ 99.9% (SLO)"


def test_cost_per_developer_reads_the_latest_month_and_the_one_before(org, monkeypatch):
    latest = date(2026, 11, 1)
    cost = fake_cost(per_developer={(latest, None): 1200.0, (date(2026, 10, 1), None): 1800.0}, latest=latest)
    monkeypatch.setattr(health, "_cost", lambda: cost)
    m = health.metric(key="cost_per_developer")
    assert (m.value, m.previous) == (1200.0, 1800.0) and m.improved is True
    assert m.trend_labels[-1] == "2026-11"


def test_nps_respects_the_anonymity_threshold(org, no_other_data, settings):
    from surveys.models import Campaign, CampaignQuestion, CampaignTally, Question

    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = 3
    q = Question.objects.create(key="developer-nps", kind="nps", text="Recommend?")
    past = timezone.localdate() - timedelta(days=200)
    campaigns = []
    for i, (quarter, hist) in enumerate((("2026-Q1", {10: 2, 3: 2}), ("2026-Q2", {10: 3, 9: 1, 5: 0}))):
        c = Campaign.objects.create(title=quarter, quarter=quarter, opens_on=past + timedelta(days=90 * i),
                                    closes_on=past + timedelta(days=90 * i + 14))
        CampaignQuestion.objects.create(campaign=c, question=q, section="Overall", order=1)
        n = sum(hist.values())
        CampaignTally.objects.create(campaign=c, question=None, team_ref="group:default/team-a", n=n)
        for value, count in hist.items():
            if count:
                CampaignTally.objects.create(campaign=c, question=q, team_ref="group:default/team-a", value=value,
                                             n=count)
        campaigns.append(c)
    m = health.metric(key="developer_nps")
    assert (m.value, m.previous) == (100.0, 0.0)
    assert m.trend_labels == ["2026-Q1", "2026-Q2"]
    # team-b gave no answers: nothing may be said about it.
    assert health.metric(key="developer_nps", team_ref="group:default/team-b").value is None


def test_indicators_are_the_seeds_table(org, no_other_data):
    HeadcountMonth.objects.create(month=_month(), team_ref="", headcount=50, leavers=1)
    TicketCount.objects.create(month=_month(-1), category="access", count=7)
    rows = {i.key: i for i in health.indicators()}
    assert [(i.kind, i.key) for i in health.indicators()] == [
        ("leading", "template_usage"), ("leading", "survey_scores"), ("leading", "support_tickets"),
        ("lagging", "dora_improvement"), ("lagging", "attrition"), ("lagging", "incident_count")]
    assert rows["attrition"].values[-1] == 2.0 and rows["attrition"].needs is None
    assert rows["support_tickets"].values[-2] == 7.0 and rows["support_tickets"].values[-1] is None
    assert rows["incident_count"].needs and rows["template_usage"].needs


def test_unknown_key_and_team(org, no_other_data):
    assert health.metric(key="nope") is None
    assert health.team_overview(team_ref="group:default/nope") is None


def test_lagging_indicators_from_the_monthly_four_keys(org, monkeypatch):
    dora = fake_dora(current=Keys(), previous=Keys(),
                     series=[(_month(-1), Keys(incidents=3, lead_time_hours=30.0)),
                             (_month(), Keys(incidents=1, lead_time_hours=12.0))])
    monkeypatch.setattr(health, "_dora", lambda: dora)
    monkeypatch.setattr(health, "_cost", lambda: None)
    rows = {i.key: i for i in health.indicators()}
    assert rows["incident_count"].values[-2:] == [3.0, 1.0] and rows["incident_count"].values[0] == 0.0
    assert rows["dora_improvement"].values[-2:] == [30.0, 12.0] and rows["dora_improvement"].needs is None
