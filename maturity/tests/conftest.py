"""Fixtures of the maturity tests: the sources replaced by hand-written readings (so every figure
below is computed by hand), a platform admin and a reader."""

from dataclasses import dataclass, field

import pytest
from django.test import Client

from maturity import sources
from maturity.sources import Reading

NAMES = ("service_creation", "cicd", "monitoring", "documentation", "self_service", "onboarding",
         "cost_attribution", "ownership")


@dataclass
class CheckRate:
    scorecard_slug: str
    check_key: str
    check_title: str
    category: str
    passed: int
    failed: int
    exempt: int
    total: int


@dataclass
class FakeSources:
    """What each source answers; `calls` records the keyword arguments each was called with."""
    readings: dict = field(default_factory=lambda: {name: Reading(None, needs=f"no {name} data") for name in NAMES})
    survey: object | None = None
    checks: list = field(default_factory=list)
    teams: list = field(default_factory=list)
    calls: list = field(default_factory=list)

    def set(self, name: str, value: float | None, detail: str = "") -> None:
        self.readings[name] = Reading(value, detail or f"{name} detail", [("Evidence", "/evidence/")])


@pytest.fixture
def fake(monkeypatch) -> FakeSources:
    state = FakeSources()
    for name in NAMES:
        def reader(_name=name, **kwargs):
            state.calls.append((_name, kwargs))
            return state.readings[_name]
        monkeypatch.setattr(sources, name, reader)
    monkeypatch.setattr(sources, "survey_summary", lambda: state.survey)

    def worst(**kwargs):
        state.calls.append(("worst_checks", kwargs))
        return state.checks[: kwargs.get("limit", 3)]
    monkeypatch.setattr(sources, "worst_checks", worst)
    monkeypatch.setattr(sources, "teams", lambda: list(state.teams))
    return state


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("platform-admin", "admin@example.com", "x")


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def reader_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client
