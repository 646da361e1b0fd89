"""The scorecards list, one scorecard's page (sortable, filterable, paginated, CSV) and the team page."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from catalog.lib.refs import split_key
from core.audit import audit_record
from core.charts import Series, bar_chart, line_chart, sparkline
from core.htmx import is_partial, render_page_or_fragment
from scorecards.selectors import scores as selectors
from scorecards.views.common import (
    csv_cell,
    entity_path,
    filters_from,
    owner_path,
    query,
    read_require,
    week_labels,
)

CSV_COLUMNS = ("entity_ref", "name", "owner", "points", "grade", "level", "capped", "missing", "computed_at")


def _scorecard_or_404(slug: str):
    card = selectors.scorecard_get(slug=slug[:100])
    if card is None:
        raise Http404("No such scorecard.")
    return card


def _missing_text(score) -> str:
    return ", ".join(str(m.get("text", "")) if isinstance(m, dict) else str(m) for m in (score.missing or []))


def _team_label(ref: str) -> str:
    return split_key(ref)[2] or ref if ref else "—"


@login_required
@require_GET
def scorecard_index(request: HttpRequest) -> HttpResponse:
    """Every scorecard with its organisation grade distribution and average score per week."""
    read_require(request)
    cards = selectors.scorecard_list()
    visible = selectors.visible_q(request.user)
    distributions = selectors.distributions(scorecards=cards, visible=visible)
    weeks = selectors.trend_weeks()
    rows = []
    for card in cards:
        distribution = distributions[card.pk]
        trend = selectors.organisation_trend(scorecard=card, weeks=weeks)
        rows.append({
            "card": card, "total": sum(distribution.values()),
            "chart": bar_chart(bars=list(distribution.items()), title=f"{card.title}: entities per grade",
                               width=420, bar_height=16),
            "trend": line_chart(labels=week_labels(weeks), series=[Series("Organisation", trend)],
                                title=f"{card.title}: average score per week", width=420, height=160,
                                y_min=0, y_max=100),
        })
    return render_page_or_fragment(request, "scorecards/index.html", "scorecards/partials/index_rows.html",
                                   {"rows": rows})


def _table_context(request: HttpRequest, card) -> dict:
    filters, problems = filters_from(request)
    visible = selectors.visible_q(request.user)
    page = selectors.score_page(scorecard=card, filters=filters, page=request.GET.get("page", "1")[:12],
                                visible=visible)
    params = filters.as_params()
    for score in page.object_list:
        score.url = entity_path(score.entity_ref)
        score.owner_url = owner_path(score.owner_ref)
        score.owner_name = _team_label(score.owner_ref)
        score.missing_text = _missing_text(score)
    sort_key = filters.sort.lstrip("-")
    sort_links = {key: query(params, sort=(f"-{key}" if sort_key == key and not filters.sort.startswith("-")
                                           else key), page="") for key in selectors.SORTS}
    window = range(max(1, page.number - 3), min(page.paginator.num_pages, page.number + 3) + 1)
    return {
        "card": card, "page_obj": page, "filters": filters, "problems": problems, "sort_links": sort_links,
        "sort_key": sort_key, "descending": filters.sort.startswith("-"),
        "page_urls": [(n, query(params, page=str(n) if n != 1 else "")) for n in window],
        "prev_url": query(params, page=str(page.number - 1)) if page.has_previous() else "",
        "next_url": query(params, page=str(page.number + 1)) if page.has_next() else "",
        "export_url": query(params),
        "checks": selectors.check_meta(card),
    }


@login_required
@require_GET
def scorecard_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Every scored entity of one scorecard: sortable, filterable by team, grade and failing check."""
    read_require(request)
    card = _scorecard_or_404(slug)
    context = _table_context(request, card)
    if not is_partial(request):
        visible = selectors.visible_q(request.user)
        distribution = selectors.distributions(scorecards=[card], visible=visible)[card.pk]
        context.update({
            "grades": list(distribution),
            "owners": [(ref, _team_label(ref), n) for ref, n in selectors.owner_facet(scorecard=card, visible=visible)],
            "chart": bar_chart(bars=list(distribution.items()), title=f"{card.title}: entities per grade",
                               width=480, bar_height=16),
        })
    return render_page_or_fragment(request, "scorecards/scorecard.html", "scorecards/partials/score_table.html",
                                   context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def scorecard_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The filtered list as CSV (same filters, order and read limits as the page), audited."""
    read_require(request)
    card = _scorecard_or_404(slug)
    filters, problems = filters_from(request)
    if problems:
        return HttpResponse("\n".join(problems) + "\n", status=400, content_type="text/plain; charset=utf-8")
    audit_record(actor=request.user, action="scorecards.scorecard.export", target=card.slug,
                 detail={"query": request.GET.urlencode()[:1000]})
    rows = selectors.score_export_rows(scorecard=card, filters=filters, visible=selectors.visible_q(request.user))
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        for s in rows:
            missing = [m.get("text", "") if isinstance(m, dict) else m for m in (s.missing or [])]
            yield writer.writerow([csv_cell(v) for v in (
                s.entity_ref, s.entity_name, s.owner_ref, round(s.points, 1), s.grade, s.level,
                "yes" if s.capped else "", missing, s.computed_at.isoformat())])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scorecard-{card.slug}.csv"'
    return response


@login_required
@require_GET
def team_page(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    """A team's services on one scorecard: grade distribution, worst checks, score per week (team and
    organisation)."""
    read_require(request)
    cards = selectors.scorecard_list()
    if not cards:
        raise Http404("No scorecard is loaded yet.")
    wanted = request.GET.get("scorecard", "")[:100]
    card = next((c for c in cards if c.slug == wanted), cards[0])
    team_ref = f"group:{namespace.lower()}/{name.lower()}"[:320]
    rollup = selectors.team_rollup(scorecard=card, team_ref=team_ref, visible=selectors.visible_q(request.user))
    for score in rollup.services:
        score.url = entity_path(score.entity_ref)
        score.missing_text = _missing_text(score)
    labels = week_labels(rollup.weeks)
    context = {
        "card": card, "cards": cards, "rollup": rollup,
        "worst": [(rate, f"/scorecards/{card.slug}/" + query([("owner", team_ref), ("failing", rate.check_key)]))
                  for rate in rollup.worst], "team_name": name, "team_ref": team_ref,
        "chart": bar_chart(bars=list(rollup.distribution.items()), title=f"{name}: services per grade",
                           width=420, bar_height=16),
        "trend": line_chart(labels=labels, series=[Series(name, rollup.team_trend),
                                                   Series("Organisation", rollup.org_trend)],
                            title=f"{name}: average score per week", y_min=0, y_max=100),
        "spark": sparkline(values=rollup.team_trend, title=f"{name}: trend"),
        "list_url": f"/scorecards/{card.slug}/" + query([("owner", team_ref)]),
    }
    return render_page_or_fragment(request, "scorecards/team.html", "scorecards/partials/team_body.html", context)
