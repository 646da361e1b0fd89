"""The answers of a template form between its steps, kept without trusting the browser.

Non-secret answers travel in a hidden field, signed (django.core.signing) with a salt naming
the template and the user, so they can be neither edited nor replayed on another template or
by another person. Secrets never reach the page: they wait in the session until the run is
created, and are dropped when the form is started again.
"""

from dataclasses import dataclass, field

from django.core import signing

MAX_AGE = 12 * 60 * 60  # a form left open overnight starts again
SESSION_KEY = "scaffolder_secrets"


class StateError(Exception):
    """The posted state was not signed by us for this template and user, or is too old."""


@dataclass
class FormState:
    values: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    reached: int = 0  # the furthest step the person has got to (steps up to it may be revisited)


def _salt(template_ref: str, user) -> str:
    return f"scaffolding.form:{template_ref}:{getattr(user, 'pk', '')}"


def state_dump(state: FormState, *, template_ref: str, user) -> str:
    payload = {"v": state.values, "c": state.choices, "r": state.reached}
    return signing.dumps(payload, salt=_salt(template_ref, user), compress=True)


def state_load(token: str, *, template_ref: str, user) -> FormState:
    if not token:
        return FormState()
    try:
        payload = signing.loads(token, salt=_salt(template_ref, user), max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise StateError("The form was left open too long; its answers have expired. Please start again.") from exc
    except signing.BadSignature as exc:
        raise StateError("The form's saved answers could not be verified (they were changed or belong to "
                         "another form). Please start again.") from exc
    if not isinstance(payload, dict):
        raise StateError("The form's saved answers are not readable. Please start again.")
    values, choices, reached = payload.get("v"), payload.get("c"), payload.get("r")
    return FormState(values=values if isinstance(values, dict) else {},
                     choices=choices if isinstance(choices, dict) else {},
                     reached=reached if isinstance(reached, int) and reached >= 0 else 0)


def secrets_get(session, *, template_ref: str) -> dict:
    stored = session.get(SESSION_KEY, {})
    found = stored.get(template_ref) if isinstance(stored, dict) else None
    return dict(found) if isinstance(found, dict) else {}


def secrets_set(session, *, template_ref: str, secrets: dict) -> None:
    stored = session.get(SESSION_KEY, {})
    stored = dict(stored) if isinstance(stored, dict) else {}
    if secrets:
        stored[template_ref] = secrets
    else:
        stored.pop(template_ref, None)
    session[SESSION_KEY] = stored
