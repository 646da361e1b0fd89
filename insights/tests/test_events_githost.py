"""Pushes to the built-in git host become changes (author time kept), through the receiver and task."""

from datetime import date

import pytest

from catalog.tests.factories import component_yaml, yaml_load
from githost.models import GitRepository
from githost.services import repo_commit_files, repo_create
from githost.signals import repository_pushed
from insights.lib.webhooks.events import DeploymentEvent
from insights.models import Change, Delivery
from insights.selectors.dora import dora_keys
from insights.services.events import events_apply
from insights.tasks import githost_push_ingest
from insights.tests.events_fixtures import process_pending

pytestmark = pytest.mark.django_db
ZERO = "0" * 40


@pytest.fixture(autouse=True)
def git_root(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_GIT_ROOT.mkdir()


def commit(n: int) -> str:
    return repo_commit_files(owner="acme", name="shop", branch="main", files={f"f{n}.txt": f"{n}".encode()},
                             message=f"change {n}", author_name="Ana", author_email="Ana@Example.com")


def test_push_signal_queues_one_task_and_the_task_records_the_new_commits(
        tmp_path, django_capture_on_commit_callbacks, monkeypatch):
    import insights.receivers

    yaml_load(tmp_path, component_yaml("shop"))
    repo_create(owner="acme", name="shop")
    first = commit(1)
    second, third = commit(2), commit(3)
    queued = []
    original = insights.receivers.task_enqueue_on_commit
    monkeypatch.setattr(insights.receivers, "task_enqueue_on_commit",
                        lambda name, *args, **kwargs: (queued.append(name), original(name, *args, **kwargs)))
    with django_capture_on_commit_callbacks(execute=False):  # other apps listen to pushes too
        repository_pushed.send(sender=GitRepository, owner="acme", name="shop", web_url="http://x/acme/shop",
                               ref_updates=[("refs/heads/main", first, third)], actor=None)
    assert queued == ["insights.tasks.githost_push_ingest"]
    githost_push_ingest("acme", "shop", [["refs/heads/main", first, third]])
    githost_push_ingest("acme", "shop", [["refs/heads/main", first, third]])  # a redelivered message
    assert Delivery.objects.filter(source="githost").count() == 1
    assert process_pending() == ["processed"]
    assert set(Change.objects.values_list("sha", flat=True)) == {second, third}
    change = Change.objects.get(sha=third)
    assert (change.head_sha, change.author) == (third, "ana@example.com")
    assert change.component_ref == "component:default/shop"
    # A deployment of the pushed head ships both: lead time measured from each commit's author time.
    at = change.authored_at.replace(microsecond=0)
    events_apply(events=[DeploymentEvent(external_id="d", service="shop", environment="production", status="success",
                                         deployed_at=at.replace(year=at.year + 1), commit_shas=(third,))], source="api")
    assert Change.objects.filter(deployment__isnull=False).count() == 2
    day = at.replace(year=at.year + 1).date()
    assert dora_keys(start=day, end=day, component_refs=["component:default/shop"]).changes == 2


def test_new_branch_brings_only_commits_no_other_ref_has_and_deletion_nothing():
    from githost.services import repo_branch_create

    repo_create(owner="acme", name="shop")
    base = commit(1)
    githost_push_ingest("acme", "shop", [["refs/heads/main", ZERO, base], ["refs/heads/old", base, ZERO]])
    assert process_pending() == ["processed"]
    assert list(Change.objects.values_list("sha", flat=True)) == [base]
    repo_branch_create(owner="acme", name="shop", branch="feature", start_point=base)
    tip = repo_commit_files(owner="acme", name="shop", branch="feature", files={"g.txt": b"g"}, message="g",
                            author_name="Bo", author_email="bo@example.com")
    githost_push_ingest("acme", "shop", [["refs/heads/feature", ZERO, tip]])
    assert process_pending() == ["processed"]
    assert set(Change.objects.values_list("sha", flat=True)) == {base, tip}


def test_push_without_new_commits_stores_nothing():
    repo_create(owner="acme", name="shop")
    head = commit(1)
    githost_push_ingest("acme", "shop", [["refs/heads/main", head, head]])
    assert Delivery.objects.count() == 0
    assert dora_keys(start=date(2026, 1, 1), end=date(2026, 1, 1)).changes == 0


def test_catalog_changes_with_components_queue_one_rematch(django_capture_on_commit_callbacks, monkeypatch):
    from catalog.models import Location
    from catalog.signals import entities_stored

    sent = []
    monkeypatch.setattr("insights.receivers.task_enqueue_on_commit", lambda name, *args: sent.append(name))
    entities_stored.send(sender=Location, location_id="x", refs=["group:default/team-a"])
    entities_stored.send(sender=Location, location_id="x", refs=["group:default/a", "component:default/shop"])
    assert sent == ["insights.tasks.unmatched_rematch"]
