"""Platform Health pages: the dashboard (Insights home), a team's page, each figure's data, the CSV."""

import csv

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from catalog.selectors import entity_url
from core.access import authorize
from core.charts import Series, bar_chart, line_chart, sparkline
from core.htmx import render_page_or_fragment
from insights.lib.cost.teams import team_slug
from insights.selectors import health

PERIOD_LABELS = {"30d": "Last 30 days", "90d": "Last 90 days", "180d": "Last 180 days", "365d": "Last year"}


def _url(url_name: str, /, **kwargs) -> str:
    """A page of the other parts of insights, or "" in a build without it."""
    try:
        return reverse(url_name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


# Pages of the other parts of insights that hold a figure's detailed data.
MORE = {"cost_per_developer": ("insights:cost_home", "Cost by team, service and environment"),
        "attrition": ("insights:settings", "How to send headcount"),
        "support_tickets": ("insights:settings", "How to send ticket counts"),
        "self_service_rate": ("insights:settings", "How to send ticket counts")}


def _read(request: HttpRequest) -> None:
    if not authorize(request.user, "insights.read"):
        raise PermissionDenied("You are not allowed to see Insights: insights.read is not granted to you.")


def _filters(request: HttpRequest) -> tuple[str | None, str, object]:
    period = request.GET.get("period", health.DEFAULT_PERIOD)
    if period not in health.PERIODS:
        period = health.DEFAULT_PERIOD
    team_ref = request.GET.get("team", "").strip()[:320] or None
    team = health.team_get(team_ref=team_ref) if team_ref else None
    return (team.ref if team else None), period, team


def _team_options(team_ref: str | None) -> SafeString:
    """The team filter's options, built in one pass (an organisation has a thousand teams)."""
    # The same markup format_html_join writes, without its per-option format_html (most of this
    # function's time for a thousand teams).
    return mark_safe("".join(f'<option value="{conditional_escape(t.ref)}"{" selected" if t.ref == team_ref else ""}>'
                             f'{conditional_escape(t.label)}</option>' for t in health.teams()))


def fmt(value: float | None, unit: str) -> str:
    """A figure as the seed's dashboard writes it."""
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:.0f}%"
    if unit == "percent":
        return f"{value:.2f}%"
    if unit == "points":
        return f"{value:+.0f}"
    if unit == "hours":
        if value < 1:
            return f"{value * 60:.0f} minutes"
        return f"{value:.1f} hours" if value < 48 else f"{value / 24:.1f} days"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "deploys/day/team":
        return f"{value:.2f} deploys/day/team" if value < 10 else f"{value:.0f} deploys/day/team"
    if unit == "per month":
        return f"{value:,.0f}/month"
    return f"{value:,.2f}".rstrip("0").rstrip(".") + f" {unit}"


def _chart_formatter(unit: str):
    if unit == "ratio":
        return lambda v: f"{v * 100:.0f}%"
    if unit == "percent":
        return lambda v: f"{v:.2f}%"
    return None


def _row(m: health.Metric) -> dict:
    return {"metric": m, "value": fmt(m.value, m.unit), "previous": fmt(m.previous, m.unit),
            "spark": sparkline(values=m.trend, title=f"{m.label} trend", formatter=_chart_formatter(m.unit)),
            "improved": m.improved}


def _indicator_row(i: health.Indicator) -> dict:
    return {"indicator": i, "spark": sparkline(values=i.values, title=f"{i.label} trend", width=160),
            "last": next((v for v in reversed(i.values) if v is not None), None)}


def _context(request: HttpRequest) -> dict:
    team_ref, period, team = _filters(request)
    metrics, indicators = health.health_overview(team_ref=team_ref, period=period, cached=True)
    return {"team": team, "team_ref": team_ref or "", "period": period, "periods": PERIOD_LABELS.items(),
            "team_options": _team_options(team_ref), "slo": settings.PAVED_PLATFORM_SLO,
            "rows": [_row(m) for m in metrics], "indicators": [_indicator_row(i) for i in indicators]}


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _read(request)
    context = _context(request)
    return render_page_or_fragment(request, "insights/health/dashboard.html", "insights/health/_body.html", context)


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    _read(request)
    team_ref, period, _team = _filters(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="platform-health-{period}.csv"'
    writer = csv.writer(response)
    writer.writerow(["key", "label", "value", "unit", "previous", "target", "needs", "team", "period", "link"])
    metrics, _indicators = health.health_overview(team_ref=team_ref, period=period, cached=True)
    for m in metrics:
        writer.writerow([m.key, m.label, "" if m.value is None else round(m.value, 4), m.unit,
                         "" if m.previous is None else round(m.previous, 4), m.target, m.needs or "",
                         team_ref or "", period, request.build_absolute_uri(m.link)])
    return response


@require_GET
def figure(request: HttpRequest, key: str) -> HttpResponse:
    """The data behind one figure: its trend month by month, what it counts and where it comes from."""
    _read(request)
    team_ref, period, team = _filters(request)
    metrics, indicators = health.health_overview(team_ref=team_ref, period=period, cached=True)
    m = next((m for m in metrics if m.key == key), None)
    if m is not None:
        rows = list(zip(m.trend_labels, m.trend, strict=False))
        chart = line_chart(labels=m.trend_labels, series=[Series(m.label, m.trend)], title=f"{m.label} by month",
                           formatter=_chart_formatter(m.unit))
        context = {"title": m.label, "value": fmt(m.value, m.unit), "previous": fmt(m.previous, m.unit),
                   "target": m.target, "needs": m.needs, "note": m.note, "unit": m.unit,
                   "rows": [(label, fmt(v, m.unit)) for label, v in rows]}
    else:
        i = next((i for i in indicators if i.key == key), None)
        if i is None:
            raise Http404("No such figure.")
        chart = line_chart(labels=i.labels, series=[Series(i.label, i.values)], title=i.label)
        context = {"title": i.label, "value": None, "needs": i.needs, "note": f"{i.kind.title()} indicator: {i.tells}.",
                   "unit": i.unit, "rows": [(label, "—" if v is None else f"{v:,.2f}".rstrip("0").rstrip("."))
                                            for label, v in zip(i.labels, i.values, strict=False)]}
    more_name, more_label = MORE.get(key, ("", ""))
    context["more"] = (_url(more_name), more_label) if more_name and _url(more_name) else None
    context.update({"key": key, "chart": chart, "team": team, "team_ref": team_ref or "", "period": period,
                    "periods": PERIOD_LABELS.items(), "team_options": _team_options(team_ref), "uptime": None})
    if key == "platform_uptime":
        win = health.window(period=period)
        context["uptime"] = sorted((c, fmt(v * 100 if v is not None else None, "percent"))
                                   for c, v in health.uptime_by_component(start=win.start, end=win.end).items())
    return render_page_or_fragment(request, "insights/health/figure.html", "insights/health/_figure_body.html",
                                   context)


@require_GET
def team_page(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    _read(request)
    _ignored, period, _team = _filters(request)
    overview = health.team_overview(team_ref=f"group:{namespace}/{name}", period=period)
    if overview is None:
        raise Http404("No such team.")
    team_ref = overview.team.ref
    keys = [{"ref": ref, "name": ref.split("/")[-1], "keys": k,
             "url": _url("insights:component_delivery", namespace=ref.split(":", 1)[1].split("/")[0],
                         kind="component", name=ref.split("/")[-1]) or entity_url(ref),
             "lead": fmt(getattr(k, "lead_time_hours", None), "hours"),
             "restore": fmt(getattr(k, "restore_hours", None), "hours"),
             "cfr": fmt(getattr(k, "change_failure_rate", None), "ratio"),
             "per_day": fmt(getattr(k, "deploys_per_day", None), "deploys/day/team").replace("/team", "")}
            for ref, k in overview.component_keys]
    context = {"overview": overview, "team": overview.team, "team_ref": team_ref, "period": period,
               "periods": PERIOD_LABELS.items(), "keys": keys,
               "rows": [_row(m) for m in health.health_overview(team_ref=team_ref, period=period, cached=True)[0]],
               "dashboard_url": f"{reverse('insights:home')}?team={team_ref}&period={period}",
               "cost_url": _url("insights:cost_team", team=team_slug(team_ref)),
               "grades_charts": [bar_chart(bars=[(g, float(n)) for g, n in rows], title=f"{title}: grades of the "
                                           "team's services") for title, rows in overview.grades or []]}
    return render_page_or_fragment(request, "insights/health/team.html", "insights/health/_team_body.html", context)


# What each figure reads and how to send it (maturity links here as "Connect data in Insights").
SOURCES = (
    ("Deployments, changes and incidents",
     ["deploy_frequency", "mttr_hours", "service_creation_hours", "onboarding_days"],
     "GitHub or GitLab webhooks (deployment_status, push, merged pull requests, issues labelled incident), "
     "Argo CD notifications and PagerDuty V3 webhooks, each signed with its source's secret, to "
     "/api/insights/webhooks/<source>; anything else as JSON to POST /api/events (an API token with the events "
     "scope). Components are matched by their github.com/project-slug, argocd/app-name or "
     "pagerduty.com/service-id annotations, or by name."),
    ("Cost", ["cost_per_developer"],
     "A FOCUS 1.x or AWS CUR CSV export, or OpenCost's allocation JSON, under Insights → Cost → Import (or "
     "PAVED_OPENCOST_URL for a scheduled fetch). Label resources with team, service and environment."),
    ("Support tickets", ["self_service_rate"],
     "Monthly counts from the ticket system, as CSV (month,team,category,count) or JSON "
     '{"counts": [...]} to POST /api/insights/tickets (permission insights.data.import). A month sent again '
     "replaces its counts."),
    ("Headcount", [],
     "An HR export, as CSV (month,team,headcount,leavers) to POST /api/insights/headcount: the developer "
     "attrition trend. The catalog keeps no history of who left."),
    ("Platform checks", ["platform_uptime"],
     'Availability checks of the platform\'s other components, as JSON {"checks": [{"component": "argocd", '
     '"ok": true, "at": "2026-12-01T10:00:00Z"}]} to POST /api/insights/checks. Paved records its own '
     "availability once a minute while its worker and beat run."),
    ("People's first days", ["onboarding_days"],
     "The paved.dev/start-date annotation (YYYY-MM-DD) on User entities; without it, a person's first "
     "sign-in to Paved."),
    ("Developer surveys", ["developer_nps"],
     "A Developer Experience survey with the Developer NPS question (Surveys), with enough answers to "
     "show."),
    ("Golden paths", ["golden_path_adoption"],
     "Services created from templates (the scaffolder records them), and the golden-path scorecard "
     "(PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD)."),
)


@require_GET
def connect(request: HttpRequest) -> HttpResponse:
    """How to send each kind of data, and which figures still lack theirs."""
    _read(request)
    metrics, _indicators = health.health_overview(cached=True)
    by_key = {m.key: m for m in metrics}
    sources = [{"title": title, "how": how, "figures": [by_key[k] for k in keys if k in by_key]}
               for title, keys, how in SOURCES]
    return render(request, "insights/health/connect.html", {
        "sources": sources, "missing": [m for m in metrics if m.needs]})
