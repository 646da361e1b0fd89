"""Hide secret values in log lines, error messages and action outputs before they are stored or shown.

The last line of defence: templates cannot transform a secret (lib/expressions/opaque.py), so what
reaches an action is the literal value, which is what this masks.
"""

MASK = "***"
MIN_SECRET_LENGTH = 3  # shorter values ("a", "1") would mask half of every line


class Redactor:
    def __init__(self, secrets: dict):
        values: set[str] = set()
        self._collect(secrets, values)
        # Longest first, so a secret that contains another is masked whole.
        self.values = sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)

    def _collect(self, value, into: set[str]) -> None:
        if isinstance(value, dict):
            for item in value.values():
                self._collect(item, into)
        elif isinstance(value, list):
            for item in value:
                self._collect(item, into)
        elif value is not None and not isinstance(value, bool):
            into.add(str(value))

    def redact(self, text: str) -> str:
        text = str(text)
        for value in self.values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def redact_value(self, value):
        """`value` with every string redacted, at any depth (an action's outputs)."""
        if not self.values:
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self.redact_value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.redact_value(item) for item in value]
        return value
