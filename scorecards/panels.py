"""What the scorecards app adds to pages it does not own: the entity page's grade badges and its
"Scorecard" tab link. (The home page's panel lives in portal/scorecard_panels.py: the portal sits
above this app and registers it, reading scorecards.selectors.)"""

from catalog.panels import panel_register
from scorecards.models import Score


def _path(entity) -> str:
    return f"/scorecards/entities/{entity.namespace.lower()}/{entity.kind.lower()}/{entity.name.lower()}/"


def badge_context(entity, request) -> dict | None:
    """One query: the entity's scores (None leaves the badge and the tab link out: nothing scored it)."""
    scores = list(Score.objects.filter(entity_ref=entity.ref.lower(), scorecard__enabled=True)
                  .select_related("scorecard").only("grade", "points", "level", "scorecard__title",
                                                    "scorecard__slug").order_by("scorecard__title"))
    if not scores:
        return None
    return {"scores": scores, "tab_url": _path(entity)}


def register() -> None:
    """Register this app's panels (called once from apps.py)."""
    panel_register(key="scorecards.grade", title="Scorecard", template="scorecards/panels/entity_badge.html",
                   context=badge_context, link=_path, order=50)
