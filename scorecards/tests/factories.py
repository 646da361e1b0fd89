"""Rows the scoring engine would write, made directly: the pages and selectors read only these."""

import datetime

from django.utils import timezone

from scorecards.models import CheckOutcome, Score, Scorecard, ScoreWeek

DEFINITION = {
    "categories": [
        {"key": "ownership", "title": "Ownership", "weight": 0, "checks": [
            {"key": "owner", "title": "Owner is a real team", "required": True}]},
        {"key": "documentation", "title": "Documentation", "weight": 15, "checks": [
            {"key": "docs", "title": "TechDocs published and fresh"}]},
        {"key": "reliability", "title": "Reliability", "weight": 15, "checks": [
            {"key": "runbook", "title": "Runbook"}]},
        {"key": "testing", "title": "Testing", "weight": 15, "checks": [
            {"key": "coverage", "title": "Coverage above 80%"}]},
        {"key": "cost", "title": "Cost", "weight": 15, "checks": [
            {"key": "cost-labels", "title": "Cost attribution labels"}]},
    ],
    "levels": [{"name": "Bronze"}, {"name": "Silver"}, {"name": "Gold"}],
}
CHECKS = ["owner", "docs", "runbook", "coverage", "cost-labels"]
MISSING_WORDS = {"owner": "owner unclear", "docs": "docs", "runbook": "runbook", "coverage": "tests",
                 "cost-labels": "cost labels"}


def scorecard(slug: str = "service-maturity", title: str = "Service maturity", **extra) -> Scorecard:
    return Scorecard.objects.create(slug=slug, title=title, target=f"/tmp/{slug}.yaml",
                                    applies_to="kind=component,spec.type=service",
                                    definition=extra.pop("definition", DEFINITION), **extra)


def grade_of(points: float) -> str:
    return "A" if points >= 90 else "B" if points >= 75 else "C" if points >= 60 else "D" if points >= 40 else "F"


def results_for(states: dict[str, str], now=None) -> list[dict]:
    now = now or timezone.now()
    return [{"key": key, "title": key.title(), "category": key, "state": states.get(key, "pass"),
             "required": key == "owner", "value": 84.2 if key == "coverage" else True, "fact": f"fact.{key}",
             "source": "cobertura" if key == "coverage" else "portal", "observed_at": now.isoformat(),
             "message": "", "missing": MISSING_WORDS[key], "fix": {"text": f"Add {key}", "url": f"https://docs.example.com/{key}"}}
            for key in CHECKS]


def score(card: Scorecard, name: str, *, owner: str = "group:default/team-a", points: float = 92,
          failing: tuple[str, ...] = (), exempt: tuple[str, ...] = (), level: str = "Gold",
          kind: str = "component", computed_at=None) -> Score:
    states = {k: "fail" for k in failing} | {k: "exempt" for k in exempt}
    row = Score.objects.create(
        scorecard=card, entity_ref=f"{kind}:default/{name}", entity_name=name, owner_ref=owner, points=points,
        grade=grade_of(points), level=level, results=results_for(states),
        missing=[MISSING_WORDS[k] for k in failing],
        computed_at=computed_at or timezone.now())
    CheckOutcome.objects.bulk_create([CheckOutcome(score=row, scorecard=card, check_key=k,
                                                   state=states.get(k, "pass")) for k in CHECKS])
    return row


def weeks(card: Scorecard, row: Score, values: list[float], today: datetime.date | None = None) -> None:
    """One ScoreWeek per value, the last one this week."""
    today = today or timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    ScoreWeek.objects.bulk_create([
        ScoreWeek(scorecard=card, entity_ref=row.entity_ref, owner_ref=row.owner_ref,
                  week=monday - datetime.timedelta(weeks=len(values) - 1 - i), points=v, grade=grade_of(v))
        for i, v in enumerate(values)])
