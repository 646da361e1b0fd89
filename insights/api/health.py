"""Platform Health over the API: the dashboard as JSON, and the inputs only people's tools have
(ticket counts, headcount, platform checks)."""

from dataclasses import asdict

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from core.access import require
from core.api.errors import InputError, api_view, json_body
from insights.selectors import health
from insights.services import health as services

MAX_BODY = 10 * 1024 * 1024  # a year of ticket counts for a thousand teams is well under this


def _team(request: HttpRequest) -> str | None:
    team = request.GET.get("team", "").strip()
    if not team:
        return None
    if health.team_get(team_ref=team) is None:
        raise InputError(f"team: no Group of type team is called {team[:100]!r} (expected a ref like "
                         "group:default/team-a).")
    return team


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", health.DEFAULT_PERIOD)
    if period not in health.PERIODS:
        raise InputError(f"period: expected one of {', '.join(health.PERIODS)}, got {period[:20]!r}.")
    return period


def _metric_json(m: health.Metric) -> dict:
    body = asdict(m)
    body["change"] = m.change
    return body


@api_view("GET")
def health_get(request: HttpRequest) -> JsonResponse:
    require(request.user, "insights.read")
    team, period = _team(request), _period(request)
    metrics, indicators = health.health_overview(team_ref=team, period=period, cached=True)
    return JsonResponse({
        "team": team, "period": period, "slo": settings.PAVED_PLATFORM_SLO,
        "metrics": [_metric_json(m) for m in metrics], "indicators": [asdict(i) for i in indicators],
    })


def _body(request: HttpRequest) -> tuple[str | None, dict | None]:
    """(CSV text, None) for text/csv; (None, JSON object) otherwise."""
    if len(request.body) > MAX_BODY:
        raise InputError(f"The body is larger than {MAX_BODY // (1024 * 1024)} MB: send it in parts.")
    if request.content_type in ("text/csv", "text/plain"):
        try:
            return request.body.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            raise InputError(f"The CSV is not UTF-8 (byte {exc.start}).") from None
    return None, json_body(request)


@api_view("POST")
def tickets_post(request: HttpRequest) -> JsonResponse:
    require(request.user, "insights.data.import")
    text, data = _body(request)
    if data is None:
        result = services.tickets_import(actor=request.user, text=text)
    else:
        result = services.tickets_import(actor=request.user, items=data.get("counts"),
                                         source=data.get("source") or "webhook")
    return JsonResponse({"rows": result.rows, "months": result.months}, status=201)


@api_view("POST")
def headcount_post(request: HttpRequest) -> JsonResponse:
    require(request.user, "insights.data.import")
    text, data = _body(request)
    result = (services.headcount_import(actor=request.user, text=text) if data is None
              else services.headcount_import(actor=request.user, items=data.get("rows")))
    return JsonResponse({"rows": result.rows, "months": result.months}, status=201)


@api_view("POST")
def checks_post(request: HttpRequest) -> JsonResponse:
    require(request.user, "insights.data.import")
    data = json_body(request)
    return JsonResponse({"recorded": services.checks_record(actor=request.user, checks=data.get("checks"))},
                        status=201)
