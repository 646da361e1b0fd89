"""`GET /api/scorecards/...`: scorecards, scores and history as JSON for dashboards.

Every endpoint needs scorecards.scorecard.read and only shows entities the caller may read in the
catalog; failures answer Backstage's error envelope (core.api.errors.api_view). Lists page with
`offset`/`limit` (at most MAX_LIMIT) and give `nextOffset` (null on the last page).
"""

from django.http import HttpRequest, JsonResponse

from catalog.access import entity_readable
from catalog.selectors import entity_get
from core.access import require
from core.api.errors import InputError, NotFoundError, api_view
from core.api.params import int_param
from scorecards.api.scores_openapi import OPENAPI
from scorecards.selectors import scores as selectors

READ = "scorecards.scorecard.read"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_WEEKS = 104


def _card(slug: str):
    card = selectors.scorecard_get(slug=slug[:100])
    if card is None:
        raise NotFoundError(f"No scorecard named '{slug[:100]}' found")
    return card


def _score_json(score, *, full: bool = False) -> dict:
    data = {
        "entityRef": score.entity_ref, "name": score.entity_name, "owner": score.owner_ref or None,
        "points": round(score.points, 1), "grade": score.grade, "level": score.level or None,
        "capped": score.capped, "missing": [m.get("text") if isinstance(m, dict) else m for m in score.missing or []],
        "computedAt": score.computed_at.isoformat(), "line": selectors.score_line(score),
    }
    if full:
        data["scorecard"] = score.scorecard.slug
        data["checks"] = score.results if isinstance(score.results, list) else []
    return data


def _weeks(request: HttpRequest) -> list:
    weeks = int_param(request.GET, "weeks", default=selectors.TREND_WEEKS)
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"Invalid weeks {weeks}: expected 1 to {MAX_WEEKS}.")
    return selectors.trend_weeks(weeks=weeks)


@api_view("GET")
def scorecard_list(request: HttpRequest) -> JsonResponse:
    require(request.user, READ)
    cards = selectors.scorecard_list()
    distributions = selectors.distributions(scorecards=cards, visible=selectors.visible_q(request.user))
    return JsonResponse({"items": [
        {"slug": c.slug, "title": c.title, "description": c.description, "appliesTo": c.applies_to,
         "levels": selectors.ladder(c), "grades": distributions[c.pk], "total": sum(distributions[c.pk].values()),
         "computedAt": c.computed_at.isoformat() if c.computed_at else None}
        for c in cards]})


@api_view("GET")
def scorecard_scores(request: HttpRequest, slug: str) -> JsonResponse:
    """One scorecard's scores: `owner`, `grade`, `failing` (a check key), `q`, `sort` (name, owner, score,
    grade, level; `-` reverses), `offset`, `limit`."""
    require(request.user, READ)
    card = _card(slug)
    query = request.GET
    sort = query.get("sort", "name")[:40]
    if not selectors.sort_valid(sort):
        raise InputError(f"Invalid sort {sort!r}: expected one of {', '.join(selectors.SORTS)}, with - to reverse.")
    failing = query.get("failing", "")[:100]
    if failing and failing not in selectors.check_meta(card):
        raise InputError(f"Invalid failing {failing!r}: not a check of {card.slug}.")
    limit = int_param(query, "limit", default=DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"Invalid limit {limit}: expected 1 to {MAX_LIMIT}.")
    offset = int_param(query, "offset", default=0)
    filters = selectors.ScoreFilters(owner=query.get("owner", "")[:320], grade=query.get("grade", "")[:2],
                                     failing=failing, q=query.get("q", "")[:100], sort=sort)
    rows, total = selectors.score_slice(scorecard=card, filters=filters, offset=offset, limit=limit,
                                        visible=selectors.visible_q(request.user))
    return JsonResponse({"scorecard": card.slug, "total": total, "offset": offset, "limit": limit,
                         "nextOffset": offset + limit if offset + limit < total else None,
                         "items": [_score_json(s) for s in rows]})


@api_view("GET")
def entity_scores(request: HttpRequest, kind: str, namespace: str, name: str) -> JsonResponse:
    """An entity's scores on every scorecard, each with its checks and its weekly history."""
    require(request.user, READ)
    entity = entity_get(kind=kind, namespace=namespace, name=name)
    if entity is None or not entity_readable(request.user, entity):
        raise NotFoundError(f"No entity named '{kind}:{namespace}/{name}' found")
    weeks = _weeks(request)
    scores = selectors.scores_for_entity(entity_ref=entity.ref)
    history = selectors.entity_weeks(entity_ref=entity.ref, weeks=weeks,
                                     scorecard_ids=[s.scorecard_id for s in scores])
    return JsonResponse({"entityRef": entity.ref, "weeks": [w.isoformat() for w in weeks], "items": [
        {**_score_json(s, full=True), "history": history.get(s.scorecard_id, [None] * len(weeks))} for s in scores]})


@api_view("GET")
def team_rollup(request: HttpRequest, slug: str, namespace: str, name: str) -> JsonResponse:
    require(request.user, READ)
    card = _card(slug)
    rollup = selectors.team_rollup(scorecard=card, team_ref=f"group:{namespace}/{name}"[:320],
                                   visible=selectors.visible_q(request.user))
    return JsonResponse({
        "scorecard": card.slug, "team": rollup.team_ref, "total": rollup.services_total, "average": rollup.average,
        "grades": rollup.distribution,
        "worstChecks": [{"check": r.check_key, "title": r.check_title, "category": r.category, "passed": r.passed,
                         "failed": r.failed, "exempt": r.exempt, "passShare": round(r.pass_share, 4)}
                        for r in rollup.worst],
        "weeks": [w.isoformat() for w in rollup.weeks], "teamTrend": rollup.team_trend, "orgTrend": rollup.org_trend,
    })


@api_view("GET")
def scorecard_history(request: HttpRequest, slug: str) -> JsonResponse:
    """Average score per week for the organisation, or for `owner` (a team ref), or for `entityRef`."""
    require(request.user, READ)
    card = _card(slug)
    weeks = _weeks(request)
    owner, entity_ref = request.GET.get("owner", "")[:320], request.GET.get("entityRef", "")[:320]
    if owner and entity_ref:
        raise InputError("Give owner or entityRef, not both.")
    if entity_ref:
        kind, _, rest = entity_ref.partition(":")
        namespace, _, name = rest.partition("/")
        entity = entity_get(kind=kind, namespace=namespace, name=name) if kind and name else None
        if entity is None or not entity_readable(request.user, entity):
            raise NotFoundError(f"No entity named '{entity_ref}' found")
        values = selectors.weekly_average(scorecard=card, weeks=weeks, entity_ref=entity.ref)
    elif owner:
        values = selectors.weekly_average(scorecard=card, weeks=weeks, owner_refs=[owner])
    else:
        values = selectors.organisation_trend(scorecard=card, weeks=weeks)
    return JsonResponse({"scorecard": card.slug, "owner": owner or None, "entityRef": entity_ref or None,
                         "series": [{"week": w.isoformat(), "average": v} for w, v in zip(weeks, values, strict=True)]})


@api_view("GET")
def scores_openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(OPENAPI)
