"""Each dimension computed from (fake) sources, the questionnaire fallback, overall and team levels,
pain points: every expected figure below is worked out by hand."""

from types import SimpleNamespace

import pytest

from maturity.models import Answer, ThresholdTable
from maturity.selectors.assessment import ANSWERED, COMPUTED, NONE, assessment_build, assessment_data
from maturity.tests.conftest import CheckRate

pytestmark = pytest.mark.django_db


def levels(assessment) -> dict:
    return {d.key: d.level for d in assessment.dimensions}


def test_every_dimension_from_data(fake):
    for name, value in {"service_creation": 0.5, "cicd": 62.5, "monitoring": 75, "documentation": 20,
                        "self_service": 92, "onboarding": 3, "cost_attribution": 100, "ownership": 80}.items():
        fake.set(name, value)
    result = assessment_build()
    assert levels(result) == {"service_creation": 2, "cicd": 2, "monitoring": 2, "documentation": 0,
                              "self_service": 3, "onboarding": 1, "cost_attribution": 3, "ownership": 2}
    assert all(d.source == COMPUTED for d in result.dimensions)
    assert result.level == 0 and result.level_name == "Ad Hoc"
    assert "ask Bob" in result.how_you_know
    assert "Service ownership tracked (even if in a spreadsheet)" in result.to_reach_next
    assert result.weakest()[0] == "documentation"


def test_no_data_and_no_answer_leaves_the_dimension_unscored(fake):
    fake.set("ownership", 96)
    result = assessment_build()
    unscored = [d for d in result.dimensions if d.level is None]
    assert len(unscored) == 7 and all(d.source == NONE for d in unscored)
    assert result.by_key("cicd").needs == "no cicd data"
    assert result.scored == 1 and result.level is None  # one of eight known: no overall level yet
    for name in ("cicd", "monitoring", "documentation"):
        fake.set(name, 100)
    result = assessment_build()
    assert result.scored == 4 and result.level == 3 and result.provisional
    assert result.how_you_know.startswith("DORA and SPACE")
    assert result.to_reach_next == []
    # Unscored dimensions are the weakest: nobody knows where they stand.
    assert result.weakest()[-1] == "ownership"


def test_nothing_at_all_is_not_scored(fake):
    result = assessment_build()
    assert result.level is None and result.scored == 0
    assert result.to_reach_next[0] == "Documented golden paths (even if not automated)"
    assert assessment_data(result)["level"] is None


def test_an_answer_scores_a_dimension_without_data(fake, admin):
    Answer.objects.create(dimension="self_service", value=40, note="12 tickets a month", links=["https://jira/x"],
                          answered_by=admin, answered_by_name="platform-admin")
    score = assessment_build().by_key("self_service")
    assert (score.source, score.value, score.level) == (ANSWERED, 40, 1)
    assert score.detail == "12 tickets a month" and score.links == [("https://jira/x", "https://jira/x")]
    data = assessment_data(assessment_build())
    row = next(d for d in data["dimensions"] if d["key"] == "self_service")
    assert row["answeredBy"] == "platform-admin" and row["source"] == "answered"


def test_data_beats_an_answer_only_when_it_exists(fake, admin):
    Answer.objects.create(dimension="onboarding", value=30, answered_by_name="a")
    Answer.objects.create(dimension="onboarding", value=1.5, answered_by_name="b")  # the latest counts
    assert assessment_build().by_key("onboarding").level == 2
    fake.set("onboarding", 20)
    score = assessment_build().by_key("onboarding")
    assert (score.source, score.value, score.level) == (COMPUTED, 20, 0)


def test_stored_thresholds_override_the_defaults(fake):
    fake.set("cicd", 40)
    assert assessment_build().by_key("cicd").level == 1
    ThresholdTable.objects.create(dimension="cicd", values=[10, 30, 60])
    score = assessment_build().by_key("cicd")
    assert score.level == 2 and score.custom and score.thresholds == (10, 30, 60)


def test_team_scope_passes_the_group_to_every_source(fake):
    assessment_build(team_ref="group:default/team-a")
    called = dict(fake.calls)
    assert called["cicd"] == {"owner_refs": ["group:default/team-a"]}
    assert called["ownership"] == {"owner_refs": ["group:default/team-a"]}
    assert called["onboarding"] == {"team_ref": "group:default/team-a"}
    assert called["worst_checks"]["owner_refs"] == ["group:default/team-a"]
    fake.calls.clear()
    assessment_build()
    assert dict(fake.calls)["cicd"] == {"owner_refs": None}


def _survey(questions, texts=(), shown=True, nps=None):
    from surveys.selectors import QuestionScore

    return SimpleNamespace(shown=shown, responses=12, nps=nps, texts=list(texts),
                           campaign=SimpleNamespace(title="Survey", quarter="2026-Q3", pk=7),
                           questions=[QuestionScore(i, text, mean, prev, 10) for i, (text, mean, prev)
                                      in enumerate(questions)])


def test_pain_points_take_the_lowest_question_the_biggest_theme_and_the_worst_check(fake):
    fake.survey = _survey([("Docs are easy to find", 2.1, 2.5), ("CI is fast", 3.9, None),
                           ("Onboarding was smooth", 1.8, 1.2), ("Deploys are easy", 4.5, 4.0)],
                          texts=["The CI pipeline is slow", "builds are flaky", "no docs for billing", "?!"])
    fake.checks = [CheckRate("service-maturity", "slo", "SLO defined", "monitoring", 2, 8, 0, 10)]
    result = assessment_build()
    assert [q.text for q in result.low_questions] == ["Onboarding was smooth", "Docs are easy to find", "CI is fast"]
    assert result.low_questions[0].change == pytest.approx(0.6)
    assert [(t.name, t.count) for t in result.themes] == [("Slow or flaky builds and CI", 2),
                                                         ("Documentation is missing or stale", 1), ("Other", 1)]
    assert [(p.kind, p.title) for p in result.pain_points] == [
        ("survey", "Onboarding was smooth"), ("theme", "Slow or flaky builds and CI"), ("check", "SLO defined")]
    assert result.pain_points[0].link == "/surveys/7/results/"


def test_a_survey_under_the_anonymity_threshold_gives_no_pain_points(fake):
    fake.survey = _survey([("Docs", 1.0, None)], texts=["secret"], shown=False)
    result = assessment_build()
    assert result.low_questions == [] and result.themes == [] and result.pain_points == []
