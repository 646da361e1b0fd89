"""Task secrets at rest: Fernet tokens under PAVED_SECRETS_ENCRYPTION_KEY, never plaintext in the database.

The key is separate from PAVED_SECRET_KEY (sessions), so one leaking does not open the other. It is
read only when secrets are sealed or opened: a portal whose tasks never take secrets runs without it.
Several keys separated by spaces rotate it: the first encrypts, any of them decrypts.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "PAVED_SECRETS_ENCRYPTION_KEY"
MIN_PASSPHRASE = 32  # characters of a key that is not itself a Fernet key (e.g. `openssl rand -base64 32`)


class SecretsUnreadable(Exception):
    """A stored token does not open with the configured keys (the key was changed or the row altered)."""


def _fernet(raw: str) -> Fernet:
    try:
        return Fernet(raw)
    except ValueError:
        pass
    if len(raw) < MIN_PASSPHRASE:
        raise ImproperlyConfigured(
            f"{SETTING} must be a Fernet key (python -c \"from cryptography.fernet import Fernet; "
            f"print(Fernet.generate_key().decode())\") or at least {MIN_PASSPHRASE} random characters.")
    # A long random string that is not in Fernet's format (base64 with + and /): hash it to 32 bytes.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest()))


def _box() -> MultiFernet:
    keys = str(getattr(settings, SETTING, "") or "").split()
    if not keys:
        raise ImproperlyConfigured(
            f"{SETTING} is not set: it encrypts the secrets of scaffolder tasks while they run. Set it "
            f"(or {SETTING}_FILE) to a Fernet key; .env.example says how to make one.")
    return MultiFernet([_fernet(key) for key in keys])


def key_check() -> None:
    """ImproperlyConfigured naming the setting when secrets could not be sealed now."""
    _box()


def seal(secrets: dict) -> str:
    return _box().encrypt(json.dumps(secrets, separators=(",", ":")).encode()).decode()


def unseal(token: str) -> dict:
    try:
        return json.loads(_box().decrypt(token.encode()))
    except InvalidToken:
        raise SecretsUnreadable(
            f"the task's secrets cannot be decrypted with {SETTING} (was the key changed?); "
            "retry the task and enter them again") from None
