"""What every report parser shares: the result, the errors, bounded reading of the input.

Parsers are pure (no database). Input is bytes or a binary file-like object (an upload spooled to
disk): it is read in chunks and never past `max_bytes`, so an oversized report is refused after
reading at most `max_bytes + 1` bytes, and a streamed format never holds the whole file in memory.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

CHUNK = 1024 * 1024


@dataclass
class ParsedReport:
    """Facts read from one report (keys are the contract the scoring engine's checks use)."""

    facts: dict[str, object]
    observed_at: datetime | None
    summary: str
    format: str = ""
    details: dict = field(default_factory=dict)


class ReportError(ValueError):
    """A report that cannot be read: says which file, where (line or field) and what was expected."""

    def __init__(self, message: str, *, filename: str = "", line: int | None = None, field: str = ""):
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = [self.filename or "the report"]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}"


class ReportTooLarge(ReportError):
    """Over PAVED_FACTS_MAX_REPORT_BYTES (the API answers 413)."""


class Source:
    """The report's bytes, read at most once and never past the limit."""

    def __init__(self, data, *, filename: str, max_bytes: int):
        self.filename = filename
        self.max_bytes = max_bytes
        self._bytes = data if isinstance(data, bytes | bytearray | memoryview) else None
        self._file = None if self._bytes is not None else data
        self._head = b""
        self._consumed = False
        if self._bytes is not None and len(self._bytes) > max_bytes:
            raise self.too_large()
        if self._bytes is None and not hasattr(data, "read"):
            raise ReportError("expected the report's bytes or a binary file", filename=filename)

    def too_large(self) -> ReportTooLarge:
        return ReportTooLarge(
            f"the report is larger than the limit of {self.max_bytes:,} bytes (PAVED_FACTS_MAX_REPORT_BYTES); "
            "send a smaller report (e.g. one per module) or raise the limit", filename=self.filename)

    def head(self, size: int = 8192) -> bytes:
        """The first bytes, for format detection; they are still returned by chunks()."""
        if self._bytes is not None:
            return bytes(self._bytes[:size])
        while len(self._head) < size:
            chunk = self._file.read(size - len(self._head))
            if not chunk:
                break
            if isinstance(chunk, str):
                raise ReportError("expected a binary file, got text", filename=self.filename)
            self._head += chunk
        return self._head[:size]

    def chunks(self):
        """The bytes in order, in chunks; ReportTooLarge as soon as the total passes the limit."""
        if self._consumed:
            raise RuntimeError("a report source is read once")
        self._consumed = True
        if self._bytes is not None:
            view = memoryview(self._bytes)
            for start in range(0, len(view), CHUNK):
                yield bytes(view[start:start + CHUNK])
            return
        total = len(self._head)
        if self._head:
            yield self._head
        while True:
            chunk = self._file.read(CHUNK)
            if not chunk:
                return
            total += len(chunk)
            if total > self.max_bytes:
                raise self.too_large()
            yield chunk

    def read_all(self) -> bytes | bytearray:
        """The whole report (for formats that cannot be streamed: JSON, YAML): read once, bounded,
        into one buffer (not a list of chunks joined afterwards: that would hold it twice)."""
        if self._bytes is not None:
            self._consumed = True
            return self._bytes if isinstance(self._bytes, bytes) else bytes(self._bytes)
        buffer = bytearray()
        for chunk in self.chunks():
            buffer += chunk
        return buffer


def number(raw: object, *, filename: str, line: int | None = None, field: str, minimum: float | None = 0,
           maximum: float | None = None, integer: bool = False) -> float | int:
    """A finite number within bounds, or a ReportError naming the field and what was expected."""
    what = "a whole number" if integer else "a number"
    bounds = ""
    if minimum is not None and maximum is not None:
        bounds = f" between {minimum:g} and {maximum:g}"
    elif minimum is not None:
        bounds = f" of at least {minimum:g}"
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = int(raw) if integer and not isinstance(raw, float) else float(raw)
        if integer and isinstance(raw, float) and not raw.is_integer():
            raise ValueError
        value = int(value) if integer else value
    except (TypeError, ValueError, OverflowError):
        raise ReportError(f"expected {what}{bounds}, got {str(raw)[:40]!r}", filename=filename, line=line,
                          field=field) from None
    if not math.isfinite(value) or (minimum is not None and value < minimum) or (
            maximum is not None and value > maximum):
        raise ReportError(f"expected {what}{bounds}, got {str(raw)[:40]!r}", filename=filename, line=line,
                          field=field)
    return value


def percent(covered: float, total: float) -> float:
    return round(100.0 * covered / total, 2) if total else 0.0


def timestamp_from_epoch(raw: object) -> datetime | None:
    """Epoch seconds or milliseconds (Cobertura and JaCoCo write milliseconds); None when unusable."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    if value > 1e11:  # milliseconds
        value /= 1000.0
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def timestamp_from_iso(raw: object) -> datetime | None:
    """An ISO 8601 time; a time without zone is UTC (JUnit writes local time without one). Trivy and
    Grype write nanoseconds, which Python cannot parse: the fraction is cut to microseconds."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[:min(digits, 6)]}{tail[digits:]}" if digits else head + tail
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
