"""Survey pages: the list, the answer form (one page per section), results and CSV exports."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.htmx import render_page_or_fragment
from surveys import exports, selectors, services
from surveys.access import WHO_MAY, results_readable
from surveys.defaults import LIKERT_LABELS
from surveys.forms import TamperedForm, answers_parse, field_name
from surveys.models import Campaign
from surveys.results import TEXT_PREVIEW, campaign_results, campaign_text_answers

MAX_GROUP_PARAM = 400  # a group ref is at most 320 characters (Participation.team_ref)


def _campaign(campaign_id: int) -> Campaign:
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    if campaign is None:
        raise Http404("No such survey.")
    return campaign


def _results_access(request: HttpRequest) -> None:
    if not results_readable(user=request.user):
        raise PermissionDenied(WHO_MAY)


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    day = selectors.today()
    listed = list(selectors.campaign_list())
    answered = selectors.answered_campaign_ids(user=request.user)
    in_audience = set(selectors.campaigns_in_audience(user=request.user, campaigns=listed))
    campaigns = [
        {"campaign": c, "status": c.status_on(day), "answered": c.pk in answered, "in_audience": c in in_audience}
        for c in listed
    ]
    return render(request, "surveys/campaign_list.html", {
        "campaigns": campaigns, "can_view_results": results_readable(user=request.user),
        "min_group_size": selectors.min_group_size(),
    })


def _answer_context(campaign, sections, step, parsed, error=""):
    name, current = sections[step]
    current_ids = {item.question_id for item in current}
    hidden = [(field_name(qid), raw) for qid, raw in parsed.raw.items() if qid not in current_ids]
    fields = [{"item": item, "name": field_name(item.question_id), "value": parsed.raw.get(item.question_id, ""),
               "error": parsed.errors.get(item.question_id, "")} for item in current]
    return {"campaign": campaign, "section": name, "fields": fields, "hidden": hidden, "step": step,
            "step_count": len(sections), "progress": round(100 * step / len(sections)),
            "is_last": step == len(sections) - 1, "error": error,
            "likert_labels": LIKERT_LABELS.items(), "nps_values": range(11)}


@require_http_methods(["GET", "POST"])
def campaign_answer(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """One page per section; earlier answers ride along as hidden fields until the final submit."""
    campaign = _campaign(campaign_id)
    if selectors.user_has_answered(user=request.user, campaign=campaign):
        messages.info(request, "You have already answered this survey; each person answers once. Thank you!")
        return redirect("surveys:campaign_list")
    try:
        services.answers.check_open(campaign, request.user)
    except services.SurveyError as exc:
        messages.error(request, str(exc))
        return redirect("surveys:campaign_list")
    items = selectors.campaign_items(campaign=campaign)
    sections = selectors.campaign_sections(items=items)
    if request.method == "GET":
        return render(request, "surveys/campaign_answer.html",
                      _answer_context(campaign, sections, 0, answers_parse(items=items, data={}, check=[])))
    try:
        step = min(max(int(request.POST.get("step", 0)), 0), len(sections) - 1)
    except ValueError:
        step = 0
    nav = request.POST.get("nav", "next")
    try:
        check = [] if nav == "back" else (items if nav == "submit" else sections[step][1])
        parsed = answers_parse(items=items, data=request.POST, check=check)
    except TamperedForm as exc:
        empty = answers_parse(items=items, data={}, check=[])
        return render(request, "surveys/campaign_answer.html",
                      _answer_context(campaign, sections, 0, empty, f"{exc} Nothing was stored; please start again."),
                      status=400)
    if parsed.errors:
        first = next(i for i, (_, its) in enumerate(sections) if any(it.question_id in parsed.errors for it in its))
        return render(request, "surveys/campaign_answer.html",
                      _answer_context(campaign, sections, first, parsed, "Some answers need your attention."),
                      status=400)
    if nav == "back":
        return render(request, "surveys/campaign_answer.html", _answer_context(campaign, sections, max(step - 1, 0),
                                                                                parsed))
    if nav != "submit" or step < len(sections) - 1:
        return render(request, "surveys/campaign_answer.html", _answer_context(campaign, sections, step + 1, parsed))
    try:
        services.response_submit(campaign=campaign, user=request.user, values=parsed.values, items=items)
    except services.AlreadyAnswered as exc:
        messages.error(request, str(exc))
        return redirect("surveys:campaign_list")
    except services.SurveyError as exc:
        return render(request, "surveys/campaign_answer.html",
                      _answer_context(campaign, sections, step, parsed, f"{exc} Nothing was stored."), status=400)
    messages.success(request, "Thank you! Your answers are stored anonymously.")
    return redirect("surveys:campaign_list")


@require_GET
def campaign_results_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _results_access(request)
    campaign = _campaign(campaign_id)
    result = campaign_results(campaign=campaign)
    return render(request, "surveys/campaign_results.html", {
        "result": result, "campaigns": selectors.campaign_list(), "status": campaign.status_on(selectors.today()),
        "text_preview": TEXT_PREVIEW,
    })


@require_GET
def campaign_text_answers_page(request: HttpRequest, campaign_id: int, question_id: int) -> HttpResponse:
    """Every answer of one reported group to one free-text question, a page at a time (htmx swaps the list)."""
    _results_access(request)
    campaign = _campaign(campaign_id)
    group = request.GET.get("group", "")[:MAX_GROUP_PARAM]
    answers = campaign_text_answers(campaign=campaign, question_id=question_id, group=group,
                                    page=request.GET.get("page", "1")[:12])
    if answers is None:
        raise Http404("No such group of answers to show: the question takes no free text, the team is not "
                      "reported on its own, or the survey's results are not shown yet.")
    return render_page_or_fragment(request, "surveys/text_answers.html", "surveys/partials/text_answers.html",
                                   {"answers": answers, "status": campaign.status_on(selectors.today())})


class _Echo:
    def write(self, value):
        return value


def _csv(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def campaign_results_csv(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    _results_access(request)
    campaign = _campaign(campaign_id)
    result = campaign_results(campaign=campaign, with_trends=False, with_text=False)
    return _csv(exports.aggregate_rows(result), f"survey-{campaign.quarter}-aggregates.csv")


@require_GET
def campaign_rows_csv(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    _results_access(request)
    campaign = _campaign(campaign_id)
    return _csv(exports.anonymous_rows(campaign=campaign), f"survey-{campaign.quarter}-answers.csv")
