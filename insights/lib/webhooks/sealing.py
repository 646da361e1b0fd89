"""Webhook secrets at rest: Fernet tokens under PAVED_SECRETS_ENCRYPTION_KEY (the key scaffolder task
secrets use; several keys separated by spaces rotate it: the first encrypts, any decrypts)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "PAVED_SECRETS_ENCRYPTION_KEY"


class SecretUnreadable(Exception):
    """A stored secret does not open with the configured keys."""


def _fernet(raw: str) -> Fernet:
    try:
        return Fernet(raw)
    except ValueError:
        # A long passphrase that is not a Fernet key: hashed to one, exactly as scaffolding does.
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest()))


def _box() -> MultiFernet:
    keys = str(settings.PAVED_SECRETS_ENCRYPTION_KEY or "").split()
    if not keys:
        raise ImproperlyConfigured(f"{SETTING} is not set: it encrypts webhook secrets. Set it to a Fernet key.")
    return MultiFernet([_fernet(key) for key in keys])


def seal(secret: str) -> str:
    return _box().encrypt(secret.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(f"the webhook secret cannot be decrypted with {SETTING}; set it again") from None
