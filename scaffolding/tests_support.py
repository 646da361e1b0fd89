"""Reporters that store nothing: for re-rendering skeletons outside a run, and for tests."""


class NullProgress:
    def log(self, message: str, *, step_id: str | None = None, status: str | None = None) -> None:
        pass

    def step_start(self, row) -> None:
        pass

    def step_end(self, row, status: str) -> None:
        pass

    def step_checkpoint(self, row, checkpoint: dict, created: list) -> None:
        pass

    def step_outputs(self, resume_from: int, outputs: dict) -> None:
        pass

    def heartbeat(self) -> None:
        pass

    def cancel_requested(self) -> bool:
        return False

    def finish(self, **fields) -> None:
        pass


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
