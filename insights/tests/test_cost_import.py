# ruff: noqa: F811  (the shared fixtures are imported from test_cost_support and named as arguments)
"""Imports against hand-computed answers: attribution by labels and through the catalog, unallocated
lines kept, re-imports replacing a month, mixed currencies, truncated files rolled back."""

import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from insights.models.cost import CostImport, CostLine
from insights.selectors import cost as selectors
from insights.services.cost import cost_import_create, cost_imports_sweep
from insights.tests.test_cost_support import (  # noqa: F401  (fixtures)
    FOCUS_HEADER,
    JANUARY,
    admin,
    cost_dir,
    focus_line,
    run_import,
)

pytestmark = pytest.mark.django_db
JAN = date(2025, 1, 1)


def _lines():
    return sorted((line.month, line.team, line.service, line.environment, line.cost_center, line.tier,
                   line.attribution, line.amount) for line in CostLine.objects.all())


def test_labels_then_catalog_then_unallocated(org, admin, cost_dir):
    job = run_import(admin, JANUARY)
    assert job.status == "done", job.message
    assert (job.rows_read, job.lines_written, job.months) == (5, 4, ["2025-01"])
    assert _lines() == [
        (JAN, "", "", "", "", "", "none", Decimal("1.250000")),
        (JAN, "", "unknown-svc", "", "", "", "none", Decimal("2.000000")),
        (JAN, "group:default/team-a", "orders", "", "", "", "catalog", Decimal("3.000000")),
        (JAN, "group:default/team-a", "orders", "production", "eng", "critical", "label", Decimal("15.000000")),
    ]
    summary = selectors.cost_summary(month=date(2025, 1, 20))
    assert (summary.total, summary.attributed, summary.unallocated) == (Decimal("21.25"), Decimal("18"),
                                                                        Decimal("3.25"))
    assert summary.by_team == [("group:default/team-a", Decimal("18")), ("", Decimal("3.25"))]
    # four catalog Users (owner, teammate, lead, outsider): 21.25 / 4 = 5.3125 → 5.31
    assert (summary.developers, summary.per_developer) == (4, Decimal("5.31"))
    team = selectors.cost_summary(month=JAN, team_ref="team-a")
    assert (team.total, team.developers, team.per_developer) == (Decimal("18"), 2, Decimal("9.00"))
    assert selectors.attributed_share(month=JAN) == pytest.approx(18 / 21.25)
    assert selectors.cost_per_developer(team_ref="group:default/team-a") == Decimal("9.00")
    assert selectors.latest_cost_month() == JAN
    assert not os.path.exists(job.path)  # the stored upload is removed once read
    assert AuditEntry.objects.filter(action="insights.cost.import", actor=admin).count() == 1


def test_without_the_catalog_unlabelled_teams_stay_unallocated(db, admin, cost_dir):
    run_import(admin, JANUARY)
    summary = selectors.cost_summary(month=JAN)
    assert (summary.attributed, summary.unallocated) == (Decimal("15"), Decimal("6.25"))
    assert summary.developers is None and summary.per_developer is None  # nobody in the catalog


def test_a_month_with_no_data(org, admin, cost_dir):
    run_import(admin, JANUARY)
    summary = selectors.cost_summary(month=date(2025, 3, 1))
    assert (summary.total, summary.by_team, summary.per_developer) == (Decimal(0), [], None)
    assert selectors.cost_series(months=3, end=date(2025, 2, 1)) == [
        (date(2024, 12, 1), 0, 0), (JAN, Decimal("21.25"), Decimal("18")), (date(2025, 2, 1), 0, 0)]
    assert selectors.growth_flags(month=date(2025, 3, 1)) == []


def test_nothing_imported_yet(db):
    assert selectors.latest_cost_month() is None
    assert selectors.attributed_share() is None
    assert selectors.cost_per_developer() is None
    assert selectors.growth_flags() == []


def test_reimporting_a_period_replaces_it(org, admin, cost_dir):
    run_import(admin, JANUARY)
    run_import(admin, JANUARY)
    assert selectors.cost_summary(month=JAN).total == Decimal("21.25")  # not doubled
    run_import(admin, FOCUS_HEADER + focus_line("7", '{"team":"team-b"}'))
    assert _lines() == [(JAN, "group:default/team-b", "", "", "", "", "label", Decimal("7.000000"))]


def test_another_source_or_month_is_left_alone(org, admin, cost_dir):
    run_import(admin, JANUARY)
    run_import(admin, FOCUS_HEADER + focus_line("7", '{"team":"team-b"}'), source="azure")
    run_import(admin, FOCUS_HEADER + focus_line("5", '{"team":"team-b"}', month="2025-02"))
    assert selectors.cost_summary(month=JAN).total == Decimal("28.25")
    assert selectors.cost_summary(month=date(2025, 2, 1)).total == Decimal("5")


def test_mixed_currencies_refused_unless_a_rate_is_configured(org, admin, cost_dir, settings):
    mixed = FOCUS_HEADER + focus_line("10", '{"team":"team-a"}') + focus_line("10", '{"team":"team-a"}',
                                                                              currency="EUR")
    job = run_import(admin, mixed, name="mixed.csv")
    assert job.status == "failed"
    assert job.message.startswith("mixed.csv: row 3, column BillingCurrency: EUR where the rows before are in USD")
    assert not CostLine.objects.exists()
    settings.PAVED_COST_RATES = {"EUR": "1.08"}
    job = run_import(admin, mixed)
    assert job.status == "done"
    assert selectors.cost_summary(month=JAN).total == Decimal("20.80")  # 10 + 10 × 1.08


def test_truncated_file_rolls_back_naming_the_row(org, admin, cost_dir):
    run_import(admin, JANUARY)
    truncated = JANUARY.replace("2025-01", "2025-01") + "3.5,3.5,USD,2025-01-01T00:00:00Z,2025-01-28T00:00"
    job = run_import(admin, truncated.replace("10.50", "99"))
    assert job.status == "failed"
    assert "row 7, column ChargePeriodStart: 5 fields where the header has 11" in job.message
    assert "Nothing was imported" in job.message
    assert selectors.cost_summary(month=JAN).total == Decimal("21.25")  # the earlier import, untouched


def test_opencost_json_import(org, admin, cost_dir):
    body = ('{"code":200,"data":[{"orders/api":{"start":"2025-01-01T00:00:00Z","totalCost":4.5,'
            '"properties":{"namespace":"orders","labels":{"service":"orders"}}},'
            '"__idle__":{"start":"2025-01-01T00:00:00Z","totalCost":1.5,"properties":{}}}]}')
    job = run_import(admin, body, fmt="opencost", name="alloc.json")
    assert job.status == "done", job.message
    assert _lines() == [(JAN, "", "", "", "", "", "none", Decimal("1.500000")),
                        (JAN, "group:default/team-a", "orders", "", "", "", "catalog", Decimal("4.500000"))]
    job = run_import(admin, body[:-10], fmt="opencost", name="alloc.json")
    assert job.status == "failed" and "not valid JSON" in job.message


def test_cur_import(org, admin, cost_dir):
    text = ("lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/CurrencyCode,resourceTags/user:team\n"
            "2025-01-02T00:00:00Z,2.5,USD,team-b\n2025-01-05T00:00:00Z,1.5,USD,\n")
    job = run_import(admin, text, fmt="cur")
    assert job.status == "done"
    assert selectors.cost_summary(month=JAN).by_team == [("group:default/team-b", Decimal("2.5")),
                                                         ("", Decimal("1.5"))]


def test_upload_needs_the_import_permission(org, owner, cost_dir):
    with pytest.raises(PermissionDenied):
        cost_import_create(actor=owner, fmt="focus", upload=SimpleUploadedFile("x.csv", b"a"))
    assert not CostImport.objects.exists()
    assert AuditEntry.objects.filter(action="insights.data.import", outcome="denied").count() == 1


@pytest.mark.parametrize(("fmt", "source", "data", "field"), [
    ("xls", "", b"a", "format"), ("focus", "Bad Source!", b"a", "source"), ("focus", "", b"", "file"),
])
def test_bad_upload_input(admin, cost_dir, fmt, source, data, field):
    with pytest.raises(ValidationError) as caught:
        cost_import_create(actor=admin, fmt=fmt, upload=SimpleUploadedFile("x.csv", data), source=source)
    assert field in caught.value.message_dict
    assert not CostImport.objects.exists()
    assert not any(cost_dir.glob("*")) if cost_dir.exists() else True


def test_the_upload_is_queued_on_commit(admin, cost_dir, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("insights.tasks.cost_import_run.delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        job = cost_import_create(actor=admin, fmt="focus", upload=SimpleUploadedFile("x.csv", JANUARY.encode()))
    assert sent == [(job.pk,)]
    assert job.status == "queued" and job.total_bytes == len(JANUARY)


def test_a_repeated_message_does_not_run_twice(org, admin, cost_dir):
    job = run_import(admin, JANUARY)
    from insights.services.cost import cost_import_run

    assert cost_import_run(import_id=job.pk) is None
    assert CostLine.objects.count() == 4


def test_sweep_resends_lost_work_and_fails_dead_runs(admin, cost_dir, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    queued = CostImport.objects.create(format="focus", source="focus", path="/nonexistent")
    running = CostImport.objects.create(format="focus", source="focus", status="running",
                                        started_at=timezone.now() - timedelta(hours=3))
    sent = []
    monkeypatch.setattr("insights.services.cost.task_enqueue_on_commit", lambda name, *a: sent.append((name, a)))
    assert cost_imports_sweep(now=timezone.now() + timedelta(minutes=10)) == 1
    assert sent == [("insights.tasks.cost_import_run", (queued.pk,))]
    running.refresh_from_db()
    assert running.status == "failed" and "worker stopped" in running.message


def test_progress_is_written_while_the_file_is_read(org, admin, cost_dir, monkeypatch):
    from insights.lib.cost.rows import Aggregate

    seen = []
    original = Aggregate.add

    def add(self, row):
        seen.append(CostImport.objects.values_list("status", "rows_read").get())
        original(self, row)

    monkeypatch.setattr("insights.services.cost.PROGRESS_EVERY", 2)
    monkeypatch.setattr(Aggregate, "add", add)
    job = run_import(admin, JANUARY)
    assert seen == [("running", 0), ("running", 0), ("running", 2), ("running", 2), ("running", 4)]
    assert (job.status, job.rows_read, job.bytes_read) == ("done", 5, len(JANUARY))


def test_a_database_failure_leaves_a_failed_import_and_no_lines(org, admin, cost_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(CostLine.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        run_import(admin, JANUARY)
    job = CostImport.objects.get()
    assert job.status == "failed" and "RuntimeError" in job.message
    assert not CostLine.objects.exists()
