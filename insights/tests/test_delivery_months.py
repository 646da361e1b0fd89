"""The monthly roll-ups (DeliveryMonth): always the sum of their month's DeliveryDay rows, kept by the
same deltas as the days (through the real events path, subtractions included), recomputed by
delivery_months_rebuild() and by the migration's fill; dora_windows reads whole months from them and
gives exactly dora_keys (which reads days) of every window, in a fixed number of queries."""

import importlib
import json
import random
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from catalog.tests.factories import component_yaml, yaml_load
from insights.lib import dora as dora_lib
from insights.models import DeliveryDay, DeliveryMonth, Deployment
from insights.selectors.dora import dora_keys, dora_windows
from insights.services.events import dora_rebuild, unmatched_rematch
from insights.services.rollups import delivery_months_rebuild
from insights.tests.events_fixtures import events_token, process_pending, sender

FIXTURES = (events_token, sender)  # pytest finds fixtures by the names imported here

pytestmark = pytest.mark.django_db
COUNTS = ("deployments", "failed_deployments", "changes", "incidents", "unresolved")
ORG = DeliveryDay.ORG
SHOP, LATER = "component:default/shop", "component:default/later"


def _row(r) -> tuple:
    return (tuple(getattr(r, name) for name in COUNTS),
            json.dumps({k: v for k, v in (r.lead_hist or {}).items()}, sort_keys=True),
            json.dumps({k: v for k, v in (r.restore_hist or {}).items()}, sort_keys=True))


def months_summed_from_days() -> dict[tuple[str, date], tuple]:
    """{(ref, month): row} summed here, in Python, from the DeliveryDay rows (all-zero months left out)."""
    sums: dict[tuple[str, date], dict] = {}
    for day in DeliveryDay.objects.all():
        agg = sums.setdefault((day.component_ref, day.day.replace(day=1)),
                              {name: 0 for name in COUNTS} | {"lead_hist": {}, "restore_hist": {}})
        for name in COUNTS:
            agg[name] += getattr(day, name)
        for name in ("lead_hist", "restore_hist"):
            for bucket, (count, total) in (getattr(day, name) or {}).items():
                slot = agg[name].setdefault(bucket, [0, 0])
                slot[0] += count
                slot[1] += total
    out = {}
    for key, agg in sums.items():
        for name in ("lead_hist", "restore_hist"):
            agg[name] = {k: v for k, v in agg[name].items() if v[0] > 0}
        row = _row(SimpleNamespace(**agg))
        if any(row[0]) or row[1] != "{}" or row[2] != "{}":
            out[key] = row
    return out


def months_stored() -> dict[tuple[str, date], tuple]:
    out = {}
    for month in DeliveryMonth.objects.all():
        assert month.month.day == 1, month
        row = _row(month)
        if any(row[0]) or row[1] != "{}" or row[2] != "{}":
            out[(month.component_ref, month.month)] = row
    return out


def assert_months_are_the_sum_of_days() -> dict:
    stored = months_stored()
    assert stored == months_summed_from_days()
    return stored


def send(client, token, items):
    response = client.post("/api/events", json.dumps({"events": items}), content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 202), response.content
    process_pending()


def deploy(i, at, status="success", service="shop", commits=()):
    return {"type": "deployment", "id": f"D{i}", "service": service, "environment": "production", "time": at,
            "status": status, "commits": list(commits)}


C1 = "1" * 40


def test_events_keep_every_month_the_sum_of_its_days(tmp_path, client, events_token):
    """Dec 15 D0; Jan 30 10:00 change C1 shipped by D1 on Jan 31 22:00 (36 h lead, on January's last
    day); Feb 2 D2; Feb 3 incident I1 (open); Feb 10 D9 of a service the catalog does not know yet.
    Then: D3, a rollback on Feb 4 (D2 failed: a subtraction and an addition), I1 resolved at 02:00
    (unresolved subtracted, 2 h restore added), and `later` learnt by the catalog (rematched)."""
    yaml_load(tmp_path, component_yaml("shop"))
    send(client, events_token, [
        {"type": "change", "sha": C1, "time": "2026-01-30T10:00:00Z", "author": "a@example.com", "service": "shop"},
        deploy(0, "2025-12-15T10:00:00Z"), deploy(1, "2026-01-31T22:00:00Z", commits=[C1]),
        deploy(2, "2026-02-02T10:00:00Z"), deploy(9, "2026-02-10T00:00:00Z", service="later"),
        {"type": "incident", "id": "I1", "service": "shop", "opened": "2026-02-03T00:00:00Z"}])
    months = assert_months_are_the_sum_of_days()
    dec, jan, feb = date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)
    assert months[(ORG, feb)][0] == (2, 0, 0, 1, 1) and months[(SHOP, feb)][0] == (1, 0, 0, 1, 1)
    assert months[(ORG, jan)][0] == months[(SHOP, jan)][0] == (1, 0, 1, 0, 0)
    assert months[(ORG, dec)][0] == (1, 0, 0, 0, 0) and (LATER, feb) not in months

    send(client, events_token, [
        deploy(3, "2026-02-04T10:00:00Z", status="rollback"),
        {"type": "incident", "id": "I1", "service": "shop", "opened": "2026-02-03T00:00:00Z",
         "resolved": "2026-02-03T02:00:00Z"}])
    assert Deployment.objects.get(external_id="D2").caused_failure
    months = assert_months_are_the_sum_of_days()
    assert months[(ORG, feb)][0] == (3, 1, 0, 1, 0) and months[(SHOP, feb)][0] == (2, 1, 0, 1, 0)
    restore = {str(dora_lib.hist_index(7200)): [1, 7200]}
    assert json.loads(months[(SHOP, feb)][2]) == restore == json.loads(months[(ORG, feb)][2])
    assert json.loads(months[(SHOP, jan)][1]) == {str(dora_lib.hist_index(36 * 3600)): [1, 36 * 3600]}

    yaml_load(tmp_path, component_yaml("later"), name="later.yaml")
    assert unmatched_rematch() >= 1
    months = assert_months_are_the_sum_of_days()
    assert months[(LATER, feb)][0] == (1, 0, 0, 0, 0) and months[(ORG, feb)][0] == (3, 1, 0, 1, 0)

    # A repair from the rows, and a recomputation from the days, both land on the incremental figures.
    dora_rebuild()
    assert assert_months_are_the_sum_of_days() == months
    assert delivery_months_rebuild() == DeliveryMonth.objects.count() > 0
    assert assert_months_are_the_sum_of_days() == months
    window = {"feb": (date(2026, 2, 1), date(2026, 2, 28)), "dec-feb": (date(2025, 12, 1), date(2026, 2, 28))}
    got = dora_windows(windows=window)
    assert (got["feb"].deployments, got["feb"].failed_deployments, got["feb"].restore_hours) == (3, 1, 2.0)
    assert (got["dec-feb"].deployments, got["dec-feb"].lead_time_hours) == (5, 36.0)


def test_an_incident_resolved_in_the_next_month_stays_in_its_opening_month(tmp_path, client, events_token):
    """Opened on March's last day, resolved on April 1st: March's row loses the unresolved count and
    gains the 1.5 h restore; April gets no row."""
    yaml_load(tmp_path, component_yaml("shop"))
    opened = {"type": "incident", "id": "I7", "service": "shop", "opened": "2026-03-31T23:00:00Z"}
    send(client, events_token, [opened])
    send(client, events_token, [opened | {"resolved": "2026-04-01T00:30:00Z"}])
    months = assert_months_are_the_sum_of_days()
    assert months[(SHOP, date(2026, 3, 1))][0] == (0, 0, 0, 1, 0)
    assert json.loads(months[(SHOP, date(2026, 3, 1))][2]) == {str(dora_lib.hist_index(5400)): [1, 5400]}
    assert (SHOP, date(2026, 4, 1)) not in months


REFS = ["component:default/a", "component:default/b", "component:default/c"]
FIRST = date(2025, 10, 1)


def _days(seed: int = 11) -> None:
    rng = random.Random(seed)
    rows = []
    for ref in [*REFS, ORG]:
        for offset in rng.sample(range(430), 260):  # 14 months, with gaps
            lead, restore = {}, {}
            for _ in range(rng.randint(0, 5)):
                dora_lib.hist_add(lead, rng.expovariate(1 / 36000))
            for _ in range(rng.randint(0, 2)):
                dora_lib.hist_add(restore, rng.expovariate(1 / 7200))
            n = rng.randint(0, 9)
            rows.append(DeliveryDay(component_ref=ref, day=FIRST + timedelta(days=offset), deployments=n,
                                    failed_deployments=rng.randint(0, n), changes=rng.randint(0, 12),
                                    lead_hist=lead, incidents=rng.randint(0, 3), unresolved=rng.randint(0, 1),
                                    restore_hist=restore))
    DeliveryDay.objects.bulk_create(rows)


@pytest.fixture
def rollups():
    _days()
    delivery_months_rebuild()


WINDOWS = {
    "mid-to-mid": (date(2025, 10, 17), date(2026, 3, 9)),       # edge days, then four whole months
    "whole-months": (date(2025, 11, 1), date(2026, 1, 31)),     # exactly three months
    "inside-one-month": (date(2026, 2, 3), date(2026, 2, 25)),
    "overlapping": (date(2026, 1, 20), date(2026, 6, 30)),      # overlaps mid-to-mid and whole-months
    "to-month-end": (date(2025, 12, 31), date(2026, 2, 28)),
    "from-month-start": (date(2026, 3, 1), date(2026, 5, 2)),
    "year": (date(2025, 10, 1), date(2026, 9, 30)),
    "one-day": (date(2026, 1, 1), date(2026, 1, 1)),
    "leap-edge": (date(2026, 2, 28), date(2026, 3, 1)),
    "after": (date(2027, 1, 1), date(2027, 3, 31)),
}


@pytest.mark.usefixtures("rollups")
@pytest.mark.parametrize("refs", [None, [REFS[1]], REFS, ["COMPONENT:default/C", "x'); drop table x; --",
                                                           'dou"ble', "{brace,comma}"]])
def test_windows_read_from_months_and_days_equal_dora_keys_of_the_days(refs):
    got = dora_windows(windows=WINDOWS, component_refs=refs)
    for label, (start, end) in WINDOWS.items():
        assert got[label] == dora_keys(start=start, end=end, component_refs=refs), label
    assert got["after"].deployments == 0 and got["after"].lead_time_hours is None
    assert got["year"].deployments == sum(
        r.deployments for r in DeliveryDay.objects.filter(component_ref__in=[ORG] if refs is None else
                                                           [r.lower() for r in refs],
                                                           day__range=WINDOWS["year"]))
    assert got["year"].deployments > 0


@pytest.mark.usefixtures("rollups")
def test_random_windows_equal_dora_keys():
    rng = random.Random(5)
    windows = {}
    for i in range(25):
        start = FIRST + timedelta(days=rng.randint(-20, 440))
        windows[f"w{i}"] = (start, start + timedelta(days=rng.choice([0, 1, 6, 27, 30, 45, 89, 200, 364])))
    got = dora_windows(windows=windows, component_refs=REFS[:2])
    for label, (start, end) in windows.items():
        assert got[label] == dora_keys(start=start, end=end, component_refs=REFS[:2]), label


def test_whole_months_are_read_from_the_month_rows():
    """Guard: the windows really read DeliveryMonth (a month row changed behind the deltas' back
    shows), and days without their months read as empty months until they are filled."""
    _days()
    nov = {"nov": (date(2025, 11, 1), date(2025, 11, 30)), "oct-end": (date(2025, 10, 20), date(2025, 10, 31))}
    days_say = dora_keys(start=date(2025, 11, 1), end=date(2025, 11, 30))
    assert days_say.deployments > 0
    got = dora_windows(windows=nov)
    assert got["nov"].deployments == 0  # no month rows: nothing is made up for them
    assert got["oct-end"] == dora_keys(start=date(2025, 10, 20), end=date(2025, 10, 31))  # edge days: from days
    # A window cutting November reads its days: the same figures with or without month rows.
    mid = {"nov": nov["nov"], "mid": (date(2025, 11, 10), date(2025, 11, 20))}
    assert dora_windows(windows=mid)["nov"] == days_say
    delivery_months_rebuild()
    assert dora_windows(windows=nov)["nov"] == days_say
    DeliveryMonth.objects.filter(component_ref=ORG, month=date(2025, 11, 1)).update(deployments=10**6)
    assert dora_windows(windows=nov)["nov"].deployments == 10**6


def test_the_migration_fill_sums_pre_existing_days():
    _days(seed=3)
    DeliveryMonth.objects.all().delete()
    fill = importlib.import_module("insights.migrations.0002_deliverymonth")
    fill.fill_months(apps, SimpleNamespace(connection=connection))
    months = assert_months_are_the_sum_of_days()
    pairs = {(ref, day.replace(day=1)) for ref, day in DeliveryDay.objects.values_list("component_ref", "day")}
    assert len(months) == DeliveryMonth.objects.count() == len(pairs) > 4 * 12  # Oct 2025 .. Dec 2026
    incremental = months
    DeliveryMonth.objects.all().delete()
    delivery_months_rebuild()
    assert months_stored() == incremental
    fill.empty_months(apps, SimpleNamespace(connection=connection))
    assert not DeliveryMonth.objects.exists()


@pytest.mark.usefixtures("rollups")
def test_windows_take_a_fixed_small_number_of_queries(django_assert_max_num_queries):
    many = {f"m{i}": (date(2025, 10, 1) + timedelta(days=13 * i), date(2025, 10, 1) + timedelta(days=13 * i + 40))
            for i in range(30)}
    with django_assert_max_num_queries(2):
        dora_windows(windows=many | WINDOWS)
    with django_assert_max_num_queries(2):
        dora_windows(windows=WINDOWS, component_refs=REFS)
