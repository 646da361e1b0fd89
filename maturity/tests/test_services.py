"""Threshold tables, questionnaire answers and snapshots: permissions, audit, bad input stores nothing."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from core.models import AuditEntry
from maturity.models import Answer, Snapshot, ThresholdTable
from maturity.services.assessment import (
    MaturityInputError,
    answer_save,
    quarter_of,
    snapshot_take,
    snapshot_take_due,
    thresholds_reset,
    thresholds_save,
)
from maturity.tasks import snapshot_quarterly

pytestmark = pytest.mark.django_db


def test_thresholds_need_an_admin(owner):
    with pytest.raises(PermissionDenied):
        thresholds_save(actor=owner, dimension="cicd", values=["1", "2", "3"])
    assert not ThresholdTable.objects.exists()
    assert AuditEntry.objects.filter(actor=owner, outcome="denied").exists()


def test_thresholds_saved_audited_and_reset(admin):
    thresholds_save(actor=admin, dimension="onboarding", values=["10", "3", "1,5"])
    assert ThresholdTable.objects.get(dimension="onboarding").values == [10, 3, 1.5]
    entry = AuditEntry.objects.get(action="maturity.thresholds.save")
    assert entry.target == "onboarding" and entry.detail == {"values": [10.0, 3.0, 1.5]}
    thresholds_reset(actor=admin, dimension="onboarding")
    assert not ThresholdTable.objects.exists()


@pytest.mark.parametrize(("dimension", "values", "message"), [
    ("cicd", ["80", "50", "25"], "monotonic"),
    ("cicd", ["a", "b", "c"], "not a number"),
    ("nope", ["1", "2", "3"], "Unknown dimension"),
])
def test_bad_thresholds_store_nothing(admin, dimension, values, message):
    with pytest.raises(MaturityInputError, match=message):
        thresholds_save(actor=admin, dimension=dimension, values=values)
    assert not ThresholdTable.objects.exists()


def test_answers_record_who_and_the_evidence(admin):
    answer = answer_save(actor=admin, dimension="self_service", value="35", note="<b>12</b> tickets",
                         links="https://jira.example/filter/1\n/docs/ops/")
    assert (answer.value, answer.answered_by_name, answer.links) == (35, "platform-admin",
                                                                     ["https://jira.example/filter/1", "/docs/ops/"])
    assert AuditEntry.objects.filter(action="maturity.answer.save", target="self_service").exists()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"value": "lots"}, "not a number"),
    ({"value": "101"}, "outside 0–100"),
    ({"value": "5", "note": "x" * 4001}, "at most 4000"),
    ({"value": "5", "links": "javascript:alert(1)"}, "not an http"),
    ({"value": "5", "links": "\n".join(f"https://e.example/{n}" for n in range(11))}, "at most 10"),
])
def test_bad_answers_store_nothing(admin, kwargs, message):
    with pytest.raises(MaturityInputError, match=message):
        answer_save(actor=admin, dimension="self_service", **kwargs)
    assert not Answer.objects.exists()


def test_answers_need_an_admin(owner):
    with pytest.raises(PermissionDenied):
        answer_save(actor=owner, dimension="self_service", value="5")


def test_quarters():
    assert quarter_of(datetime(2026, 1, 1, 12, tzinfo=UTC)) == "2026-Q1"
    assert quarter_of(datetime(2026, 12, 6, 12, tzinfo=UTC)) == "2026-Q4"


def test_the_task_takes_one_snapshot_per_quarter(fake):
    for name, value in (("ownership", 85), ("cicd", 90), ("documentation", 90), ("self_service", 95)):
        fake.set(name, value)
    q3 = datetime(2026, 8, 1, 12, tzinfo=UTC)
    first = snapshot_take_due(now=q3)
    assert first.quarter == "2026-Q3" and first.overall_level == 2 and first.taken_by_name == ""
    assert snapshot_take_due(now=q3) is None
    data = first.data
    assert data["dimensions"][7]["key"] == "ownership" and data["dimensions"][7]["value"] == 85
    assert data["roadmap"]["items"] and len(data["metrics"]) == 3
    assert snapshot_take_due(now=datetime(2026, 11, 1, 12, tzinfo=UTC)).quarter == "2026-Q4"
    assert Snapshot.objects.count() == 2
    Snapshot.objects.all().delete()
    assert snapshot_quarterly() == quarter_of(datetime.now(UTC))
    assert snapshot_quarterly() == ""


def test_on_demand_snapshot_replaces_the_quarters_and_needs_an_admin(fake, admin, owner):
    with pytest.raises(PermissionDenied):
        snapshot_take(actor=owner)
    snapshot_take(actor=admin)
    fake.set("cicd", 90)
    again = snapshot_take(actor=admin)
    assert Snapshot.objects.count() == 1 and again.taken_by_name == "platform-admin"
    assert next(d for d in again.data["dimensions"] if d["key"] == "cicd")["level"] == 3


def test_demo_command_is_idempotent(fake, capsys):
    call_command("maturity_demo")
    call_command("maturity_demo")
    out = capsys.readouterr().out
    assert "taken: not scored" in out and "already taken" in out
    assert Snapshot.objects.count() == 1


def test_demo_command_says_why_when_a_contract_module_is_missing(monkeypatch, capsys):
    from maturity import sources

    def missing(**_kwargs):
        raise ModuleNotFoundError("No module named 'insights.selectors.health'")

    monkeypatch.setattr(sources, "service_creation", missing)
    call_command("maturity_demo")
    assert "Maturity snapshot not taken: No module named 'insights.selectors.health'" in capsys.readouterr().err
    assert not Snapshot.objects.exists()
