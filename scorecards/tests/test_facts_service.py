"""Storing facts: checks first (entity, permission, input), then everything in one transaction,
history for every change, one audit entry, the rescore enqueued for the changed entities."""

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.selectors import entities_by_refs
from catalog.tests.factories import components_yaml, yaml_load
from core.models import AuditEntry
from scorecards.lib.reports import ReportError
from scorecards.models import Fact, FactRecord, Report
from scorecards.services import facts as service
from scorecards.services.facts import (
    FactItem,
    FactsInputError,
    UnknownEntityError,
    facts_record,
    facts_record_bulk,
    report_ingest,
)

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).parent / "reports"
ORDERS = "component:default/orders"
BILLING = "component:default/billing"


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(service, "task_enqueue_on_commit", lambda name, *args: calls.append((name, *args)))
    return calls


def when(day: int) -> datetime:
    return datetime(2026, 1, day, 12, 0, tzinfo=UTC)


def current(ref: str = ORDERS) -> dict:
    return {f.key: f.value for f in Fact.objects.filter(entity_ref=ref)}


def test_facts_are_stored_with_history_audit_and_rescore(org, owner, enqueued):
    result = facts_record(actor=owner, entity_ref="orders", facts={"coverage.line_percent": 81.5, "runbook": True},
                          source="github-actions", observed_at=when(2))
    assert result.as_dict() == {"entities": 1, "facts": 2, "changed": 2, "refreshed": 0, "unchanged": 0, "stale": 0}
    assert current() == {"coverage.line_percent": 81.5, "runbook": True}
    fact = Fact.objects.get(entity_ref=ORDERS, key="runbook")
    assert fact.source == "github-actions" and fact.observed_at == when(2)
    assert FactRecord.objects.filter(entity_ref=ORDERS).count() == 2
    entry = AuditEntry.objects.get(action="scorecards.facts.write", outcome="success")
    assert entry.target == ORDERS and entry.actor == owner and entry.detail["changed"] == 2
    assert enqueued == [("scorecards.tasks.entities_rescore", [ORDERS])]


def test_unchanged_refreshed_changed_and_stale(org, owner, enqueued):
    facts_record(actor=owner, entity_ref=ORDERS, facts={"a": 1, "b": "x"}, source="ci", observed_at=when(2))
    same = facts_record(actor=owner, entity_ref=ORDERS, facts={"a": 1}, source="ci", observed_at=when(2))
    assert (same.unchanged, same.changed, same.refreshed) == (1, 0, 0)
    newer = facts_record(actor=owner, entity_ref=ORDERS, facts={"a": 1}, source="ci", observed_at=when(3))
    assert newer.refreshed == 1 and Fact.objects.get(key="a").observed_at == when(3)
    changed = facts_record(actor=owner, entity_ref=ORDERS, facts={"b": "y"}, source="ci", observed_at=when(4))
    assert changed.changed == 1 and current()["b"] == "y"
    late = facts_record(actor=owner, entity_ref=ORDERS, facts={"b": "old"}, source="ci", observed_at=when(1))
    assert late.stale == 1 and current()["b"] == "y"  # an older observation does not replace the current value
    history = list(FactRecord.objects.filter(key="b").order_by("pk").values_list("value", flat=True))
    assert history == ["x", "y", "old"]
    assert FactRecord.objects.filter(key="a").count() == 1  # refreshing the same value adds no history
    # 1 and True are different facts (JSON types are compared, not Python's ==)
    assert facts_record(actor=owner, entity_ref=ORDERS, facts={"a": True}, source="ci",
                        observed_at=when(5)).changed == 1
    rescored = [call for call in enqueued if call[1] == [ORDERS]]
    assert len(rescored) == 4  # first post, refresh, change, type change; not the unchanged or stale ones


def test_unknown_entity_is_named_and_nothing_is_stored(org, owner, enqueued):
    with pytest.raises(UnknownEntityError) as caught:
        facts_record(actor=owner, entity_ref="component:default/nope", facts={"a": 1}, source="ci")
    assert "component:default/nope" in str(caught.value)
    assert not Fact.objects.exists() and not enqueued


def test_other_teams_entity_is_refused_and_audited(org, outsider, owner, enqueued):
    with pytest.raises(PermissionDenied, match="component:default/orders"):
        facts_record(actor=outsider, entity_ref=ORDERS, facts={"a": 1}, source="ci")
    assert AuditEntry.objects.filter(action="scorecards.facts.write", outcome="denied", actor=outsider).exists()
    assert not Fact.objects.exists() and not FactRecord.objects.exists()


def test_bulk_is_all_or_nothing(org, owner, outsider, enqueued):
    items = [FactItem(entity_ref=ORDERS, facts={"a": 1}), FactItem(entity_ref=BILLING, facts={"a": 1})]
    with pytest.raises(PermissionDenied, match="billing"):
        facts_record_bulk(actor=owner, items=items)
    bad = [FactItem(entity_ref=ORDERS, facts={"a": 1}), FactItem(entity_ref=ORDERS, facts={"Bad Key": 1})]
    with pytest.raises(FactsInputError) as caught:
        facts_record_bulk(actor=owner, items=bad)
    assert caught.value.field == "items[1].facts.Bad Key"
    with pytest.raises(FactsInputError, match=r"items\[0\].entityRef"):
        facts_record_bulk(actor=owner, items=[FactItem(entity_ref="component:", facts={"a": 1})])
    assert not Fact.objects.exists() and not FactRecord.objects.exists() and not enqueued


def test_a_failure_inside_the_transaction_leaves_nothing(org, owner, monkeypatch, enqueued):
    def broken(**_kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(service, "audit_record", broken)
    with pytest.raises(RuntimeError):
        facts_record(actor=owner, entity_ref=ORDERS, facts={"a": 1, "b": 2}, source="ci")
    assert not Fact.objects.exists() and not FactRecord.objects.exists()


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("observed_at", "2999-01-01T00:00:00Z", "in the future"), ("observed_at", "yesterday", "ISO 8601"),
    ("source", "", "where the facts come from"), ("source", "x" * 101, "at most 100"),
    ("source", "a\nb", "where the facts come from"),
])
def test_bad_time_and_source(org, owner, field, value, expected):
    kwargs = {"actor": owner, "entity_ref": ORDERS, "facts": {"a": 1}, "source": "ci", field: value}
    with pytest.raises(FactsInputError, match=expected):
        facts_record(**kwargs)


def test_same_fact_twice_in_one_request_keeps_the_newest(org, owner, enqueued):
    items = [FactItem(entity_ref=ORDERS, facts={"a": 2}, observed_at=when(3)),
             FactItem(entity_ref="orders", facts={"a": 1}, observed_at=when(2))]
    facts_record_bulk(actor=owner, items=items)
    assert current() == {"a": 2}


def test_bulk_queries_do_not_grow_with_the_entities(tmp_path, admin_user, enqueued):
    """A handful of queries, plus one insert per batch: SQLite takes about 140 rows a statement (its
    999-parameter limit), PostgreSQL 1,000; never a query per entity or per fact."""
    yaml_load(tmp_path, components_yaml(120, owner="perf", prefix="perf"))

    def post(start: int, count: int) -> int:
        items = [FactItem(entity_ref=f"perf-{i:03d}", facts={f"k{j}": i * j for j in range(10)})
                 for i in range(start, start + count)]
        with CaptureQueriesContext(connection) as queries:
            assert facts_record_bulk(actor=admin_user, items=items).changed == count * 10
        return len(queries)

    post(0, 5)  # warm the role cache
    rows_per_insert = 1000 if connection.vendor == "postgresql" else 140
    for start, count in ((5, 15), (20, 100)):
        assert post(start, count) <= 6 + 2 * math.ceil(count * 10 / rows_per_insert)
    assert Fact.objects.count() == 1200 and FactRecord.objects.count() == 1200


def test_report_ingest_stores_facts_with_the_report(org, owner, enqueued):
    data = (CORPUS / "cobertura-coveragepy.xml").read_bytes()
    report = report_ingest(actor=owner, entity_ref="component:orders", format=None, data=data,
                           filename="coverage.xml")
    assert report.format == "cobertura" and report.size == len(data) and report.fact_count == 4
    assert len(report.sha256) == 64 and report.sent_by == owner
    assert current()["coverage.line_percent"] == 75.0
    fact = Fact.objects.get(key="coverage.lines_total")
    assert fact.source == "cobertura" and fact.observed_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert set(FactRecord.objects.values_list("report_id", flat=True)) == {report.pk}
    entry = AuditEntry.objects.get(action="scorecards.facts.write")
    assert entry.detail["format"] == "cobertura" and entry.detail["filename"] == "coverage.xml"
    assert enqueued == [("scorecards.tasks.entities_rescore", [ORDERS])]


def test_report_from_the_future_is_stored_as_now(org, owner, enqueued):
    ahead = int((timezone.now() + timedelta(days=30)).timestamp() * 1000)
    xml = f'<coverage timestamp="{ahead}" lines-valid="2" lines-covered="1"><packages/></coverage>'.encode()
    report_ingest(actor=owner, entity_ref=ORDERS, format="cobertura", data=xml)
    assert Fact.objects.get(key="coverage.line_percent").observed_at <= timezone.now()


def test_bad_report_stores_nothing(org, owner, outsider, enqueued):
    with pytest.raises(ReportError, match="junit.xml"):
        report_ingest(actor=owner, entity_ref=ORDERS, format="junit", data=b"<testsuites><testcase>",
                      filename="junit.xml")
    with pytest.raises(PermissionDenied):
        report_ingest(actor=outsider, entity_ref=ORDERS, format="lcov", data=b"SF:a\nend_of_record\n")
    with pytest.raises(UnknownEntityError):
        report_ingest(actor=owner, entity_ref="ghost", format="lcov", data=b"SF:a\nend_of_record\n")
    assert not Report.objects.exists() and not Fact.objects.exists() and not enqueued


def test_entities_by_refs_selector(org):
    found = entities_by_refs(refs=[ORDERS, "Component:Default/Billing", "component:default/none"])
    assert sorted(found) == [BILLING, ORDERS]
    assert "final" in found[ORDERS].get_deferred_fields() and found[ORDERS].body["metadata"]["name"] == "orders"


def test_the_portal_itself_records_without_a_person(org, enqueued):
    result = facts_record(actor=None, entity_ref=ORDERS, facts={"docs.published": True}, source="portal")
    assert result.changed == 1 and current() == {"docs.published": True}
    entry = AuditEntry.objects.get(action="scorecards.facts.write")
    assert entry.actor is None and entry.actor_name == "paved"
    with pytest.raises(UnknownEntityError, match="entityRef"):
        facts_record(actor=None, entity_ref="ghost", facts={"a": 1}, source="portal")


def test_anonymous_user_sees_no_entity(org, enqueued):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(UnknownEntityError):
        facts_record(actor=AnonymousUser(), entity_ref=ORDERS, facts={"a": 1}, source="ci")
    with pytest.raises(UnknownEntityError, match=r"items\[0\]\.entityRef"):
        facts_record_bulk(actor=AnonymousUser(), items=[FactItem(entity_ref=ORDERS, facts={"a": 1})])


def test_reports_ingest_limits(org, owner, settings, enqueued):
    from scorecards.services.facts import reports_ingest

    lcov = b"SF:a\nLF:2\nLH:1\nend_of_record\n"
    with pytest.raises(FactsInputError, match="at most 100"):
        reports_ingest(actor=owner, entity_ref=ORDERS, format="lcov", files=[("a.info", lcov)] * 101)
    with pytest.raises(FactsInputError, match="at least one"):
        reports_ingest(actor=owner, entity_ref=ORDERS, format="lcov", files=[])
    settings.PAVED_FACTS_MAX_REPORT_BYTES = len(lcov) * 2
    with pytest.raises(ReportError, match="c.info"):  # the third file passes the shared limit
        reports_ingest(actor=owner, entity_ref=ORDERS, format="lcov",
                       files=[("a.info", lcov), ("b.info", lcov), ("c.info", lcov)])
    report = reports_ingest(actor=owner, entity_ref=ORDERS, format=None, files=[("a.info", lcov), ("b.info", lcov)])
    assert report.parsed.facts["coverage.lines_total"] == 4 and Report.objects.count() == 1
