"""debug:log and debug:wait."""

import threading
import time
from functools import partial
from pathlib import Path

import pytest

from scaffolding.actions.base import ActionCancelled, ActionInputError
from scaffolding.actions.debug import MAX_LISTED_BYTES, DebugLog, DebugWait
from scaffolding.tests.helpers import ada_ctx

make_ctx = partial(ada_ctx, step_id="debug")


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "workspace"
    (root / "src").mkdir(parents=True)
    (root / "README.md").write_text("# Hello\nworld\n")
    (root / "src" / "main.py").write_text("print(1)\n")
    (root / "logo.png").write_bytes(b"\x89PNG\x00\x01")
    return root


def test_log_writes_the_message_and_extra(workspace):
    ctx = make_ctx(workspace, {"message": "Hello Backstage!", "extra": {"a": [1, 2]}})
    DebugLog().run(ctx)
    assert ctx.logs[0] == "Hello Backstage!"
    assert '"a": [' in ctx.logs[1]


def test_log_with_nothing_to_say_logs_nothing(workspace):
    ctx = make_ctx(workspace, {})
    DebugLog().run(ctx)
    assert ctx.logs == []


@pytest.mark.parametrize("mode", [True, "with-filenames"])
def test_list_workspace_shows_relative_paths(workspace, mode):
    ctx = make_ctx(workspace, {"listWorkspace": mode})
    DebugLog().run(ctx)
    assert ctx.logs == ["Workspace:\n  - README.md\n  - logo.png\n  - src/main.py"]
    assert str(workspace) not in ctx.logs[0]


def test_list_workspace_with_contents(workspace):
    ctx = make_ctx(workspace, {"listWorkspace": "with-contents"})
    DebugLog().run(ctx)
    text = ctx.logs[0]
    assert "  - README.md:\n\n    # Hello\n    world\n" in text
    assert "  - logo.png:\n\n    (binary file)" in text
    assert "    print(1)" in text


def test_list_workspace_truncates_big_files_and_skips_links(workspace, tmp_path):
    (workspace / "big.txt").write_text("x" * (MAX_LISTED_BYTES + 10))
    secret = tmp_path / "secret.txt"
    secret.write_text("do not show")
    (workspace / "link").symlink_to(secret)
    ctx = make_ctx(workspace, {"listWorkspace": "with-contents"})
    DebugLog().run(ctx)
    assert "... (truncated)" in ctx.logs[0]
    assert "do not show" not in ctx.logs[0] and "(not a regular file)" in ctx.logs[0]


def test_list_workspace_of_an_empty_workspace(tmp_path):
    ctx = make_ctx(tmp_path, {"listWorkspace": True})
    DebugLog().run(ctx)
    assert ctx.logs == ["Workspace:\n  (empty)"]


def test_list_workspace_rejects_unknown_modes(workspace):
    with pytest.raises(ActionInputError, match="listWorkspace: expected true"):
        DebugLog().run(make_ctx(workspace, {"listWorkspace": "everything"}))


def test_wait_adds_up_the_units():
    assert DebugWait.duration({"minutes": 1, "seconds": 2, "milliseconds": 500}) == 62.5
    assert DebugWait.duration({}) == 0


@pytest.mark.parametrize("inputs, message", [
    ({"minutes": 11}, "longer than the maximum of 10 minutes"),
    ({"minutes": 9, "seconds": 61}, "longer than the maximum"),
    ({"seconds": float("inf")}, "longer than the maximum"),
    ({"seconds": -1}, "seconds: expected a number of seconds of 0 or more"),
    ({"milliseconds": "100"}, "milliseconds: expected a number"),
    ({"minutes": True}, "minutes: expected a number"),
    ({"seconds": float("nan")}, "seconds: expected a number"),
])
def test_wait_refuses_bad_durations(tmp_path, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        DebugWait().run(make_ctx(tmp_path, inputs))


def test_wait_sleeps(tmp_path):
    ctx = make_ctx(tmp_path, {"milliseconds": 250})
    started = time.monotonic()
    DebugWait().run(ctx)
    assert 0.25 <= time.monotonic() - started < 2
    assert ctx.logs == ["Waiting 0.25 seconds"]


def test_cancel_interrupts_a_wait_quickly(tmp_path):
    ctx = make_ctx(tmp_path, {"minutes": 10})
    threading.Timer(0.2, ctx.cancel_event.set).start()
    started = time.monotonic()
    with pytest.raises(ActionCancelled):
        DebugWait().run(ctx)
    assert time.monotonic() - started < 1.5


def test_the_run_deadline_interrupts_a_wait(tmp_path):
    ctx = make_ctx(tmp_path, {"seconds": 30})
    ctx.deadline = time.monotonic() + 0.2
    started = time.monotonic()
    with pytest.raises(ActionCancelled, match="ran out of time"):
        DebugWait().run(ctx)
    assert time.monotonic() - started < 1.5


def test_both_support_dry_runs_and_describe_their_inputs():
    for action in (DebugLog(), DebugWait()):
        assert action.supports_dry_run and action.description
        assert all(prop.get("title") for prop in action.input_schema["properties"].values())
