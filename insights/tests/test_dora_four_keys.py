"""The four keys against hand-computed answers, through the real API and processing path.

January 2026 for component `shop` (31 days):
  D1 Jan 5 10:00 success  commits c1 (authored Jan 5 06:00: 4 h)
  D2 Jan 12 10:00 success commits c2 (Jan 11 10:00: 24 h), c3 (Jan 12 08:00: 2 h); incident I1 names it
  D3 Jan 13 10:00 success no commits (a deployment with no commits)
  D4 Jan 14 10:00 rollback (undoes D3: D3 failed); lists c3 again (c3's lead stays measured to D2)
  D5 Jan 20 staging (not production), D6 Jan 21 production failure (a failed attempt: not counted)
  I1 Jan 12 11:00 -> 13:00 (2 h), caused by D2 · I2 Jan 25, never resolved · I3 Jan 26 00:00 -> 06:00 (6 h)
Deployments 4 (D1-D4), failed 2 (D2, D3): change failure rate 0.5 (low). Per day 4/31 = 0.129
(medium: at least monthly, under weekly). Lead times 4, 24, 2 h: median 4 h (elite). Restore 2 h and
6 h: median 4 h (high); 3 incidents, 1 unresolved. February has no deployments at all.
"""

import json
from datetime import UTC, date, datetime

import pytest

from catalog.tests.factories import component_yaml, yaml_load
from insights.models import DeliveryDay
from insights.selectors.dora import dora_keys, dora_series, first_activity, first_production_deploys, incident_counts
from insights.services.events import dora_rebuild
from insights.tests.events_fixtures import events_token, process_pending, sender
from insights.tests.test_delivery_months import assert_months_are_the_sum_of_days

FIXTURES = (events_token, sender)  # pytest finds fixtures by the names imported here

pytestmark = pytest.mark.django_db
SHOP = "component:default/shop"
C1, C2, C3, C4 = "1" * 40, "2" * 40, "3" * 40, "4" * 40


def deploy(i, at, commits=(), status="success", env="production"):
    return {"type": "deployment", "id": f"D{i}", "service": "shop", "environment": env, "time": at,
            "status": status, "commits": list(commits)}


def change(sha, at, author="ana@example.com"):
    return {"type": "change", "sha": sha, "time": at, "author": author, "service": "shop"}


FIRST = [change(C1, "2026-01-05T06:00:00Z"), deploy(1, "2026-01-05T10:00:00Z", [C1]),
         deploy(2, "2026-01-12T10:00:00Z", [C2, C3]),
         {"type": "incident", "id": "I1", "service": "shop", "opened": "2026-01-12T11:00:00Z",
          "resolved": "2026-01-12T13:00:00Z", "caused_by": "D2", "severity": "sev1"}]
SECOND = [change(C2, "2026-01-11T10:00:00Z", author="bo@example.com"), change(C3, "2026-01-12T08:00:00Z"),
          change(C1, "2026-01-05T06:00:00Z"), deploy(1, "2026-01-05T10:00:00Z", [C1]),
          deploy(3, "2026-01-13T10:00:00Z"), deploy(4, "2026-01-14T10:00:00Z", [C3], status="rollback"),
          deploy(5, "2026-01-20T10:00:00Z", [C4], env="staging"), change(C4, "2026-01-19T10:00:00Z"),
          deploy(6, "2026-01-21T10:00:00Z", status="failure"),
          {"type": "incident", "id": "I2", "service": "shop", "opened": "2026-01-25T00:00:00Z"},
          {"type": "incident", "id": "I3", "service": "shop", "opened": "2026-01-26T00:00:00Z",
           "resolved": "2026-01-26T06:00:00Z"}]


@pytest.fixture
def sent(tmp_path, client, events_token):
    yaml_load(tmp_path, component_yaml("shop"))
    auth = {"Authorization": f"Bearer {events_token}"}
    for batch in (FIRST, SECOND, FIRST):  # FIRST twice: a duplicate delivery
        body = json.dumps({"events": batch})
        response = client.post("/api/events", body, content_type="application/json", headers=auth)
        assert response.status_code in (200, 202), response.content
    assert response.json()["status"] == "duplicate"
    assert process_pending() == ["processed", "processed"]


JAN = {"start": date(2026, 1, 1), "end": date(2026, 1, 31)}


@pytest.mark.usefixtures("sent")
def test_january_for_the_component_and_the_organisation():
    for refs in ([SHOP], None):
        keys = dora_keys(**JAN, component_refs=refs)
        assert keys.deployments == 4 and keys.failed_deployments == 2
        assert keys.deploys_per_day == pytest.approx(4 / 31)
        assert keys.lead_time_hours == 4.0 and keys.changes == 3
        assert keys.change_failure_rate == 0.5
        assert keys.restore_hours == 4.0
        assert (keys.incidents, keys.unresolved_incidents) == (3, 1)
        assert keys.bands == {"deploy_frequency": "medium", "lead_time": "elite", "change_failure_rate": "low",
                              "restore": "high"}


@pytest.mark.usefixtures("sent")
def test_a_month_with_no_deploys():
    keys = dora_keys(start=date(2026, 2, 1), end=date(2026, 2, 28), component_refs=[SHOP])
    assert (keys.deployments, keys.deploys_per_day, keys.lead_time_hours, keys.change_failure_rate,
            keys.restore_hours) == (0, 0.0, None, None, None)
    assert keys.bands["deploy_frequency"] == "low" and keys.bands["lead_time"] == ""


@pytest.mark.usefixtures("sent")
def test_weekly_and_monthly_series():
    weeks = dict(dora_series(start=date(2026, 1, 5), end=date(2026, 1, 25), bucket="week", component_refs=[SHOP]))
    assert list(weeks) == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    assert (weeks[date(2026, 1, 5)].deployments, weeks[date(2026, 1, 5)].lead_time_hours) == (1, 4.0)
    week = weeks[date(2026, 1, 12)]
    assert (week.deployments, week.failed_deployments, week.lead_time_hours) == (3, 2, 13.0)  # median of 24 h, 2 h
    assert week.deploys_per_day == pytest.approx(3 / 7)
    assert weeks[date(2026, 1, 19)].deployments == 0 and weeks[date(2026, 1, 19)].incidents == 1  # I2 on Jan 25
    months = dora_series(start=date(2026, 1, 1), end=date(2026, 3, 31), bucket="month")
    assert [(m, k.deployments) for m, k in months] == [(date(2026, 1, 1), 4), (date(2026, 2, 1), 0),
                                                       (date(2026, 3, 1), 0)]
    quarters = dora_series(start=date(2026, 1, 1), end=date(2026, 3, 31), bucket="quarter")
    assert [(q, k.incidents) for q, k in quarters] == [(date(2026, 1, 1), 3)]
    assert incident_counts(start=date(2026, 1, 1), end=date(2026, 2, 28)) == [(date(2026, 1, 1), 3),
                                                                              (date(2026, 2, 1), 0)]


@pytest.mark.usefixtures("sent")
def test_first_deploys_and_first_activity():
    assert first_production_deploys(component_refs=[SHOP, "component:default/none"]) == {
        SHOP: datetime(2026, 1, 5, 10, tzinfo=UTC)}
    found = first_activity(people=["Ana@example.com", "bo@example.com", "nobody@example.com"])
    assert found["Ana@example.com"].isoformat() == "2026-01-05T06:00:00+00:00"
    assert found["bo@example.com"].isoformat() == "2026-01-11T10:00:00+00:00"
    assert "nobody@example.com" not in found


@pytest.mark.usefixtures("sent")
def test_incremental_rollups_equal_a_rebuild_from_the_rows():
    def snapshot():
        return sorted((r.component_ref, r.day, r.deployments, r.failed_deployments, r.changes,
                       json.dumps(r.lead_hist, sort_keys=True), r.incidents, r.unresolved,
                       json.dumps(r.restore_hist, sort_keys=True))
                      for r in DeliveryDay.objects.all() if r.deployments or r.incidents or r.changes)
    before = snapshot()
    months = assert_months_are_the_sum_of_days()
    assert months[(SHOP, date(2026, 1, 1))][0] == (4, 2, 3, 3, 1)  # the hand-computed January, as one row
    dora_rebuild()
    assert snapshot() == before and before
    assert assert_months_are_the_sum_of_days() == months


def test_resolving_an_incident_later_moves_it_from_unresolved_to_restore(tmp_path, client, events_token):
    yaml_load(tmp_path, component_yaml("shop"))
    auth = {"Authorization": f"Bearer {events_token}"}
    opened = {"type": "incident", "id": "I9", "service": "shop", "opened": "2026-01-25T00:00:00Z"}
    for item in (opened, opened | {"resolved": "2026-01-25T00:30:00Z"}):
        client.post("/api/events", json.dumps({"events": [item]}), content_type="application/json", headers=auth)
    process_pending()
    keys = dora_keys(**JAN, component_refs=[SHOP])
    assert (keys.incidents, keys.unresolved_incidents, keys.restore_hours, keys.bands["restore"]) == (
        1, 0, 0.5, "elite")


@pytest.mark.usefixtures("sent")
def test_summary_equals_keys_and_series():
    from insights.selectors.dora import dora_summary

    keys, series = dora_summary(**JAN, bucket="week", component_refs=[SHOP])
    assert keys == dora_keys(**JAN, component_refs=[SHOP])
    assert series == dora_series(**JAN, bucket="week", component_refs=[SHOP])
