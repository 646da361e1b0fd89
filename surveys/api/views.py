"""JSON API for dashboards: the campaign list and one campaign's aggregates (same k rule as the pages).

Authentication is the portal's: a session or `Authorization: Bearer <token>` (portal.auth). Every
endpoint goes through core's `api_view`: errors, refusals and wrong methods are Backstage's
envelope, and unsafe methods sent with a session cookie are held to the CSRF check. Reads only:
the results come from the snapshot services.publish stores (see surveys.results)."""

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.api.errors import NotAllowedError, NotFoundError, api_view
from surveys import exports, results, selectors
from surveys.access import WHO_MAY, results_readable


@api_view("GET")
def campaign_list(request: HttpRequest) -> JsonResponse:
    day = selectors.today()
    return JsonResponse({"items": [exports.campaign_summary(c, day) for c in selectors.campaign_list()]})


@api_view("GET")
def campaign_results(request: HttpRequest, campaign_id: int) -> JsonResponse:
    if not results_readable(user=request.user):
        raise NotAllowedError(WHO_MAY)
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    if campaign is None:
        raise NotFoundError(f"No survey with id {campaign_id}.")
    result = results.campaign_results(campaign=campaign, with_text=False)
    return JsonResponse(exports.results_dict(result, selectors.today()))


@api_view("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def not_found(request: HttpRequest) -> HttpResponse:
    raise NotFoundError(f"No surveys API endpoint at {request.path}")
