"""Does a delivery come from the tool that holds the secret? Every comparison is constant-time."""

import hashlib
import hmac


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_valid(*, secret: str, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>."""
    if not secret or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(header[7:].strip().lower(), _hmac_hex(secret, body))


def gitlab_valid(*, secret: str, header: str) -> bool:
    """X-Gitlab-Token: the secret itself (GitLab does not sign bodies)."""
    return bool(secret) and hmac.compare_digest(header.encode(), secret.encode())


def secret_header_valid(*, secret: str, header: str) -> bool:
    """Argo CD notifications: `X-Webhook-Secret: <secret>` (a header of the webhook service). Not
    `Authorization: Bearer`: Paved reads that header as an API token before any view runs."""
    return bool(secret) and hmac.compare_digest(header.strip().encode(), secret.encode())


def pagerduty_valid(*, secret: str, body: bytes, header: str) -> bool:
    """X-PagerDuty-Signature: one or more `v1=<hex>` separated by commas (several while a secret rotates)."""
    if not secret:
        return False
    expected = _hmac_hex(secret, body)
    ok = False
    for part in header.split(","):
        part = part.strip()
        if part.startswith("v1="):
            ok |= hmac.compare_digest(part[3:].lower(), expected)  # no early exit: same time for each
    return ok
