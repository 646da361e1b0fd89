"""Sign-ins, failed sign-ins and sign-outs in the audit log, from Django's auth signals.

Password and single sign-on go through the same signals; the SSO backend leaves on the request
who the provider said it was (`sso_identity`), which catalog User that is (`sso_entity_ref`) and,
when it refused, why (`sso_refusal`).
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from core.audit import audit_record

SSO_BACKEND = "portal.sso.backend.PavedOIDCBackend"


def _identity_detail(request) -> dict:
    identity = getattr(request, "sso_identity", None)
    if identity is None:
        return {}
    return {"issuer": identity.issuer, "subject": identity.subject, "email": identity.email,
            "username": identity.username}


def on_logged_in(sender, request, user, **kwargs) -> None:
    method = "sso" if getattr(user, "backend", "") == SSO_BACKEND else "password"
    detail = {"method": method, **_identity_detail(request)}
    target = getattr(request, "sso_entity_ref", "") or f"user:{user.get_username()}"
    audit_record(actor=user, action="auth.login", target=target, detail=detail)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    refusal = getattr(request, "sso_refusal", None)
    if refusal is not None:
        identity = refusal.identity
        name = (identity.email or identity.username or identity.subject) if identity else ""
        sign_in_failed(method="sso", reason=refusal.message, outcome=refusal.outcome, name=name,
                       detail=_identity_detail(request))
    elif "nonce" not in credentials:  # a password form (the SSO callback always sets request.sso_refusal)
        username = str(credentials.get("username", ""))
        sign_in_failed(method="password", reason="Wrong username or password.", name=username)


def sign_in_failed(*, method: str, reason: str, outcome: str = "failed", name: str = "",
                   detail: dict | None = None) -> None:
    """A refused sign-in: nobody is signed in, so the log keeps the name that was tried."""
    audit_record(
        actor=None, actor_name=name, action="auth.login_failed", target=f"user:{name}" if name else "",
        outcome=outcome, detail={"method": method, "reason": reason, **(detail or {})},
    )


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=f"user:{user.get_username()}")


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="paved-audit-login")
    user_login_failed.connect(on_login_failed, dispatch_uid="paved-audit-login-failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="paved-audit-logout")
