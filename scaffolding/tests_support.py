"""Reporters for tests: a recording fake of the runner's progress reporter."""

from scaffolding.progress import NullProgress


class RecordingProgress(NullProgress):
    """Keeps every call, for assertions."""

    def __init__(self):
        self.lines: list[tuple[str, str | None, str | None]] = []
        self.steps: list[tuple[str, str]] = []
        self.finished: dict | None = None
        self.cancel = False

    def log(self, message: str, *, step_id: str | None = None, status: str | None = None) -> None:
        self.lines.append((message, step_id, status))

    def step_end(self, row, status: str) -> None:
        self.steps.append((row.step_id, status))

    def cancel_requested(self) -> bool:
        return self.cancel

    def finish(self, **fields) -> None:
        self.finished = fields
