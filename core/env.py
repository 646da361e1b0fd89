"""Typed readers for settings that come from the environment.

Each helper raises ImproperlyConfigured with the variable's name when a value cannot be
used, so a typo fails at start-up instead of surfacing later as odd behaviour.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str] | None = None, *, separator: str = ",") -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(separator) if item.strip()]


def env_paths(name: str, default: list[str | Path]) -> list[str]:
    """Directories separated by os.pathsep (":" on Unix) or commas, each resolved.

    Resolving (symlinks and "..") here means every later containment test compares real
    locations, so a root cannot be made to look elsewhere than it is.
    """
    raw = os.environ.get(name)
    items = default if raw is None else [item.strip() for item in raw.replace(os.pathsep, ",").split(",")]
    return [str(Path(item).resolve()) for item in items if str(item).strip()]


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points at {file_name!r}, which cannot be read: {exc}."
            ) from exc
    return os.environ.get(name, default)


def env_json_objects(name: str) -> dict[str, dict]:
    """NAME (or the file NAME_FILE names) as a JSON object of named objects, e.g. the Argo CD instances
    {"main": {"url": "https://argocd.example.com", "token": "..."}}; {} when unset."""
    raw = env_secret(name)
    if raw is None or not raw.strip():
        return {}
    import json

    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object ({exc}).") from None
    if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
        raise ImproperlyConfigured(f'{name} must be a JSON object of named objects: {{"<name>": {{...}}}}.')
    return value
