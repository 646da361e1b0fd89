"""The monitoring dimension read from the real scorecards app (the shipped service-maturity scorecard)."""

import pytest
from django.utils import timezone

from maturity import sources
from scorecards.models import CheckOutcome, Score, Scorecard
from scorecards.services.definitions import scorecards_load_defaults

pytestmark = pytest.mark.django_db


def _scored(card, ref, states):
    score = Score.objects.create(scorecard=card, entity_ref=ref, entity_name=ref.rpartition("/")[2],
                                 owner_ref="group:default/team-a", points=50, grade="D", computed_at=timezone.now())
    CheckOutcome.objects.bulk_create([CheckOutcome(score=score, scorecard=card, check_key=key, state=state)
                                      for key, state in states.items()])


def test_monitoring_is_the_weakest_monitoring_check_of_the_shipped_scorecard():
    scorecards_load_defaults()
    card = Scorecard.objects.get(slug="service-maturity")
    _scored(card, "component:default/a", {"slo-defined": "pass", "alerting-configured": "pass", "runbook": "fail"})
    _scored(card, "component:default/b", {"slo-defined": "fail", "alerting-configured": "pass", "runbook": "fail"})
    reading = sources.monitoring()
    assert reading.value == pytest.approx(50.0)  # SLO defined: 1 of 2; alerting: 2 of 2; the runbook is not monitoring
    assert "1/2 pass" in reading.detail and "2/2 pass" in reading.detail
    assert sources.monitoring(owner_refs=["group:default/nobody"]).value is None
