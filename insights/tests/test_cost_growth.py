"""Growth flags and monthly team reports against hand-computed series."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from core.models import AuditEntry
from insights.models.cost import CostLine, CostReport
from insights.selectors import cost as selectors
from insights.services.cost import cost_reports_send

pytestmark = pytest.mark.django_db
MAY = date(2025, 5, 1)


def _spend(team: str, service: str, amounts: dict[int, str]) -> None:
    for month, amount in amounts.items():
        CostLine.objects.create(month=date(2025, month, 1), source="focus", service=service, currency="USD",
                                team=f"group:default/{team}" if team else "", amount=Decimal(amount))


@pytest.fixture
def history(settings):
    settings.PAVED_COST_GROWTH_THRESHOLD = 0.2
    # team-a: +10 % three times (mean 0.1, σ 0): May's +50.26 % (200 / 133.1) is over both limits.
    _spend("team-a", "orders", {1: "100", 2: "110", 3: "121", 4: "133.1", 5: "200"})
    # team-b swings: +100 %, −50 %, +100 % (mean 0.5, σ √0.5 ≈ 0.707, limit ≈ 1.914): +50 % is its normal.
    _spend("team-b", "", {1: "100", 2: "200", 3: "100", 4: "200", 5: "300"})
    # team-c has one month of history: +30 % over the threshold is enough.
    _spend("team-c", "", {4: "10", 5: "13"})
    # team-d: +10 %, under the threshold; unallocated spend tripling is never a team's flag.
    _spend("team-d", "", {4: "10", 5: "11"})
    _spend("", "", {4: "10", 5: "30"})


def test_growth_flags(history):
    flags = selectors.growth_flags(month=MAY)
    assert [(f.kind, f.key) for f in flags] == [("service", "orders"), ("team", "group:default/team-a"),
                                                ("team", "group:default/team-c")]
    team_a = flags[1]
    assert team_a.change == pytest.approx(200 / 133.1 - 1)
    assert team_a.history_limit == pytest.approx(0.1)
    assert (team_a.spend, team_a.previous) == (Decimal("200"), Decimal("133.1"))
    assert "team-a: +50% month over month" in team_a.reason
    assert flags[2].history_limit is None and "under 3 months of history" in flags[2].reason
    assert selectors.growth_flags() == flags  # the latest month by default
    assert selectors.growth_flags(month=MAY, team_ref="team-c") == [flags[2]]


def test_threshold_setting(history, settings):
    settings.PAVED_COST_GROWTH_THRESHOLD = 0.4
    assert [f.key for f in selectors.growth_flags(month=MAY)] == ["orders", "group:default/team-a"]


def test_team_report(history):
    report = selectors.team_report(team_ref="team-a", month=MAY)
    assert (report.spend, report.previous) == (Decimal("200"), Decimal("133.1"))
    assert report.change == pytest.approx(0.50263, abs=1e-5)
    assert report.top_services == [("orders", Decimal("200"))]
    assert [f.kind for f in report.flags] == ["service", "team"]
    new = selectors.team_report(team_ref="team-c", month=date(2025, 4, 1))
    assert (new.previous, new.change) == (None, None)


def test_reports_are_mailed_once_per_team_and_month(history, org, settings):
    settings.PAVED_PUBLIC_URL = "https://paved.example.com"
    assert cost_reports_send(month=MAY) == 2  # team-a (owner, teammate) and team-b (outsider)
    assert CostReport.objects.filter(month=MAY).count() == 4  # team-c and team-d: no members, claimed anyway
    by_subject = {message.subject: message for message in mail.outbox}
    team_a = by_subject["Cloud spend of team-a, May 2025"]
    assert team_a.to == ["owner@example.com", "teammate@example.com"]
    assert "200.00 USD" in team_a.body and "133.10 USD (+50.3%)" in team_a.body
    assert "orders: 200.00" in team_a.body and "Flagged for review" in team_a.body
    assert "https://paved.example.com/insights/cost/teams/team-a/?month=2025-05" in team_a.body
    assert "Per developer (2 people): 100.00 USD" in team_a.body
    assert cost_reports_send(month=MAY) == 0
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="insights.cost.report").count() == 2


def test_a_failed_mail_is_tried_again(history, org, monkeypatch):
    def broken(**kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("insights.services.cost.send_mail", broken)
    with pytest.raises(OSError):
        cost_reports_send(month=MAY)
    assert not CostReport.objects.filter(team="group:default/team-a").exists()


def test_default_month_is_the_last_complete_one(history, org):
    # May 2025 is long past: the latest month with data is the one reported
    assert cost_reports_send() == 2
    assert set(CostReport.objects.values_list("month", flat=True)) == {MAY}


def test_a_month_is_reported_from_the_second_of_the_next(org, settings, monkeypatch):
    from datetime import UTC, datetime

    from django.utils import timezone

    _spend("team-a", "orders", {1: "10", 2: "20", 3: "5"})  # March: month-to-date (OpenCost)

    def at(day):
        monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 3, day, 9, 0, tzinfo=UTC))
        return cost_reports_send()

    assert at(1) == 1 and list(CostReport.objects.values_list("month", flat=True)) == [date(2025, 1, 1)]
    assert at(2) == 1 and CostReport.objects.filter(month=date(2025, 2, 1)).exists()
    assert at(3) == 0  # February's is sent; March is not over
