"""The contract every scaffolder action follows.

An action is a class with an `id`, JSON Schemas for its `input` and `output`, and a `run(ctx)`
method. The runner validates the rendered input against `input_schema` before calling `run`,
so `run` may trust the shape (not the content: paths, URLs and names are still hostile).

Rules for `run`:
- Write files only through `ctx.resolve_path(...)`, which refuses anything leaving the workspace.
- Report what you create outside the workspace (a repository, a commit, a catalog location)
  with `ctx.record_created(...)`, so a failed run can list it.
- Be idempotent: a retry runs the failed step again. Check before creating (repository exists?
  same commit already made?) and keep what you need in `ctx.checkpoint` (a JSON dict that is
  saved when the step ends, whatever its outcome, and handed back on a retry).
- Log with `ctx.log(...)`; never log secrets (they are redacted anyway, as a last line of defence).
- Call `ctx.check_cancelled()` between long operations; long subprocesses go through
  `ctx.run_command(...)`, which kills them when the run is cancelled or out of time.
- Raise `ActionInputError` for bad input (message names the field) and `ActionError` for
  failures; any other exception is reported as an unexpected error of the step.
- Set outputs with `ctx.output(name, value)`; they become `steps.<id>.output.<name>`.
- An action describes itself to the rest of the scaffolder with class attributes, so adding one
  touches its own module only: `builds_files` (it only writes files in the workspace: a retry runs
  it again to rebuild the workspace, and template upgrades run it to re-render), `publishes` (it
  creates a repository, and calls `ctx.record_published(...)` with what it published: lineage
  records that), `registers_entities` (its `entityRef` output names what it put in the catalog).
- Actions whose `supports_dry_run` is False are skipped in dry runs, and their outputs are
  examples generated from `output_schema`. Those with True must do nothing outside the
  workspace when `ctx.dry_run` is set.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The key of a step's checkpoint under which ctx.record_published keeps what the step published.
PUBLISHED = "published"


def published_records(checkpoint) -> list[dict]:
    """The repositories a step recorded with ctx.record_published, read from its saved checkpoint."""
    records = checkpoint.get(PUBLISHED) if isinstance(checkpoint, dict) else None
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


class ActionError(Exception):
    """The action failed; the message is shown to people as is."""


class ActionInputError(ActionError):
    """The action's input is wrong; the message names the field and what was expected."""


class ActionCancelled(Exception):
    """The run was cancelled or ran out of time while the action was working."""


@dataclass(frozen=True)
class ActionUser:
    """Who runs the task: their login and, when linked, their catalog User entity."""

    username: str
    email: str = ""
    display_name: str = ""
    entity_ref: str = ""  # "user:default/jane", or "" when the login has no catalog User


@dataclass
class ActionContext:
    workspace: Path
    input: dict
    task_id: str
    step_id: str
    user: ActionUser
    # Where the template came from: "file:/abs/dir/" or "url:https://host/path/dir/" (a directory,
    # ending with "/"), so `fetch:*` can resolve relative urls such as "./skeleton".
    template_base: str = ""
    template_ref: str = ""
    template_version: str = ""
    # The run's answers (`parameters`), for actions that record lineage.
    parameters: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)
    dry_run: bool = False
    checkpoint: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    created: list = field(default_factory=list)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    deadline: float | None = None  # time.monotonic() value after which the run is out of time
    log_sink: Callable[[str], None] | None = None

    def log(self, message: str) -> None:
        if self.log_sink is not None:
            self.log_sink(str(message))

    def output(self, name: str, value: Any) -> None:
        self.outputs[name] = value

    def record_published(self, *, provider: str, host: str, owner: str, repo: str, remote_url: str,
                         default_branch: str, source_path: str = "") -> None:
        """Note the repository this step published, for lineage: kept with the step (in its checkpoint,
        under PUBLISHED, so a retry that publishes again replaces it rather than adding a second one)."""
        record = {"provider": provider, "host": host, "owner": owner, "repo": repo, "remote_url": remote_url,
                  "default_branch": default_branch, "source_path": source_path}
        kept = [r for r in self.checkpoint.get(PUBLISHED) or []
                if (r.get("provider"), r.get("owner"), r.get("repo")) != (provider, owner, repo)]
        self.checkpoint[PUBLISHED] = [*kept, record]

    def record_created(self, kind: str, ref: str, url: str = "") -> None:
        """Note something made outside the workspace, e.g. ("repository", "acme/web", clone url)."""
        item = {"kind": kind, "ref": ref, "url": url, "step": self.step_id}
        if item not in self.created:
            self.created.append(item)

    def resolve_path(self, relative: str | None, *, field_name: str = "path") -> Path:
        """`relative` inside the workspace, or ActionInputError naming `field_name`.

        Absolute paths, `..` escapes and symlinks that lead out are all refused.
        """
        return resolve_inside(self.workspace, relative, field_name=field_name)

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise ActionCancelled("the task was cancelled")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ActionCancelled("the task ran out of time")

    def run_command(self, args: list[str], *, cwd: Path | None = None, env: dict | None = None,
                    input: bytes | None = None, inherit_env: bool = True) -> subprocess.CompletedProcess:
        """Run a program, killed if the run is cancelled or out of time; raises ActionError on failure.
        With inherit_env=False the program sees only `env` (for programs running template code)."""
        return run_interruptible(args, cwd=cwd, env=env, input=input, cancel_event=self.cancel_event,
                                 deadline=self.deadline, inherit_env=inherit_env)


def resolve_inside(root: Path, relative: str | None, *, field_name: str = "path") -> Path:
    relative = "" if relative is None else str(relative)
    if "\x00" in relative:
        raise ActionInputError(f"{field_name}: {relative!r} contains a NUL byte")
    if relative.startswith(("/", "\\")) or (len(relative) > 1 and relative[1] == ":"):
        raise ActionInputError(f"{field_name}: {relative!r} is absolute; expected a path inside the workspace")
    root = root.resolve()
    candidate = (root / relative).resolve()  # resolve() follows symlinks, so a link out is caught too
    if candidate != root and root not in candidate.parents:
        raise ActionInputError(f"{field_name}: {relative!r} leaves the task's workspace")
    return candidate


def run_interruptible(args: list[str], *, cwd=None, env=None, input: bytes | None = None,
                      cancel_event: threading.Event | None = None,
                      deadline: float | None = None, inherit_env: bool = True) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})} if inherit_env else dict(env or {})
    proc = subprocess.Popen(args, cwd=cwd, env=full_env, stdin=subprocess.PIPE if input is not None else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    result: dict = {}

    def communicate():
        result["out"], result["err"] = proc.communicate(input)

    reader = threading.Thread(target=communicate, daemon=True)
    reader.start()
    while reader.is_alive():
        reader.join(0.1)
        stop = (cancel_event is not None and cancel_event.is_set()) or (
            deadline is not None and time.monotonic() > deadline)
        if stop and reader.is_alive():
            proc.kill()
            reader.join(5)
            raise ActionCancelled(f"{os.path.basename(args[0])} was stopped: the task was cancelled or ran out of time")
    completed = subprocess.CompletedProcess(args, proc.returncode, result.get("out", b""), result.get("err", b""))
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout or b"").decode("utf-8", "replace").strip()[-2000:]
        raise ActionError(f"{os.path.basename(args[0])} {args[1] if len(args) > 1 else ''} failed "
                          f"(exit {completed.returncode}): {detail}")
    return completed


class Action:
    """Base class; see the module docstring for the contract."""

    id: str = ""
    description: str = ""
    input_schema: dict = {"type": "object"}
    output_schema: dict = {"type": "object"}
    supports_dry_run: bool = False
    examples: list = []
    # See the module docstring: what the rest of the scaffolder may rely on this action doing.
    builds_files: bool = False
    publishes: bool = False
    registers_entities: bool = False

    def run(self, ctx: ActionContext) -> None:
        raise NotImplementedError
