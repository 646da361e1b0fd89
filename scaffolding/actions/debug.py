"""`debug:log` and `debug:wait`: help template authors see what a run is doing."""

from __future__ import annotations

import json
import time

from scaffolding.actions.base import Action, ActionContext, ActionInputError
from scaffolding.actions.filesystem import walk_entries

MAX_WAIT_SECONDS = 10 * 60
# Content shown per file by `listWorkspace: with-contents`; the run log is not a file browser.
MAX_LISTED_BYTES = 64 * 1024
MAX_LISTED_FILES = 1000
SLICE_SECONDS = 0.1


class DebugLog(Action):
    id = "debug:log"
    description = "Writes a message into the log and/or lists all files in the workspace."
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "properties": {
            "message": {"title": "Message to output.", "type": "string"},
            "listWorkspace": {
                "title": "List all files in the workspace, if true.",
                "description": "true or 'with-filenames' lists the paths; 'with-contents' adds each file's text.",
                "oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["with-filenames", "with-contents"]}],
            },
            "extra": {"title": "Extra info", "description": "Any value; it is logged as JSON."},
        },
    }
    output_schema = {"type": "object", "properties": {}}
    examples = [{"description": "Write a debug message.", "example": (
        "steps:\n  - action: debug:log\n    id: write-debug-line\n    name: Write \"Hello Backstage!\" log line\n"
        "    input:\n      message: Hello Backstage!\n")}]

    def run(self, ctx: ActionContext) -> None:
        message = ctx.input.get("message")
        if message not in (None, ""):
            ctx.log(message if isinstance(message, str) else json.dumps(message, default=str))
        if ctx.input.get("extra") is not None:
            ctx.log(json.dumps(ctx.input["extra"], indent=2, default=str))
        mode = ctx.input.get("listWorkspace")
        if mode in (None, False):
            return
        if mode not in (True, "with-filenames", "with-contents"):
            raise ActionInputError(f"listWorkspace: expected true, 'with-filenames' or 'with-contents', got {mode!r}")
        ctx.log("Workspace:\n" + self._listing(ctx, with_contents=mode == "with-contents"))

    @staticmethod
    def _listing(ctx: ActionContext, *, with_contents: bool) -> str:
        root = ctx.workspace.resolve()
        lines = []
        for count, rel in enumerate(path for path in walk_entries(root) if not (root / path).is_dir()):
            if count == MAX_LISTED_FILES:
                lines.append(f"  ... (more than {MAX_LISTED_FILES} files; the rest is not listed)")
                break
            if not with_contents:
                lines.append(f"  - {rel}")
                continue
            lines.append(f"  - {rel}:\n\n{_text_of(root / rel)}\n")
        return "\n".join(lines) if lines else "  (empty)"


def _text_of(path) -> str:
    if path.is_symlink() or not path.is_file():
        return "    (not a regular file)"
    with open(path, "rb") as handle:
        data = handle.read(MAX_LISTED_BYTES + 1)
    if b"\x00" in data:
        return "    (binary file)"
    text = data[:MAX_LISTED_BYTES].decode("utf-8", "replace")
    suffix = "\n    ... (truncated)" if len(data) > MAX_LISTED_BYTES else ""
    return "\n".join("    " + line for line in text.splitlines()) + suffix


class DebugWait(Action):
    id = "debug:wait"
    description = "Waits for a certain period of time (at most 10 minutes)."
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "properties": {
            "minutes": {"title": "Waiting period in minutes.", "type": "number"},
            "seconds": {"title": "Waiting period in seconds.", "type": "number"},
            "milliseconds": {"title": "Waiting period in milliseconds.", "type": "number"},
        },
    }
    output_schema = {"type": "object", "properties": {}}
    examples = [{"description": "Waiting for 50 milliseconds", "example": (
        "steps:\n  - action: debug:wait\n    id: wait-milliseconds\n    name: Waiting for 50 milliseconds\n"
        "    input:\n      milliseconds: 50\n")}]

    def run(self, ctx: ActionContext) -> None:
        seconds = self.duration(ctx.input)
        ctx.log(f"Waiting {seconds:g} seconds")
        # Sleep in short slices so a cancel (or the run's deadline) stops the wait at once.
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ctx.check_cancelled()
            time.sleep(min(SLICE_SECONDS, left))
        ctx.check_cancelled()

    @staticmethod
    def duration(values: dict) -> float:
        total = 0.0
        for field, factor in (("minutes", 60), ("seconds", 1), ("milliseconds", 0.001)):
            value = values.get(field)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                raise ActionInputError(f"{field}: expected a number, got {value!r}")
            if value < 0:
                raise ActionInputError(f"{field}: expected a number of {field} of 0 or more, got {value!r}")
            total += value * factor
        if total > MAX_WAIT_SECONDS:
            raise ActionInputError(f"minutes/seconds/milliseconds: waiting {total:g} seconds is longer than the "
                                   "maximum of 10 minutes")
        return total


ACTIONS = [DebugLog(), DebugWait()]
