"""Cost API: `GET /api/insights/cost` (a month's spend grouped by one dimension, `insights.read`),
`POST /api/insights/cost/imports` (multipart: format, file, optional source; `insights.data.import`;
answers 202 with the import to poll) and `GET /api/insights/cost/imports/<id>`."""

import re
from datetime import date

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from core.access import require
from core.api.errors import InputError, NotFoundError, api_view
from insights.lib.cost.teams import team_ref
from insights.models.cost import CostImport
from insights.selectors import cost as selectors
from insights.services.cost import cost_import_create

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
GROUP_BYS = tuple(g for g in selectors.GROUP_BYS if g != "month")


def _month(raw: str) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    match = _MONTH.match(text[:8])
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise InputError(f"month: expected a month like 2025-01, got {text[:20]!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _flag(flag: selectors.GrowthFlag) -> dict:
    return {"kind": flag.kind, "key": flag.key, "month": f"{flag.month:%Y-%m}", "spend": _money(flag.spend),
            "previous": _money(flag.previous), "change": round(flag.change, 4), "threshold": flag.threshold,
            "historyLimit": None if flag.history_limit is None else round(flag.history_limit, 4),
            "reason": flag.reason}


@api_view("GET")
def cost(request: HttpRequest) -> JsonResponse:
    require(request.user, "insights.read")
    group_by = (request.GET.get("group_by") or "team").strip()
    if group_by not in GROUP_BYS:
        raise InputError(f"group_by: expected one of {', '.join(GROUP_BYS)}, got {group_by[:40]!r}")
    raw_team = (request.GET.get("team") or "").strip()
    if len(raw_team) > 320:
        raise InputError("team: at most 320 characters")
    team = team_ref(raw_team) or None
    month = _month(request.GET.get("month", "")) or selectors.latest_cost_month()
    if month is None:
        return JsonResponse({"month": None, "currency": None, "items": [], "groupBy": group_by, "growthFlags": [],
                             "message": "No cost data has been imported yet."})
    summary = selectors.cost_summary(month=month, team_ref=team)
    items = selectors.breakdown(month=month, group_by=group_by, team_ref=team)
    return JsonResponse({
        "month": f"{month:%Y-%m}", "team": team, "currency": summary.currency, "total": _money(summary.total),
        "attributed": _money(summary.attributed), "unallocated": _money(summary.unallocated),
        "developers": summary.developers, "perDeveloper": _money(summary.per_developer), "groupBy": group_by,
        "items": [{"key": key, "amount": _money(amount)} for key, amount in items],
        "growthFlags": [_flag(flag) for flag in selectors.growth_flags(month=month, team_ref=team)],
    })


def _job(request: HttpRequest, job: CostImport) -> dict:
    return {"id": job.pk, "format": job.format, "source": job.source, "fileName": job.file_name,
            "status": job.status, "message": job.message, "rowsRead": job.rows_read, "bytesRead": job.bytes_read,
            "totalBytes": job.total_bytes, "linesWritten": job.lines_written, "months": job.months,
            "url": request.build_absolute_uri(reverse("insights_cost_api_import", args=[job.pk]))}


@api_view("POST")
def imports(request: HttpRequest) -> JsonResponse:
    require(request.user, "insights.data.import")
    job = cost_import_create(actor=request.user, fmt=request.POST.get("format", ""),
                             upload=request.FILES.get("file"), source=request.POST.get("source", ""))
    return JsonResponse(_job(request, job), status=202)


@api_view("GET")
def import_detail(request: HttpRequest, import_id: int) -> JsonResponse:
    require(request.user, "insights.data.import")
    job = selectors.import_get(import_id=import_id)
    if job is None:
        raise NotFoundError(f"No cost import {import_id}.")
    return JsonResponse(_job(request, job))
