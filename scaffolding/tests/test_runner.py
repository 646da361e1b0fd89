"""The step runner: order, if/each, typed inputs, outputs, failures, cancel, dry run, resume."""

import threading
import time

import pytest

from scaffolding import runner
from scaffolding.actions.base import Action, ActionError
from scaffolding.models import ScaffoldRun, ScaffoldStep
from scaffolding.tests_support import RecordingProgress

pytestmark = pytest.mark.django_db


class Echo(Action):
    id = "test:echo"
    input_schema = {"type": "object", "properties": {"value": {}}, "additionalProperties": True}
    output_schema = {"type": "object", "properties": {"value": {"type": "string"}}}
    supports_dry_run = True

    def __init__(self):
        self.seen = []

    def run(self, ctx):
        self.seen.append(ctx.input)
        ctx.log(f"echo {ctx.input.get('value')!r}")
        ctx.output("value", ctx.input.get("value"))


class WriteFile(Action):
    id = "test:write"
    input_schema = {"type": "object", "required": ["path"], "properties": {"path": {"type": "string"}}}
    supports_dry_run = True

    def run(self, ctx):
        target = ctx.resolve_path(ctx.input["path"], field_name="path")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("hello")


class Publish(Action):
    id = "test:publish"
    output_schema = {"type": "object", "properties": {"remoteUrl": {"type": "string", "examples": ["http://x"]}}}

    def __init__(self):
        self.calls = 0
        self.fail_next = False

    def run(self, ctx):
        self.calls += 1
        if self.fail_next:
            self.fail_next = False
            raise ActionError("the remote said no")
        ctx.record_created("repository", "acme/web", "http://git/acme/web.git")
        ctx.output("remoteUrl", "http://git/acme/web.git")


class Wait(Action):
    id = "test:wait"

    def run(self, ctx):
        for _ in range(200):
            ctx.check_cancelled()
            time.sleep(0.02)


def make_run(steps, *, values=None, secrets=None, dry_run=False, output=None, user=None):
    run = ScaffoldRun.objects.create(
        template_ref="template:default/t", spec={"steps": steps, "output": output or {}},
        values=values or {}, secrets=secrets or {}, dry_run=dry_run, status=ScaffoldRun.Status.PROCESSING,
        created_by=user,
    )
    for index, step in enumerate(steps):
        ScaffoldStep.objects.create(run=run, index=index, step_id=step["id"], name=step.get("name", step["id"]),
                                    action=step["action"])
    return run


@pytest.fixture
def workspace_dir(settings, tmp_path):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    return settings.PAVED_SCAFFOLDER_WORKSPACE_DIR


@pytest.fixture
def actions():
    return {a.id: a for a in (Echo(), WriteFile(), Publish(), Wait())}


def test_runs_steps_in_order_with_typed_inputs_and_outputs(workspace_dir, actions):
    run = make_run(
        [{"id": "a", "action": "test:echo", "input": {"value": "${{ parameters.items }}"}},
         {"id": "b", "action": "test:echo", "input": {"value": "got ${{ steps.a.output.value | length }}"}},
         {"id": "c", "action": "test:echo", "input": {"value": "${{ steps['a'].output.value[1] }}"}}],
        values={"items": ["x", "y"]},
        output={"links": [{"title": "Repo", "url": "${{ steps.c.output.value }}"}]},
    )
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "completed"
    assert actions["test:echo"].seen == [{"value": ["x", "y"]}, {"value": "got 2"}, {"value": "y"}]
    assert report.steps == [("a", "completed"), ("b", "completed"), ("c", "completed")]
    assert report.finished["output"] == {"links": [{"title": "Repo", "url": "y"}]}
    assert not workspace_dir.joinpath(str(run.pk)).exists(), "the workspace is removed at the end"


def test_if_false_skips_and_each_collects_outputs(workspace_dir, actions):
    run = make_run(
        [{"id": "skip", "action": "test:echo", "if": "${{ parameters.flag }}", "input": {"value": 1}},
         {"id": "loop", "action": "test:echo", "each": "${{ parameters.names }}",
          "input": {"value": "${{ each.key }}=${{ each.value }}"}}],
        values={"flag": False, "names": ["a", "b"]}, output={"all": "${{ steps.loop.output.value }}"},
    )
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "completed"
    assert report.steps[0] == ("skip", "skipped")
    assert report.finished["output"] == {"all": ["0=a", "1=b"]}


def test_failed_step_names_the_step_and_keeps_what_was_created(workspace_dir, actions):
    actions["test:publish"].fail_next = False
    run = make_run([{"id": "pub", "name": "Publish", "action": "test:publish"},
                    {"id": "bad", "name": "Broken", "action": "test:echo", "input": {"value": "${{ 1 +  }}"}}])
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "failed"
    error = report.finished["error"]
    assert "Broken" in error and "bad" in error and "test:echo" in error
    assert report.finished["created"] == [{"kind": "repository", "ref": "acme/web",
                                           "url": "http://git/acme/web.git", "step": "pub"}]
    assert report.finished["resume_from"] == 1


def test_input_failing_the_action_schema_names_the_field(workspace_dir, actions):
    run = make_run([{"id": "w", "action": "test:write", "input": {"path": 5}}])
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "failed"
    assert "input path" in report.finished["error"]


def test_paths_outside_the_workspace_fail_the_step(workspace_dir, actions, tmp_path):
    run = make_run([{"id": "w", "action": "test:write", "input": {"path": "../../escape.txt"}}])
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "failed"
    assert "leaves the task's workspace" in report.finished["error"]
    assert not (tmp_path / "escape.txt").exists()


def test_secrets_reach_inputs_but_never_the_log(workspace_dir, actions):
    # A secret can only be a whole input value (embedding it is refused: see test_secrets.py).
    run = make_run([{"id": "a", "action": "test:echo", "input": {"value": "${{ secrets.token }}"}}],
                   secrets={"token": "s3cr3t-value"})
    report = RecordingProgress()
    runner.run_execute(run_id=run.pk, report=report, actions=actions)
    assert actions["test:echo"].seen == [{"value": "s3cr3t-value"}]
    assert all("s3cr3t-value" not in line for line, _, _ in report.lines)
    assert any("***" in line for line, _, _ in report.lines)


def test_secrets_are_not_available_to_conditions_or_output(workspace_dir, actions):
    run = make_run([{"id": "a", "action": "test:echo", "if": "${{ secrets.token }}", "input": {"value": 1}}],
                   secrets={"token": "abc"}, output={"leak": "${{ secrets.token }}"})
    report = RecordingProgress()
    runner.run_execute(run_id=run.pk, report=report, actions=actions)
    assert report.steps == [("a", "skipped")]
    assert report.finished["output"] == {}


def test_dry_run_skips_side_effects_with_example_outputs_and_returns_files(workspace_dir, actions):
    run = make_run(
        [{"id": "w", "action": "test:write", "input": {"path": "src/app.txt"}},
         {"id": "pub", "action": "test:publish"},
         {"id": "e", "action": "test:echo", "input": {"value": "${{ steps.pub.output.remoteUrl }}"}}],
        dry_run=True,
    )
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "completed"
    assert actions["test:publish"].calls == 0
    assert actions["test:echo"].seen == [{"value": "http://x"}]
    assert [f["path"] for f in report.finished["dry_run_files"]] == ["src/app.txt"]


def test_cancel_interrupts_a_running_action(workspace_dir, actions):
    run = make_run([{"id": "w", "action": "test:wait"}, {"id": "e", "action": "test:echo"}])
    report = RecordingProgress()
    threading.Timer(0.3, lambda: setattr(report, "cancel", True)).start()
    started = time.monotonic()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "cancelled"
    assert time.monotonic() - started < 3
    assert report.steps == [("w", "cancelled")]


def test_time_limit_fails_the_run_with_the_setting_named(workspace_dir, actions, settings):
    settings.PAVED_SCAFFOLDER_TASK_TIME_LIMIT = 0.3
    run = make_run([{"id": "w", "action": "test:wait"}])
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "failed"
    assert "PAVED_SCAFFOLDER_TASK_TIME_LIMIT" in report.finished["error"]


def test_resume_rebuilds_files_and_reuses_outputs_of_side_effect_steps(workspace_dir, actions):
    steps = [{"id": "w", "action": "fetch:stub"}, {"id": "pub", "action": "test:publish"},
             {"id": "e", "action": "test:echo", "input": {"value": "${{ steps.pub.output.remoteUrl }}"}}]

    class FetchStub(WriteFile):
        id = "fetch:stub"
        input_schema = {"type": "object"}
        builds_files = True  # what makes a retry run it again, whatever its id

        def run(self, ctx):
            ctx.resolve_path("skeleton.txt").write_text("files")

    actions["fetch:stub"] = FetchStub()
    run = make_run(steps)
    run.resume_from = 2
    run.step_outputs = {"w": {}, "pub": {"remoteUrl": "http://stored"}}
    run.save()
    ScaffoldStep.objects.filter(run=run, index__lt=2).update(status="completed")
    report = RecordingProgress()
    assert runner.run_execute(run_id=run.pk, report=report, actions=actions) == "completed"
    assert actions["test:publish"].calls == 0, "side effects are not repeated"
    assert actions["test:echo"].seen == [{"value": "http://stored"}]
    assert any("Rebuilding the workspace" in line for line, _, _ in report.lines)
