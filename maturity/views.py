"""Assessment pages: the assessment (organisation or team), a dimension's table and questionnaire,
the roadmap editor, history, the printable report and the Markdown export. Thin: access, parse,
call a selector or service, render."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import authorize, require
from core.htmx import render_page_or_fragment
from maturity import sources
from maturity.lib.levels import BY_KEY, LEVEL_NAMES
from maturity.lib.report import markdown
from maturity.lib.roadmap import METRIC_KINDS, PHASE_KEYS, PHASES, metric_sources
from maturity.models import Answer
from maturity.selectors.assessment import ANSWERED, COMPUTED, assessment_build
from maturity.selectors.history import history, snapshot_get
from maturity.selectors.roadmap import assessment_report_data, roadmap_view
from maturity.services.assessment import (
    MANAGE,
    MaturityInputError,
    StaleRoadmap,
    answer_save,
    roadmap_redraft,
    roadmap_save,
    snapshot_take,
    thresholds_reset,
    thresholds_save,
)

READ = "maturity.assessment.read"
MAX_TEAM_PARAM = 330


def _read(request: HttpRequest) -> None:
    require(request.user, READ)


def _team(request: HttpRequest, teams: list[str]) -> str:
    team = (request.GET.get("team") or "").strip().lower()[:MAX_TEAM_PARAM]
    return team if team in teams else ""


def _common(request: HttpRequest) -> dict:
    return {"can_manage": authorize(request.user, MANAGE), "level_names": LEVEL_NAMES,
            "COMPUTED": COMPUTED, "ANSWERED": ANSWERED}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _read(request)
    teams = sources.teams()
    team = _team(request, teams)
    assessment = assessment_build(team_ref=team)
    context = {**_common(request), "assessment": assessment, "teams": teams, "team": team,
               "roadmap": roadmap_view(assessment=assessment) if not team else None}
    return render_page_or_fragment(request, "maturity/index.html", "maturity/partials/assessment.html", context)


def _dimension_or_404(key: str):
    dimension = BY_KEY.get(key)
    if dimension is None:
        raise Http404("No such dimension.")
    return dimension


def _dimension_context(request: HttpRequest, key: str, **extra) -> dict:
    assessment = assessment_build(with_pains=False)
    score = assessment.by_key(key)
    answers = list(Answer.objects.filter(dimension=key).order_by("-answered_at", "-id")[:20])
    return {**_common(request), "score": score, "dimension": score.dimension, "answers": answers, **extra}


@require_GET
def dimension_detail(request: HttpRequest, key: str) -> HttpResponse:
    _read(request)
    _dimension_or_404(key)
    return render(request, "maturity/dimension.html", _dimension_context(request, key))


@require_POST
def dimension_thresholds(request: HttpRequest, key: str) -> HttpResponse:
    _dimension_or_404(key)
    try:
        if request.POST.get("reset"):
            thresholds_reset(actor=request.user, dimension=key)
            messages.success(request, "The table is back to the seed's defaults.")
        else:
            values = [request.POST.get(f"level{n}", "") for n in (1, 2, 3)]
            thresholds_save(actor=request.user, dimension=key, values=values)
            messages.success(request, "Thresholds saved.")
    except MaturityInputError as exc:
        context = _dimension_context(request, key, threshold_error=str(exc),
                                     typed=[request.POST.get(f"level{n}", "")[:40] for n in (1, 2, 3)])
        return render(request, "maturity/dimension.html", context, status=400)
    return redirect("maturity:dimension", key=key)


@require_POST
def dimension_answer(request: HttpRequest, key: str) -> HttpResponse:
    _dimension_or_404(key)
    try:
        answer_save(actor=request.user, dimension=key, value=request.POST.get("value", ""),
                    note=request.POST.get("note", ""), links=request.POST.get("links", ""))
    except MaturityInputError as exc:
        typed = {name: request.POST.get(name, "")[:5000] for name in ("value", "note", "links")}
        context = _dimension_context(request, key, answer_error=str(exc), answer_typed=typed)
        return render(request, "maturity/dimension.html", context, status=400)
    messages.success(request, "Answer recorded.")
    return redirect("maturity:dimension", key=key)


def _roadmap_context(request: HttpRequest, **extra) -> dict:
    assessment = assessment_build()
    view = roadmap_view(assessment=assessment)
    return {**_common(request), "assessment": assessment, "roadmap": view, "metric_kinds": METRIC_KINDS,
            "metric_sources": metric_sources(), "phases": PHASES, **extra}


@require_http_methods(["GET", "POST"])
def roadmap_edit(request: HttpRequest) -> HttpResponse:
    require(request.user, MANAGE)
    if request.method == "GET":
        return render(request, "maturity/roadmap_edit.html", _roadmap_context(request))
    phases = {key: request.POST.get(key, "") for key in PHASE_KEYS}
    metrics = {kind: {"source": request.POST.get(f"{kind}_source", ""),
                      "target": request.POST.get(f"{kind}_target", "")} for kind, _ in METRIC_KINDS}
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        roadmap_save(actor=request.user, version=version, phases=phases, metrics=metrics)
    except MaturityInputError as exc:
        status = 409 if isinstance(exc, StaleRoadmap) else 400
        context = _roadmap_context(request, error=str(exc), typed_phases={k: v[:20000] for k, v in phases.items()},
                                   typed_metrics=metrics)
        return render(request, "maturity/roadmap_edit.html", context, status=status)
    messages.success(request, "Roadmap saved.")
    return redirect("maturity:index")


@require_POST
def roadmap_draft(request: HttpRequest) -> HttpResponse:
    roadmap_redraft(actor=request.user)
    messages.success(request, "A new draft was written from today's assessment.")
    return redirect("maturity:index")


@require_GET
def history_page(request: HttpRequest) -> HttpResponse:
    _read(request)
    return render(request, "maturity/history.html", {**_common(request), "history": history()})


@require_POST
def snapshot_now(request: HttpRequest) -> HttpResponse:
    snapshot = snapshot_take(actor=request.user)
    messages.success(request, f"Snapshot of {snapshot.quarter} taken.")
    return redirect("maturity:history")


def _report_data(request: HttpRequest) -> tuple[dict, str]:
    """A stored quarter's snapshot (?quarter=2026-Q4) or today's assessment with its roadmap."""
    quarter = (request.GET.get("quarter") or "").strip()[:10]
    if quarter:
        snapshot = snapshot_get(quarter=quarter)
        if snapshot is None:
            raise Http404("No snapshot of that quarter.")
        return snapshot.data, f"Platform maturity assessment, {snapshot.quarter}"
    data, _ = assessment_report_data()
    return data, "Platform maturity assessment"


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    _read(request)
    data, title = _report_data(request)
    return render(request, "maturity/report.html", {"data": data, "title": title, "level_names": LEVEL_NAMES})


@require_GET
def report_markdown(request: HttpRequest) -> HttpResponse:
    _read(request)
    data, title = _report_data(request)
    response = HttpResponse(markdown(data, title=title), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="maturity-assessment.md"'
    return response
