"""Surveys has no data in this build yet."""
