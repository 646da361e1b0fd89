"""Writes and use cases of the surveys app (campaigns, answers, reminders)."""

from surveys.services.answers import AlreadyAnswered, SurveyError, response_shuffle, response_submit
from surveys.services.campaigns import (
    campaign_copy,
    campaign_create,
    campaign_create_default,
    campaign_load_yaml,
    next_quarter,
    participation_sync,
    question_get_or_create,
)
from surveys.services.publish import results_held, results_publish, results_publish_due
from surveys.services.reminders import reminders_send

__all__ = [
    "AlreadyAnswered", "SurveyError", "campaign_copy", "campaign_create", "campaign_create_default",
    "campaign_load_yaml", "next_quarter", "participation_sync", "question_get_or_create", "reminders_send",
    "response_shuffle", "response_submit", "results_held", "results_publish", "results_publish_due",
]
