"""Secrets inside the sandbox: opaque values that refuse every operation.

A template may hand a secret to an action (`token: ${{ secrets.token }}`) and do nothing else with
it: no filter, slice, `~`, comparison, test, loop, formatting or printing inside a larger string. A
transformation of a secret (`| upper`, `| reverse`, `[1:]`) is a secret the redactor cannot
recognise, so every such use is refused with an error naming the secret, never its value.
The value sits in a `_`-prefixed slot that the sandbox never reaches (it refuses `_` names and every
attribute of a Secret); only `reveal`, called by render_input after rendering, reads it.
"""

from __future__ import annotations

from typing import Any

from jinja2.exceptions import SecurityError


class SecretMisuse(SecurityError):
    """A template did something with a secret other than passing it whole to an action input."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


def misuse(name: str, what: str) -> SecretMisuse:
    return SecretMisuse(
        f"secrets.{name} is a secret: it can only be the whole value of an action input "
        f"(`name: ${{{{ secrets.{name} }}}}`); {what} is not allowed", name)


class Secret:
    __slots__ = ("_name", "_value")

    def __init__(self, name: str, value: Any) -> None:
        self._name, self._value = name, value

    def _refuse(self, what: str):
        raise misuse(self._name, what)

    def __repr__(self) -> str:
        return f"<secret {self._name}>"

    def __str__(self) -> str:
        self._refuse("printing it inside a larger string")

    def __format__(self, spec: str) -> str:
        self._refuse("formatting it")

    def __bool__(self) -> bool:
        self._refuse("testing whether it is true")

    def __eq__(self, other: object) -> bool:
        self._refuse("comparing it")

    def __ne__(self, other: object) -> bool:
        self._refuse("comparing it")

    def __lt__(self, other: object) -> bool:
        self._refuse("comparing it")

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self) -> int:
        self._refuse("using it as a key")

    def __iter__(self):
        self._refuse("looping over it")

    def __reversed__(self):
        self._refuse("reversing it")

    def __len__(self) -> int:
        self._refuse("measuring it")

    def __contains__(self, item: object) -> bool:
        self._refuse("searching it")

    def __getitem__(self, key: object) -> Any:
        self._refuse("indexing or slicing it")

    def __add__(self, other: object) -> Any:
        self._refuse("joining it with + or ~")

    __radd__ = __mul__ = __rmul__ = __mod__ = __rmod__ = __add__

    def __int__(self) -> int:
        self._refuse("converting it to a number")

    __float__ = __index__ = __int__


def reveal(value: Any) -> Any:
    return value._value if isinstance(value, Secret) else value


def secret_name(value: Any) -> str | None:
    return value._name if isinstance(value, Secret) else None


def refuse_secrets(what: str, *values: Any) -> None:
    """Refuse an operation (a filter, a test, a call) before it runs when any operand is a secret."""
    for value in values:
        if isinstance(value, Secret):
            raise misuse(value._name, what)
