"""Parse and validate survey answers from a POST. No side effects.

Fields are named `q-<question id>`. Answers of other sections travel as hidden fields, so
nothing is stored before the final submit and the form works without JavaScript.
"""

from dataclasses import dataclass, field

from django.http import QueryDict

from surveys.models import CampaignQuestion, Question

PREFIX = "q-"
MAX_TEXT = 4000


class TamperedForm(Exception):
    """The POST names questions the campaign does not have, or repeats a field."""


@dataclass
class ParsedAnswers:
    values: dict[int, int | str] = field(default_factory=dict)  # question id -> value
    raw: dict[int, str] = field(default_factory=dict)  # question id -> submitted text, for re-display
    errors: dict[int, str] = field(default_factory=dict)  # question id -> message


def field_name(question_id: int) -> str:
    return f"{PREFIX}{question_id}"


def _check_shape(data: QueryDict, known: set[int]) -> None:
    for name in data:
        if not name.startswith(PREFIX):
            continue
        try:
            question_id = int(name[len(PREFIX):])
        except ValueError:
            raise TamperedForm(f"The form names an unknown question ({name!r}).") from None
        if question_id not in known:
            raise TamperedForm(f"The form names a question this survey does not have ({name!r}).")
        if len(data.getlist(name)) > 1:
            raise TamperedForm(f"The form sends the answer {name!r} more than once.")


def _parse_one(question: Question, raw: str) -> int | str:
    if question.kind == Question.Kind.TEXT:
        if len(raw) > MAX_TEXT:
            raise ValueError(f"Keep it under {MAX_TEXT} characters.")
        return raw
    low, high = question.value_range
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"Choose a value from {low} to {high}.") from None
    if not low <= value <= high:
        if question.kind == Question.Kind.CHOICE:
            raise ValueError("Choose one of the options.")
        raise ValueError(f"Choose a value from {low} to {high}.")
    return value


def answers_parse(*, items: list[CampaignQuestion], data: QueryDict, check: list[CampaignQuestion]) -> ParsedAnswers:
    """Read every answer present; report errors (bad values, missing required) for `check` only.

    Raises TamperedForm when the POST names unknown questions or repeats a field.
    """
    _check_shape(data, {item.question_id for item in items})
    checked = {item.question_id for item in check}
    parsed = ParsedAnswers()
    for item in items:
        raw = data.get(field_name(item.question_id), "").strip()
        if raw == "":
            if item.required and item.question_id in checked:
                parsed.errors[item.question_id] = "This question needs an answer."
            continue
        parsed.raw[item.question_id] = raw
        try:
            parsed.values[item.question_id] = _parse_one(item.question, raw)
        except ValueError as exc:
            if item.question_id in checked:
                parsed.errors[item.question_id] = str(exc)
    return parsed
