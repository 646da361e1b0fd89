"""Campaigns: create (default questions, YAML, copy of the last one) and their audience rows."""

import datetime
from dataclasses import dataclass

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from surveys import selectors
from surveys.defaults import DEFAULT_QUESTIONS
from surveys.models import QUARTER_RE, Campaign, CampaignQuestion, Participation, Question, wording_hash


@dataclass
class QuestionSpec:
    section: str
    kind: str
    text: str
    key: str = ""
    choices: tuple[str, ...] = ()
    required: bool = True


def question_get_or_create(*, kind: str, text: str, choices=(), key: str = "") -> Question:
    """The Question with this wording; a new wording is a new Question (with a new key if needed)."""
    choices = [str(c) for c in choices]
    digest = wording_hash(kind=kind, text=text, choices=choices)
    existing = Question.objects.filter(wording_hash=digest).first()
    if existing:
        return existing
    base = slugify(key) or slugify(text)[:60] or "question"
    key = base if not Question.objects.filter(key=base).exists() else f"{base[:70]}-{digest[:8]}"
    question = Question(kind=kind, text=" ".join(text.split()), choices=choices, key=key)
    question.full_clean(exclude=["wording_hash"])
    question.save()
    return question


@transaction.atomic
def campaign_create(
    *, title: str, quarter: str, opens_on: datetime.date, closes_on: datetime.date,
    questions: list[QuestionSpec], audience_groups: list[str] | None = None,
) -> Campaign:
    campaign = Campaign(title=title, quarter=quarter, opens_on=opens_on, closes_on=closes_on,
                        audience_groups=[_group_ref(g) for g in audience_groups or []])
    campaign.full_clean()
    campaign.save()
    _set_questions(campaign, questions)
    participation_sync(campaign=campaign)
    return campaign


def _group_ref(name: str) -> str:
    name = name.strip().lower()
    if not name.startswith("group:"):
        name = f"group:{name}"
    return name if "/" in name else name.replace("group:", "group:default/", 1)


def _set_questions(campaign: Campaign, questions: list[QuestionSpec]) -> None:
    if not questions:
        raise ValidationError("A campaign needs at least one question.")
    seen = set()
    for order, spec in enumerate(questions, start=1):
        question = question_get_or_create(kind=spec.kind, text=spec.text, choices=spec.choices, key=spec.key)
        if question.pk in seen:
            raise ValidationError(f"Question {order} repeats an earlier question: {spec.text!r}.")
        seen.add(question.pk)
        CampaignQuestion.objects.create(campaign=campaign, question=question, section=spec.section,
                                        order=order, required=spec.required)


def default_questions() -> list[QuestionSpec]:
    return [QuestionSpec(section=s, key=k, kind=kind, text=t, required=r) for s, k, kind, t, r in DEFAULT_QUESTIONS]


def campaign_create_default(*, title: str, quarter: str, opens_on, closes_on, audience_groups=None) -> Campaign:
    return campaign_create(title=title, quarter=quarter, opens_on=opens_on, closes_on=closes_on,
                           questions=default_questions(), audience_groups=audience_groups)


def next_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year + 1}-Q1" if q == 4 else f"{year}-Q{q + 1}"


def _quarter_start(quarter: str) -> datetime.date:
    return datetime.date(int(quarter[:4]), 3 * (int(quarter[-1]) - 1) + 1, 1)


def campaign_copy(*, source: Campaign, title: str = "") -> Campaign:
    """Next quarter's campaign: same questions (same identities, so trends line up), same audience,
    the same days into the quarter."""
    quarter = next_quarter(source.quarter)
    shift = _quarter_start(quarter) - _quarter_start(source.quarter)
    questions = [
        QuestionSpec(section=item.section, kind=item.question.kind, text=item.question.text,
                     key=item.question.key, choices=tuple(item.question.choices), required=item.required)
        for item in selectors.campaign_items(campaign=source)
    ]
    return campaign_create(
        title=title or source.title.replace(source.quarter, quarter),
        quarter=quarter, opens_on=source.opens_on + shift, closes_on=source.closes_on + shift,
        questions=questions, audience_groups=source.audience_groups,
    )


def participation_sync(*, campaign: Campaign) -> int:
    """Create the missing audience rows (who may answer, for rates and reminders); idempotent.

    Rows are created for the whole audience up front, so their order says nothing about when
    anyone answered."""
    existing = set(campaign.participations.values_list("user_id", flat=True))
    rows = [
        Participation(campaign=campaign, user=user, team_ref=team)
        for user, team in selectors.audience_teams(campaign=campaign, exclude_user_ids=existing)
    ]
    Participation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- YAML -------------------------------------------------------------------------------------

KINDS = {choice.value for choice in Question.Kind}


def _date(doc: dict, name: str) -> datetime.date:
    value = doc.get(name)
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{name}: expected a date like 2026-10-01, got {value!r}.") from None


def _yaml_questions(doc: dict) -> list[QuestionSpec]:
    sections = doc.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValidationError("sections: expected a list of sections, each with a title and questions.")
    specs = []
    for i, section in enumerate(sections, start=1):
        where = f"sections[{i}]"
        if not isinstance(section, dict) or not str(section.get("title", "")).strip():
            raise ValidationError(f"{where}: expected a mapping with a title.")
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            raise ValidationError(f"{where}.questions: expected a non-empty list.")
        for j, q in enumerate(questions, start=1):
            qwhere = f"{where}.questions[{j}]"
            if not isinstance(q, dict) or not str(q.get("text", "")).strip():
                raise ValidationError(f"{qwhere}: expected a mapping with text.")
            kind = q.get("kind", "likert")
            if kind not in KINDS:
                raise ValidationError(f"{qwhere}.kind: expected one of {', '.join(sorted(KINDS))}, got {kind!r}.")
            choices = q.get("choices") or []
            if kind == "choice" and (not isinstance(choices, list) or len(choices) < 2):
                raise ValidationError(f"{qwhere}.choices: a single-choice question needs a list of two or more.")
            specs.append(QuestionSpec(section=str(section["title"]).strip(), kind=kind, text=str(q["text"]),
                                      key=str(q.get("key", "")), choices=tuple(choices),
                                      required=bool(q.get("required", kind != "text"))))
    return specs


@transaction.atomic
def campaign_load_yaml(*, text: str) -> Campaign:
    """Create or update the campaign of the YAML's quarter. A campaign with answers keeps its questions."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"Not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ValidationError("Expected a mapping with title, quarter, opens_on, closes_on and sections.")
    quarter = str(doc.get("quarter", ""))
    if not QUARTER_RE.match(quarter):
        raise ValidationError(f"quarter: expected the form YYYY-Qn, got {quarter!r}.")
    audience = doc.get("audience", "everyone")
    if audience == "everyone":
        audience = []
    if not isinstance(audience, list):
        raise ValidationError("audience: expected 'everyone' or a list of group names.")
    fields = {"title": str(doc.get("title") or f"Developer survey {quarter}"), "opens_on": _date(doc, "opens_on"),
              "closes_on": _date(doc, "closes_on"), "audience_groups": [_group_ref(str(g)) for g in audience]}
    questions = _yaml_questions(doc)
    campaign = Campaign.objects.filter(quarter=quarter).first()
    if campaign is None:
        return campaign_create(quarter=quarter, questions=questions, **fields)
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    if not campaign.responses.exists():
        campaign.items.all().delete()
        _set_questions(campaign, questions)
    participation_sync(campaign=campaign)
    return campaign
