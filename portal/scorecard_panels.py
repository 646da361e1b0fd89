"""The home page's scorecard panel: the person's teams' scores, lowest first, in the seed's words
(`search-service: B (78/100) Missing: runbook, cost labels`). Registered by the portal (it sits above
scorecards, which may not import portal.home) and read through scorecards.selectors."""

from core.access import identity_of
from portal.home import home_panel_register
from scorecards.selectors.scores import owner_summary, score_line


def _path(ref: str) -> str:
    kind, _, rest = ref.partition(":")
    namespace, _, name = rest.partition("/")
    return f"/scorecards/entities/{namespace}/{kind}/{name}/"


def scorecard_panel_context(request) -> dict | None:
    identity = identity_of(request.user)
    owners = sorted(identity.ownership_refs) if identity else []
    if not owners:
        return None
    lowest, counts = owner_summary(owner_refs=owners)
    if not lowest:
        return None
    return {"lines": [(score_line(s), _path(s.entity_ref), s) for s in lowest], "grade_counts": sorted(counts.items())}


def register() -> None:
    home_panel_register(key="scorecards.mine", title="Your services' scorecards",
                        template="scorecards/panels/home.html", context=scorecard_panel_context, order=50)
