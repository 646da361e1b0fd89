"""JSON API for dashboards: the campaign list and one campaign's aggregates (same k rule as the pages).

Authentication is the portal's: a session or `Authorization: Bearer <token>` (portal.auth). The
catalog API's `api_view` answers errors with the envelope and holds unsafe methods sent with a
session cookie to the CSRF check."""

from django.http import HttpRequest, JsonResponse

from core.api.envelope import error_envelope
from core.api.errors import api_view
from surveys import exports, results, selectors
from surveys.access import WHO_MAY, results_readable


@api_view("GET")
def campaign_list(request: HttpRequest) -> JsonResponse:
    day = selectors.today()
    return JsonResponse({"items": [exports.campaign_summary(c, day) for c in selectors.campaign_list()]})


@api_view("GET")
def campaign_results(request: HttpRequest, campaign_id: int) -> JsonResponse:
    if not results_readable(user=request.user):
        return error_envelope(status=403, name="NotAllowedError",
                              message=WHO_MAY, request=request)
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    if campaign is None:
        return error_envelope(status=404, name="NotFoundError", message=f"No survey with id {campaign_id}.",
                              request=request)
    result = results.campaign_results(campaign=campaign, with_text=False)
    return JsonResponse(exports.results_dict(result, selectors.today()))
