"""The portal hands scorecards' reads to Platform Health (the two apps may not import each other)."""

import pytest

from insights.selectors import health
from portal import measurement
from scorecards.models import CheckOutcome, Score, Scorecard

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(monkeypatch):
    monkeypatch.setattr(health, "_SOURCES", {})
    measurement.connect()
    return health._SOURCES


def _score(card, ref, owner, states, grade="B"):
    from django.utils import timezone

    score = Score.objects.create(scorecard=card, entity_ref=ref, entity_name=ref.rpartition("/")[2], owner_ref=owner,
                                 points=80, grade=grade, computed_at=timezone.now())
    for key, state in states.items():
        CheckOutcome.objects.create(score=score, scorecard=card, check_key=key, state=state)


def test_the_golden_path_share_counts_services_failing_no_check(sources, settings):
    settings.PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD = "paved-road"
    card = Scorecard.objects.create(slug="paved-road", title="Paved road", target="file:/x.yaml",
                                    definition={"grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 75}]})
    _score(card, "component:default/a", "group:default/team-a", {"ci": "pass", "docs": "pass"})
    _score(card, "component:default/b", "group:default/team-a", {"ci": "pass", "docs": "exempt"})
    _score(card, "component:default/c", "group:default/team-a", {"ci": "fail", "docs": "pass"})
    _score(card, "component:default/d", "group:default/team-b", {"ci": "fail", "docs": "fail"}, grade="F")
    assert health.source("golden_path_share")(None) == pytest.approx(0.5)
    assert health.source("golden_path_share")(["group:default/team-a"]) == pytest.approx(2 / 3)
    assert health.source("golden_path_share")(["group:default/nobody"]) is None
    rows = dict(health.source("grade_distribution")(["group:default/team-b"]))
    assert rows["Paved road"] and dict(rows["Paved road"])["F"] == 1


def test_without_the_golden_path_scorecard_the_share_is_unknown(sources, settings):
    settings.PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD = "missing"
    assert health.source("golden_path_share")(None) is None
