"""The assessment: eight dimensions scored 0–3 from evidence (computed from the sources where Paved
has data, answered through the questionnaire where it does not), the overall level with the seed's
texts, and the pain points. Reads only: every figure is computed on request from the sources."""

from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from maturity import sources
from maturity.lib.levels import (
    DIMENSIONS,
    HOW_YOU_KNOW,
    LEVEL_NAMES,
    MIN_SCORED,
    TO_REACH_NEXT,
    Dimension,
    level_for,
    overall_level,
    threshold_rows,
)
from maturity.lib.themes import Theme, themes_of
from maturity.models import Answer, ThresholdTable

COMPUTED, ANSWERED, NONE = "computed", "answered", "none"


@dataclass
class DimensionScore:
    dimension: Dimension
    thresholds: tuple[float, float, float]
    custom: bool  # thresholds stored by an admin (else the seed's defaults)
    value: float | None = None
    level: int | None = None
    source: str = NONE
    detail: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    needs: str = ""  # what data is missing and how to send it
    answer: Answer | None = None

    @property
    def key(self) -> str:
        return self.dimension.key

    @property
    def table(self) -> list[dict]:
        return threshold_rows(self.dimension, self.thresholds)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, "") if self.level is not None else ""


@dataclass
class PainPoint:
    kind: str  # "survey", "theme" or "check"
    title: str
    detail: str = ""
    change: float | None = None
    link: str = ""


@dataclass
class Assessment:
    team_ref: str
    computed_at: datetime
    dimensions: list[DimensionScore]
    level: int | None
    survey: object | None = None  # surveys.selectors.SurveySummary
    low_questions: list = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    checks: list = field(default_factory=list)
    pain_points: list[PainPoint] = field(default_factory=list)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, "") if self.level is not None else ""

    @property
    def how_you_know(self) -> str:
        return HOW_YOU_KNOW.get(self.level, "") if self.level is not None else ""

    @property
    def to_reach_next(self) -> list[str]:
        return TO_REACH_NEXT.get(self.level, []) if self.level is not None else TO_REACH_NEXT[0]

    @property
    def next_level_name(self) -> str:
        nxt = 0 if self.level is None else self.level + 1
        return LEVEL_NAMES.get(nxt, "")

    @property
    def provisional(self) -> bool:
        """Scored, but some dimensions are not: the level may fall when they are."""
        return self.level is not None and self.scored < len(self.dimensions)

    @property
    def min_scored(self) -> int:
        return MIN_SCORED

    @property
    def scored(self) -> int:
        return sum(1 for d in self.dimensions if d.level is not None)

    def weakest(self) -> list[str]:
        """Dimension keys, weakest first: no score at all counts as weakest (nobody knows), then by level."""
        return [d.key for d in sorted(self.dimensions, key=lambda d: (-1 if d.level is None else d.level))]

    def by_key(self, key: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.key == key)


def thresholds_all() -> dict[str, tuple[tuple[float, float, float], bool]]:
    """Every dimension's table: (values, stored by an admin?)."""
    stored = dict(ThresholdTable.objects.values_list("dimension", "values"))
    return {d.key: (tuple(stored[d.key]), True) if d.key in stored else (d.defaults, False) for d in DIMENSIONS}


def latest_answers() -> dict[str, Answer]:
    """The latest questionnaire answer per dimension (one query)."""
    latest: dict[str, Answer] = {}
    for answer in Answer.objects.select_related("answered_by").order_by("-answered_at", "-id")[:500]:
        latest.setdefault(answer.dimension, answer)
    return latest


def _reading(key: str, team_ref: str) -> sources.Reading:
    owners = [team_ref] if team_ref else None
    team = team_ref or None
    readers = {
        "service_creation": lambda: sources.service_creation(team_ref=team),
        "cicd": lambda: sources.cicd(owner_refs=owners),
        "monitoring": lambda: sources.monitoring(owner_refs=owners),
        "documentation": lambda: sources.documentation(owner_refs=owners),
        "self_service": lambda: sources.self_service(team_ref=team),
        "onboarding": lambda: sources.onboarding(team_ref=team),
        "cost_attribution": lambda: sources.cost_attribution(team_ref=team),
        "ownership": lambda: sources.ownership(owner_refs=owners),
    }
    return readers[key]()


def dimension_score(dimension: Dimension, reading: sources.Reading, answer: Answer | None,
                    thresholds: tuple[float, float, float], custom: bool = False) -> DimensionScore:
    """A computed value beats an answer only when it exists; without either the dimension is unscored."""
    score = DimensionScore(dimension=dimension, thresholds=thresholds, custom=custom, detail=reading.detail,
                           links=list(reading.links), needs=reading.needs, answer=answer)
    if reading.value is not None:
        score.value, score.source = reading.value, COMPUTED
    elif answer is not None:
        score.value, score.source = answer.value, ANSWERED
        score.detail = answer.note
        score.links = [(link, link) for link in answer.links]
    score.level = level_for(score.value, thresholds, dimension.direction)
    return score


def _pain_points(assessment: Assessment) -> list[PainPoint]:
    """The top three: the lowest survey question, the biggest free-text theme, the worst check, and
    then the next of each in that order until three are found."""
    results = (reverse("surveys:campaign_results", args=[assessment.survey.campaign.pk])
               if assessment.low_questions else "")
    survey = [PainPoint("survey", q.text, f"average {q.mean:.1f} / 5", q.change, results)
              for q in assessment.low_questions]
    themes = [PainPoint("theme", t.name, f"{t.count} free-text answer{'s' if t.count != 1 else ''}")
              for t in assessment.themes if t.name != "Other"]
    checks = [PainPoint("check", c.check_title, f"{c.failed} of {c.total} failing ({c.category})", None,
                        sources.url("scorecards:index", "/scorecards/")) for c in assessment.checks]
    ranked = []
    for index in range(3):
        for pool in (survey, themes, checks):
            if index < len(pool):
                ranked.append(pool[index])
    return ranked[:3]


def assessment_build(*, team_ref: str = "", with_pains: bool = True) -> Assessment:
    """The assessment of the organisation, or of one team (a catalog Group) over its components."""
    tables = thresholds_all()
    answers = latest_answers()
    scores = [dimension_score(d, _reading(d.key, team_ref), answers.get(d.key), *tables[d.key]) for d in DIMENSIONS]
    result = Assessment(team_ref=team_ref, computed_at=timezone.now(), dimensions=scores,
                        level=overall_level([s.level for s in scores if s.level is not None]))
    if with_pains:
        result.survey = sources.survey_summary()
        if result.survey is not None and result.survey.shown:
            rated = [q for q in result.survey.questions if q.mean is not None]
            result.low_questions = sorted(rated, key=lambda q: q.mean)[:3]
            result.themes = themes_of(result.survey.texts)
        result.checks = sources.worst_checks(owner_refs=[team_ref] if team_ref else None, limit=3)
        result.pain_points = _pain_points(result)
    return result


def assessment_data(assessment: Assessment) -> dict:
    """JSON for the API and for snapshots."""
    return {
        "teamRef": assessment.team_ref or None,
        "computedAt": assessment.computed_at.isoformat(),
        "level": assessment.level,
        "levelName": assessment.level_name,
        "howYouKnow": assessment.how_you_know,
        "toReachNext": assessment.to_reach_next,
        "scored": assessment.scored,
        "provisional": assessment.provisional,
        "dimensions": [{
            "key": s.key, "title": s.dimension.title, "unit": s.dimension.unit, "value": s.value,
            "level": s.level, "source": s.source, "evidence": s.detail, "needs": s.needs,
            "links": [{"label": label, "url": link} for label, link in s.links],
            "thresholds": list(s.thresholds), "thresholdsCustom": s.custom,
            "answeredBy": (s.answer.answered_by_name if s.answer and s.source == ANSWERED else None),
            "answeredAt": (s.answer.answered_at.isoformat() if s.answer and s.source == ANSWERED else None),
        } for s in assessment.dimensions],
        "painPoints": [{"kind": p.kind, "title": p.title, "detail": p.detail, "change": p.change}
                       for p in assessment.pain_points],
        "themes": [{"name": t.name, "count": t.count} for t in assessment.themes],
    }
