"""Scores from Fact rows: the seed's three lines, caps, levels, exemptions, history, no-op rewrites."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.tests.factories import demo_load
from scorecards.models import CheckOutcome, Exemption, Fact, Score, Scorecard, ScoreWeek
from scorecards.services import scoring

RECENT = (timezone.now() - timedelta(days=5)).isoformat()

# What the portal and CI know about the seed's three services (the demo posts the same through
# reports and reads the rest from the catalog and TechDocs; test_demo checks that path).
FACTS = {
    "component:default/payment-service": {
        "owner.valid": True, "docs.published": True, "docs.last_updated": RECENT, "slo.count": 2,
        "alerting.configured": True, "scan.present": True, "vulnerabilities.high": 4, "vulnerabilities.critical": 0,
        "docs.has_runbook": True, "oncall.configured": True, "coverage.line_percent": 72.0, "tests.integration": 14,
        "cost.labels": ["team", "service", "environment", "tier"], "cost.labels_complete": False,
    },
    "component:default/search-service": {
        "owner.valid": True, "docs.published": True, "docs.last_updated": RECENT, "slo.count": 1,
        "alerting.configured": True, "scan.present": True, "vulnerabilities.high": 0, "vulnerabilities.critical": 0,
        "docs.has_runbook": False, "oncall.configured": True, "coverage.line_percent": 64.0, "tests.integration": 6,
        "cost.labels": [], "cost.labels_complete": False,
    },
    "component:default/legacy-api": {
        "owner.valid": False, "docs.published": False, "alerting.configured": True, "scan.present": True,
        "vulnerabilities.high": 7, "vulnerabilities.critical": 0, "docs.has_runbook": True, "oncall.configured": True,
        "cost.labels": ["team"], "cost.labels_complete": False,
    },
}


def put_facts(facts: dict) -> None:
    now = timezone.now()
    for ref, values in facts.items():
        for key, value in values.items():
            Fact.objects.update_or_create(entity_ref=ref, key=key, defaults={
                "value": value, "source": "test", "observed_at": now, "recorded_at": now})


@pytest.fixture
def maturity(db):
    demo_load()
    call_command("scorecards_load_defaults")
    return Scorecard.objects.get(slug="service-maturity")


def lines(card) -> dict[str, str]:
    return {s.entity_ref.rpartition("/")[2]: scoring.score_line(s) for s in Score.objects.filter(scorecard=card)}


def test_the_seed_lines_follow_from_the_facts(maturity):
    put_facts(FACTS)
    stats = scoring.scorecard_compute(scorecard=maturity)
    found = lines(maturity)
    assert found["payment-service"] == "payment-service: A (92/100)"
    assert found["search-service"] == "search-service: B (78/100) Missing: runbook, cost labels"
    assert found["legacy-api"] == "legacy-api: D (41/100) Missing: docs, monitoring, tests, owner unclear"
    assert stats["entities"] == Score.objects.filter(scorecard=maturity).count() >= 3
    legacy = Score.objects.get(scorecard=maturity, entity_ref="component:default/legacy-api")
    assert legacy.capped and legacy.level == ""
    coverage = next(r for r in Score.objects.get(entity_ref="component:default/payment-service",
                                                 scorecard=maturity).results if r["key"] == "coverage")
    assert coverage["state"] == "fail" and coverage["credit"] == 0.9 and coverage["value"] == 72.0
    assert coverage["fact"] == "coverage.line_percent" and coverage["source"] == "test" and coverage["observed_at"]
    assert coverage["fix"]["url"] == "/api/facts"


def test_a_failing_required_check_caps_the_grade(maturity):
    facts = {"component:default/payment-service": {**FACTS["component:default/payment-service"],
                                                   "owner.valid": False}}
    put_facts(facts)
    scoring.scorecard_compute(scorecard=maturity, entity_refs=list(facts))
    score = Score.objects.get(scorecard=maturity, entity_ref="component:default/payment-service")
    assert score.points == 92 and score.grade == "C" and score.capped
    assert score.missing == ["owner unclear"]


def test_levels_climb_the_ladder(maturity):
    perfect = {**FACTS["component:default/payment-service"], "coverage.line_percent": 91.0,
               "vulnerabilities.high": 0, "cost.labels": ["team", "service", "environment", "cost-center", "tier"],
               "cost.labels_complete": True}
    put_facts({"component:default/payment-service": perfect, "component:default/search-service":
               FACTS["component:default/search-service"]})
    scoring.scorecard_compute(scorecard=maturity)
    payment = Score.objects.get(scorecard=maturity, entity_ref="component:default/payment-service")
    assert (payment.points, payment.grade, payment.level) == (100, "A", "Gold")
    assert Score.objects.get(scorecard=maturity, entity_ref="component:default/search-service").level == "Silver"


def test_an_approved_unexpired_exemption_counts_as_passing(maturity, owner):
    put_facts(FACTS)
    ref = "component:default/search-service"
    Exemption.objects.create(scorecard=maturity, entity_ref=ref, check_key="runbook", reason="docs move",
                             expires_at=timezone.now() + timedelta(days=30), status=Exemption.Status.APPROVED)
    Exemption.objects.create(scorecard=maturity, entity_ref=ref, check_key="cost-labels", reason="pending",
                             expires_at=timezone.now() + timedelta(days=30))  # not approved: no effect
    Exemption.objects.create(scorecard=maturity, entity_ref=ref, check_key="coverage", reason="old",
                             expires_at=timezone.now() - timedelta(days=1), status=Exemption.Status.APPROVED)
    scoring.scorecard_compute(scorecard=maturity)
    score = Score.objects.get(scorecard=maturity, entity_ref=ref)
    assert scoring.score_line(score) == "search-service: B (83/100) Missing: cost labels"
    assert CheckOutcome.objects.get(score=score, check_key="runbook").state == "exempt"
    assert CheckOutcome.objects.get(score=score, check_key="coverage").state == "fail"


def test_unchanged_inputs_write_nothing_and_a_changed_fact_rewrites_one(maturity, django_assert_max_num_queries):
    put_facts(FACTS)
    first = scoring.scorecard_compute(scorecard=maturity)
    assert first["written"] == first["entities"]
    again = scoring.scorecard_compute(scorecard=maturity)
    assert again["written"] == 0 and again["unchanged"] == first["entities"]
    Fact.objects.filter(entity_ref="component:default/search-service", key="coverage.line_percent").update(
        value=90.0)
    with django_assert_max_num_queries(30):
        stats = scoring.entities_rescore(entity_refs=["component:default/search-service"])
    assert stats["service-maturity"]["written"] == 1
    score = Score.objects.get(scorecard=maturity, entity_ref="component:default/search-service")
    assert scoring.score_line(score) == "search-service: B (80/100) Missing: runbook, cost labels"
    week = ScoreWeek.objects.get(scorecard=maturity, entity_ref=score.entity_ref)
    assert week.week.weekday() == 0 and week.points == 80 and week.grade == "B"
    assert CheckOutcome.objects.filter(score=score).count() == len(score.results)


def test_scores_of_entities_that_no_longer_match_are_removed(maturity):
    put_facts(FACTS)
    scoring.scorecard_compute(scorecard=maturity)
    Scorecard.objects.filter(pk=maturity.pk).update(applies_to="kind=component,spec.type=website")
    maturity.refresh_from_db()
    stats = scoring.scorecard_compute(scorecard=maturity)
    assert stats["removed"] >= 3
    assert not Score.objects.filter(scorecard=maturity, entity_ref="component:default/legacy-api").exists()


def test_a_scorecard_in_error_computes_nothing(maturity):
    Scorecard.objects.filter(pk=maturity.pk).update(status=Scorecard.Status.ERROR)
    maturity.refresh_from_db()
    assert scoring.scorecard_compute(scorecard=maturity)["entities"] == 0


def test_facts_that_do_not_fit_make_a_check_error_not_a_crash(maturity):
    put_facts({"component:default/legacy-api": {**FACTS["component:default/legacy-api"],
                                                "docs.last_updated": "last spring", "owner.valid": {"x": 1}}})
    scoring.scorecard_compute(scorecard=maturity, entity_refs=["component:default/legacy-api"])
    score = Score.objects.get(scorecard=maturity, entity_ref="component:default/legacy-api")
    states = {r["key"]: r["state"] for r in score.results}
    assert states["techdocs-fresh"] == "error" and states["owner-defined"] == "pass"
    fresh = next(r for r in score.results if r["key"] == "techdocs-fresh")
    assert fresh["message"] == "'last spring' is not a date and time"


def test_a_full_recompute_of_every_scorecard_shares_the_fact_reads(maturity, django_assert_max_num_queries):
    put_facts(FACTS)
    with django_assert_max_num_queries(40):
        stats = scoring.scores_recompute_all()
    assert set(stats) == {"service-maturity", "documentation-standards"}
    assert lines(maturity)["search-service"] == "search-service: B (78/100) Missing: runbook, cost labels"
    docs = Score.objects.get(scorecard__slug="documentation-standards", entity_ref="component:default/legacy-api")
    assert docs.results[0]["key"] == "readme-present" and docs.results[0]["state"] == "unknown"
    assert Scorecard.objects.get(slug="service-maturity").computed_at is not None


def test_huge_or_odd_fact_values_are_stored_not_fatal(maturity):
    put_facts({"component:default/legacy-api": {**FACTS["component:default/legacy-api"],
                                                "vulnerabilities.high": 10 ** 30, "cost.labels": ["team\t\\x\n"]}})
    scoring.scorecard_compute(scorecard=maturity, entity_refs=["component:default/legacy-api"])
    score = Score.objects.get(scorecard=maturity, entity_ref="component:default/legacy-api")
    high = next(r for r in score.results if r["key"] == "vulnerability-scan")
    assert high["state"] == "fail" and high["credit"] == 0 and score.points == 38


def test_a_catalog_wide_rescore_becomes_one_full_sweep(maturity, monkeypatch):
    put_facts(FACTS)
    monkeypatch.setattr(scoring, "INCREMENTAL_MAX", 2)
    stats = scoring.entities_rescore(entity_refs=list(FACTS))
    assert stats["service-maturity"]["entities"] == Score.objects.filter(scorecard=maturity).count() > 3
