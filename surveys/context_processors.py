from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from surveys.selectors import open_campaigns_for


def survey_banner(request: HttpRequest) -> dict:
    """Open campaigns the signed-in person has yet to answer; queried only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    return {"survey_banner": SimpleLazyObject(lambda: open_campaigns_for(user=user))}
