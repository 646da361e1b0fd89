"""Run services: create (validation, on-commit enqueue), claim, cancel, retry, sweep."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from scaffolding import services
from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldStep

pytestmark = pytest.mark.django_db


def test_create_stores_the_run_and_enqueues_after_commit(hello_template, owner, django_capture_on_commit_callbacks):
    with mock.patch("scaffolding.tasks.run_execute.delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        run = services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)
    delay.assert_called_once_with(str(run.pk))
    assert run.status == "open" and run.created_by_ref == "user:default/owner"
    assert list(run.steps.values_list("step_id", "action")) == [("log", "debug:log")]
    assert run.template_base.startswith("file:") and run.template_base.endswith("/")


def test_create_refuses_values_that_fail_the_schema(hello_template, owner):
    with pytest.raises(services.ParameterErrors) as caught:
        services.run_create(template=hello_template, values={"name": "Bad_Name"}, actor=owner)
    assert caught.value.errors[0]["field"] == "name"
    assert not ScaffoldRun.objects.exists()


def test_create_refuses_unknown_actions_naming_the_step(hello_template, owner):
    hello_template.body["spec"]["steps"][0]["action"] = "nope:missing"
    with pytest.raises(services.TemplateError, match="nope:missing"):
        services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)


def test_claim_is_taken_once(hello_template, owner):
    run = services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)
    assert services.run_claim(run_id=run.pk, task_id="t1")
    assert not services.run_claim(run_id=run.pk, task_id="t2"), "a duplicate delivery claims nothing"
    assert not services.run_claim(run_id=run.pk, task_id="t1"), "own claim is live: no re-claim"


def test_cancel_open_run_is_immediate_and_processing_is_requested(hello_template, owner):
    run = services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)
    services.run_cancel(run=run, actor=owner)
    assert run.status == "cancelled"
    assert ScaffoldEvent.objects.filter(run=run, type="cancelled").exists()
    other = services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)
    services.run_claim(run_id=other.pk, task_id="t")
    services.run_cancel(run=other, actor=owner)
    assert other.status == "processing" and other.cancel_requested


def test_retry_reopens_from_the_failed_step(hello_template, owner):
    run = services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)
    with pytest.raises(services.RunStateError):
        services.run_retry(run=run, actor=owner)
    ScaffoldRun.objects.filter(pk=run.pk).update(status="failed", resume_from=0, error="boom")
    ScaffoldStep.objects.filter(run=run).update(status="failed")
    run.refresh_from_db()
    services.run_retry(run=run, actor=owner)
    assert run.status == "open" and run.error == "" and run.attempts == 1
    assert run.steps.get().status == "open"


def test_sweep_fails_runs_whose_worker_died_and_requeues_lost_messages(hello_template, owner, settings):
    stuck = services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)
    services.run_claim(run_id=stuck.pk, task_id="t")
    old = timezone.now() - timedelta(seconds=settings.PAVED_SCAFFOLDER_STALE_SECONDS + 5)
    ScaffoldRun.objects.filter(pk=stuck.pk).update(heartbeat_at=old)
    ScaffoldStep.objects.filter(run=stuck).update(status="processing")
    lost = services.run_create(template=hello_template, values={"name": "web-app"}, actor=owner)
    ScaffoldRun.objects.filter(pk=lost.pk).update(enqueued_at=old)
    with mock.patch("scaffolding.tasks.run_execute.delay"):
        result = services.runs_sweep()
    assert result == {"failed": 1, "requeued": 1}
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "stopped responding" in stuck.error and "Say hello" in stuck.error
    lost.refresh_from_db()
    assert lost.enqueued_at > old


def test_oversized_values_are_refused_before_anything_is_stored():
    from scaffolding import services
    from scaffolding.models import ScaffoldRun

    spec = {"parameters": [{"properties": {"name": {"type": "string"}}}], "steps": []}
    with pytest.raises(services.ParameterErrors, match="at most 1,000,000 bytes"):
        services.values_validate(spec=spec, values={"name": "x" * (services.MAX_VALUES_BYTES + 1)})
    assert not ScaffoldRun.objects.exists()
