"""Signals of the lower apps reach the engine as tasks enqueued on commit; the contract task rescoring."""

import pytest
from django.utils import timezone

from catalog.tests.factories import component_yaml, yaml_load
from scorecards import tasks
from scorecards.models import Fact, Score
from scorecards.services.definitions import scorecards_load_defaults


@pytest.fixture
def sent(monkeypatch):
    """The scorecards tasks queued (other apps listen to the same signals: their tasks are not ours)."""
    calls = []

    def record(name, *a, **k):
        if name.startswith("scorecards."):
            calls.append((name, a))

    monkeypatch.setattr("core.queue.task_by_name", lambda name: type(
        "T", (), {"delay": staticmethod(lambda *a, **k: record(name, *a, **k))})())
    return calls


def test_stored_entities_refresh_their_portal_facts(tmp_path, db, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        yaml_load(tmp_path, component_yaml("svc", owner="team-a"))
    assert [name for name, _ in sent] == ["scorecards.tasks.portal_facts_refresh"]
    assert "component:default/svc" in sent[0][1][0]


def test_published_docs_and_recorded_lineage_refresh_facts(db, sent, django_capture_on_commit_callbacks):
    from scaffolding.signals import lineage_recorded
    from techdocs.signals import docs_published

    with django_capture_on_commit_callbacks(execute=True):
        docs_published.send(sender=None, entity_ref="Component:default/A")
        lineage_recorded.send(sender=None, entity_refs=["component:default/b"])
    assert sent == [("scorecards.tasks.portal_facts_refresh", (["component:default/a"],)),
                    ("scorecards.tasks.portal_facts_refresh", (["component:default/b"],))]


def test_a_push_re_reads_scorecard_files(db, sent, django_capture_on_commit_callbacks):
    from githost.signals import repository_pushed

    with django_capture_on_commit_callbacks(execute=True):
        repository_pushed.send(sender=None, owner="a", name="b", web_url="https://h/git/a/b", ref_updates=[],
                               actor=None)
    assert sent == [("scorecards.tasks.scorecards_pushed", ("https://h/git/a/b",))]


def test_the_contract_task_rescores_after_a_fact_is_stored(tmp_path, db, django_capture_on_commit_callbacks):
    yaml_load(tmp_path, component_yaml("svc", owner="team-a"))
    scorecards_load_defaults()
    tasks.portal_facts_refresh(None)
    ref = "component:default/svc"
    before = Score.objects.get(scorecard__slug="service-maturity", entity_ref=ref)
    now = timezone.now()
    Fact.objects.create(entity_ref=ref, key="coverage.line_percent", value=85.0, source="cobertura",
                        observed_at=now, recorded_at=now)
    result = tasks.entities_rescore(["Component:default/SVC", "component:default/unknown"])
    after = Score.objects.get(scorecard__slug="service-maturity", entity_ref=ref)
    assert result["service-maturity"]["written"] == 1 and after.points == before.points + 10
    assert after.computed_at >= before.computed_at
