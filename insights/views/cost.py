"""Cost pages: the month's spend by team/service/environment/cost center with growth flags, a team's
monthly report, the CSV export, and the import page for whoever may import (platform admins).

Thin: parse the filters, check `insights.read` (or `insights.data.import`), call the cost selectors or
services, render a page or its htmx fragment. Reads never write: imports run on a worker and the
import's row shows their progress (its fragment is polled)."""

import csv
import functools
import re
from datetime import date

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core import charts
from core.access import authorize, require
from core.htmx import render_page_or_fragment
from insights.lib.cost.teams import team_from_slug, team_label, team_ref, team_slug
from insights.models.cost import CostImport
from insights.selectors import cost as selectors
from insights.services.cost import cost_import_create

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_TEAM_PARAM = 320
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BREAKDOWN_ROWS = 10


def parse_month(raw: str | None) -> date | None:
    """`YYYY-MM` as the month's first day; None when absent; BadRequest naming the parameter otherwise."""
    text = (raw or "").strip()
    if not text:
        return None
    match = _MONTH.match(text[:8])
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise BadRequest(f"month: expected a month like 2025-01, got {text[:20]!r}.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_team(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > MAX_TEAM_PARAM:
        raise BadRequest(f"team: at most {MAX_TEAM_PARAM} characters.")
    return team_ref(text)


def _bad_input_page(view):
    """A filter that cannot be read answers 400 with a page saying which parameter and what was expected
    (the portal's generic 400 page says nothing, as it must for the requests it cannot trust)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return render(request, "insights/cost/bad_request.html", {"message": str(exc)}, status=400)

    return wrapper


def _read(request: HttpRequest) -> None:
    require(request.user, "insights.read")


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _compact(value: float) -> str:
    """Axis labels that fit the chart's margin: 2.7k, 1.2M."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def _series_chart(series, title: str, *, one_team: bool = False):
    """The monthly totals and their attributed part as two lines (core.charts); a team's spend is all
    attributed, so one line."""
    labels = [f"{month:%b %Y}" for month, _, _ in series]
    lines = [charts.Series("Spend" if one_team else "Total", [float(total) for _, total, _ in series])]
    if not one_team:
        lines.append(charts.Series("Attributed to a team", [float(attributed) for _, _, attributed in series]))
    return charts.line_chart(labels=labels, title=title, formatter=_compact, series=lines)


def _bar_chart(rows, title: str, empty: str):
    return charts.bar_chart(bars=[(key or empty, float(amount)) for key, amount in rows[:BREAKDOWN_ROWS]],
                            title=title, formatter=_money)


def _bars(rows, total) -> list[dict]:
    return [{"key": key, "amount": amount, "share": float(amount / total) if total else 0.0}
            for key, amount in rows[:BREAKDOWN_ROWS]]


def _team_table(month: date) -> list[dict]:
    trends = selectors.team_trends(end=month, months=6)
    return [{"row": row, "label": team_label(row.team), "slug": team_slug(row.team) if row.team else "",
             "sparkline": charts.sparkline(values=[float(v) for v in trends.get(row.team, [])], formatter=_money,
                                           title=f"{team_label(row.team)}, last 6 months")}
            for row in selectors.team_rows(month=month)]


@require_GET
@_bad_input_page
def cost_home(request: HttpRequest) -> HttpResponse:
    _read(request)
    month = parse_month(request.GET.get("month")) or selectors.latest_cost_month()
    team = parse_team(request.GET.get("team"))
    context = {"month": month, "team": team, "team_label": team_label(team) if team else "",
               "months": selectors.months_with_data(), "can_import": authorize(request.user, "insights.data.import")}
    if month is not None:
        summary = selectors.cost_summary(month=month, team_ref=team)
        context.update({
            "summary": summary,
            "teams": _team_table(month) if team is None else [],
            "team_choices": [(t, team_label(t)) for t in selectors.teams_with_spend(month=month)],
            "series_chart": _series_chart(selectors.cost_series(months=12, team_ref=team, end=month),
                                          "Spend, last 12 months", one_team=team is not None),
            "breakdowns": [(f"By {title}", _bar_chart(selectors.breakdown(month=month, group_by=key, team_ref=team),
                                                      f"By {title}", f"(no {title} label)"))
                           for title, key in (("service", "service"), ("environment", "environment"),
                                              ("cost center", "cost_center"), ("tier", "tier"))],
            "flags": selectors.growth_flags(month=month, team_ref=team),
        })
    return render_page_or_fragment(request, "insights/cost/home.html", "insights/cost/partials/body.html", context)


@require_GET
@_bad_input_page
def cost_team(request: HttpRequest, team: str) -> HttpResponse:
    _read(request)
    ref = team_from_slug(team[:MAX_TEAM_PARAM])
    month = parse_month(request.GET.get("month")) or selectors.latest_cost_month()
    context = {"team": ref, "team_label": team_label(ref), "slug": team_slug(ref), "month": month,
               "months": selectors.months_with_data()}
    if month is not None:
        report = selectors.team_report(team_ref=ref, month=month)
        context.update({
            "report": report,
            "series_chart": _series_chart(selectors.cost_series(months=12, team_ref=ref, end=month),
                                          f"Spend of {team_label(ref)}, last 12 months", one_team=True),
            "environments": _bars(selectors.breakdown(month=month, group_by="environment", team_ref=ref),
                                  report.spend),
            "services": _bars(selectors.breakdown(month=month, group_by="service", team_ref=ref), report.spend),
        })
    return render_page_or_fragment(request, "insights/cost/team.html", "insights/cost/partials/team_body.html",
                                   context)


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ tab or CR (a formula) gets a quote first.
    Amounts are numbers written by us: a negative one (a credit) keeps its sign."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


@require_GET
@_bad_input_page
def cost_export(request: HttpRequest) -> StreamingHttpResponse:
    _read(request)
    month = parse_month(request.GET.get("month"))
    team = parse_team(request.GET.get("team"))
    writer = csv.writer(_Echo())
    amount_at = selectors.EXPORT_COLUMNS.index("amount")

    def rows():
        yield writer.writerow(selectors.EXPORT_COLUMNS)
        for row in selectors.export_rows(month=month, team_ref=team):
            yield writer.writerow([value if i == amount_at else csv_cell(value) for i, value in enumerate(row)])

    name = f"cost-{month:%Y-%m}" if month else "cost"
    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_http_methods(["GET", "POST"])
def cost_imports(request: HttpRequest) -> HttpResponse:
    require(request.user, "insights.data.import")
    error = ""
    status = 200
    if request.method == "POST":
        try:
            job = cost_import_create(actor=request.user, fmt=request.POST.get("format", ""),
                                     upload=request.FILES.get("file"), source=request.POST.get("source", ""))
        except ValidationError as exc:
            error = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            status = 400
        else:
            messages.success(request, f"{job.file_name} is queued for import.")
            return redirect(reverse("insights:cost_import", args=[job.pk]))
    return render(request, "insights/cost/imports.html", {
        "imports": selectors.import_list(), "formats": CostImport.Format.choices, "error": error,
        "post": request.POST if request.method == "POST" else {},
    }, status=status)


@require_GET
def cost_import(request: HttpRequest, import_id: int) -> HttpResponse:
    require(request.user, "insights.data.import")
    job = selectors.import_get(import_id=import_id)
    if job is None:
        raise Http404("No such cost import.")
    pending = job.status in (CostImport.Status.QUEUED, CostImport.Status.RUNNING)
    return render_page_or_fragment(request, "insights/cost/import.html", "insights/cost/partials/import_status.html",
                                   {"job": job, "pending": pending})
