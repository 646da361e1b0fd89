"""GET /api/maturity/assessment: the assessment as JSON (organisation, or ?team=group:default/x)."""

from django.http import HttpRequest, JsonResponse

from core.access import require
from core.api.errors import InputError, api_view
from maturity import sources
from maturity.api.openapi import OPENAPI
from maturity.selectors.assessment import assessment_build, assessment_data

MAX_TEAM = 330


@api_view("GET")
def assessment(request: HttpRequest) -> JsonResponse:
    require(request.user, "maturity.assessment.read")
    team = (request.GET.get("team") or "").strip().lower()
    if team and (len(team) > MAX_TEAM or team not in sources.teams()):
        raise InputError(f"team: '{team[:80]}' is not a catalog Group that owns components "
                         "(expected a ref like group:default/team-a).")
    return JsonResponse(assessment_data(assessment_build(team_ref=team)))


@api_view("GET")
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(OPENAPI)
