"""The batched write paths of applying events (one array parameter per set lookup, unnest inserts and
the roll-up upsert on PostgreSQL): the same rows as the plain ORM, and roll-ups equal to a rebuild."""

import json

import pytest

from catalog.tests.factories import component_yaml, yaml_load
from insights.lib.webhooks.api import parse_events
from insights.models import Change, DeliveryDay, Deployment
from insights.services.delivery_apply import _among, events_apply
from insights.services.events import dora_rebuild
from insights.tests.test_delivery_months import assert_months_are_the_sum_of_days

pytestmark = pytest.mark.django_db
HOSTILE = ["plain", "quo'te", 'dou"ble', "back\\slash", "{brace,comma}", "NULL", "", " spaced ", "ünï€ode"]


def apply(items):
    events_apply(events=parse_events({"events": items}, max_items=5000), source="api")


def snapshot():
    return sorted((r.component_ref, r.day.isoformat(), r.deployments, r.failed_deployments, r.changes,
                   json.dumps(r.lead_hist, sort_keys=True), r.incidents, r.unresolved,
                   json.dumps(r.restore_hist, sort_keys=True))
                  for r in DeliveryDay.objects.all() if r.deployments or r.incidents or r.changes)


def test_among_finds_exactly_what_in_finds_for_hostile_values():
    for i, value in enumerate(HOSTILE):
        Deployment.objects.create(source="api", external_id=value, service="s", environment="production",
                                  production=True, status="success", deployed_at="2026-01-01T00:00:00Z",
                                  commit_shas=[], match_keys=[])
        assert i + 1 == Deployment.objects.count()
    for wanted in (HOSTILE, HOSTILE[2:5], ["absent", "quo'te"], []):
        got = set(Deployment.objects.filter(_among("external_id", wanted)).values_list("external_id", flat=True))
        assert got == set(Deployment.objects.filter(external_id__in=wanted).values_list("external_id", flat=True))
        assert got == set(wanted) & set(HOSTILE)
    pks = list(Deployment.objects.values_list("pk", flat=True))
    assert Deployment.objects.filter(_among("pk", pks[:3])).count() == 3


def test_a_batch_of_mixed_events_keeps_roll_ups_equal_to_a_rebuild(tmp_path):
    yaml_load(tmp_path, component_yaml("shop") + "---\n" + component_yaml("cart"))
    sha = [f"{i:040x}" for i in range(12)]
    items = []
    for i in range(6):  # several events on the same (component, day): one upserted row each
        service = ("shop", "cart", "nowhere")[i % 3]
        items.append({"type": "change", "sha": sha[i], "time": f"2026-01-0{1 + i % 2}T0{i}:00:00Z",
                      "author": f"dev{i}@example.com", "service": service})
        items.append({"type": "deployment", "id": f"D{i}", "service": service, "environment": "production",
                      "time": f"2026-01-03T1{i}:00:00Z", "commits": [sha[i], sha[i + 6]]})
    items += [{"type": "incident", "id": "I1", "service": "shop", "opened": "2026-01-03T12:00:00Z",
               "caused_by": "D0"},
              {"type": "incident", "id": "I2", "service": "cart", "opened": "2026-01-03T13:00:00Z",
               "resolved": "2026-01-03T15:30:00Z", "caused_by": sha[7]}]
    apply(items)
    # A second batch: a known commit reported again by someone else (the first report stands), a
    # late change for a shipped commit, an incident resolved, a deployment re-reported as a rollback.
    apply([{"type": "change", "sha": sha[0], "time": "2025-12-01T00:00:00Z", "author": "late@example.com",
            "service": "shop"},
           {"type": "change", "sha": sha[6], "time": "2026-01-02T00:00:00Z", "author": "x@example.com",
            "service": "shop"},
           {"type": "incident", "id": "I1", "service": "shop", "opened": "2026-01-03T12:00:00Z",
            "resolved": "2026-01-03T12:45:00Z"},
           {"type": "deployment", "id": "D4", "service": "cart", "environment": "production",
            "time": "2026-01-03T14:00:00Z", "status": "rollback", "commits": [sha[4]]}])
    assert Change.objects.get(sha=sha[0]).author == "dev0@example.com"
    assert Change.objects.get(sha=sha[6]).deployment.external_id == "D0"
    assert Deployment.objects.filter(caused_failure=True).count() >= 2
    before = snapshot()
    assert sum(row[4] for row in before if row[0] == "*") == Change.objects.exclude(deployment=None).count() == 7
    months = assert_months_are_the_sum_of_days()
    assert sum(row[0][2] for (ref, _m), row in months.items() if ref == "*") == 7
    dora_rebuild()
    assert snapshot() == before
    assert assert_months_are_the_sum_of_days() == months


def test_the_same_batch_applied_twice_changes_nothing(tmp_path):
    yaml_load(tmp_path, component_yaml("shop"))
    items = [{"type": "change", "sha": "a" * 40, "time": "2026-01-01T00:00:00Z", "author": "a@example.com",
              "service": "shop"},
             {"type": "deployment", "id": "D1", "service": "shop", "environment": "production",
              "time": "2026-01-01T05:00:00Z", "commits": ["a" * 40]}]
    apply(items)
    before = snapshot()
    apply(items)
    assert snapshot() == before
    assert (Change.objects.count(), Deployment.objects.count()) == (1, 1)


def test_hostile_text_is_stored_exactly_by_the_array_inserts():
    items = [{"type": "change", "sha": f"{i:040x}", "time": "2026-01-01T00:00:00Z", "author": value,
              "service": value} for i, value in enumerate(HOSTILE) if value.strip()]
    items += [{"type": "deployment", "id": value, "service": value, "environment": "production",
               "time": "2026-01-02T00:00:00+02:00", "commits": [f"{i:040x}"]}
              for i, value in enumerate(HOSTILE) if value.strip()]
    apply(items)
    stored = {c.service: c for c in Change.objects.select_related("deployment")}
    for raw in (v for v in HOSTILE if v.strip()):
        value = raw.strip()  # the parser strips services and ids, and lower-cases authors
        change = stored[value]
        assert (change.author, change.deployment.external_id) == (raw.lower(), value)
        assert change.deployment.deployed_at.isoformat() == "2026-01-01T22:00:00+00:00"
        assert change.lead_seconds == 22 * 3600
