"""Reads of computed scores: pass rates, grade distributions, pages of scores, team roll-ups, trends.

The maturity and insights apps call `check_pass_rates`, `worst_checks`, `grade_distribution`,
`scores_for_entity` and `score_line` (the engine's, from scorecards.services.scoring, re-exported):
keep their names and shapes. Everything here reads the rows the
scoring engine wrote (Score, CheckOutcome, ScoreWeek); nothing is computed from facts on a GET.
Every function runs a constant number of queries, whatever the number of scored entities.
"""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from catalog import access as catalog_access
from catalog.models import Entity
from scorecards.models import CheckOutcome, Exemption, Score, Scorecard, ScoreWeek
from scorecards.services.scoring import score_line as score_line  # the engine's wording, re-exported

DEFAULT_GRADES = ("A", "B", "C", "D", "F")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
TREND_WEEKS = 12
OWNER_FACET_LIMIT = 300
EXPORT_LIMIT = 50_000
ORG_TREND_CACHE_SECONDS = 300
FACET_CACHE_SECONDS = 60
# Sort keys of the scorecard page and the API; a leading "-" reverses.
SORTS = ("name", "owner", "score", "grade", "level")
PASSING_STATES = ("pass", "exempt")


@dataclass(frozen=True)
class CheckRate:
    scorecard_slug: str
    check_key: str
    check_title: str
    category: str
    passed: int
    failed: int
    exempt: int
    total: int

    @property
    def pass_share(self) -> float:
        """Passed over judged (pass + fail): exempt and unknown outcomes neither help nor hurt."""
        judged = self.passed + self.failed
        return self.passed / judged if judged else 1.0

    @property
    def pass_percent(self) -> int:
        return round(self.pass_share * 100)


# --- The definition, read defensively (the engine owns its exact shape) -------------------------


def _key_of(item: dict) -> str:
    return str(item.get("key") or item.get("id") or item.get("name") or "")


def check_meta(scorecard: Scorecard) -> dict[str, tuple[str, str]]:
    """check key -> (title, category), in the definition's order: checks listed at the top level
    (with a `category`) or inside categories."""
    definition = scorecard.definition if isinstance(scorecard.definition, dict) else {}
    meta: dict[str, tuple[str, str]] = {}
    categories = definition.get("categories") or []
    if isinstance(categories, dict):
        categories = [{"key": k, **(v if isinstance(v, dict) else {})} for k, v in categories.items()]
    for category in categories if isinstance(categories, list) else []:
        if not isinstance(category, dict):
            continue
        cat_name = str(category.get("title") or _key_of(category))
        for check in category.get("checks") or []:
            if isinstance(check, dict) and _key_of(check):
                meta[_key_of(check)] = (str(check.get("title") or _key_of(check)), cat_name)
    for check in definition.get("checks") or []:
        if isinstance(check, dict) and _key_of(check) and _key_of(check) not in meta:
            meta[_key_of(check)] = (str(check.get("title") or _key_of(check)), str(check.get("category") or ""))
    return meta


def ladder(scorecard: Scorecard) -> list[str]:
    """The level names, lowest first (Bronze, Silver, Gold)."""
    definition = scorecard.definition if isinstance(scorecard.definition, dict) else {}
    levels = definition.get("levels") or definition.get("ladder") or []
    names = []
    for level in levels if isinstance(levels, list) else []:
        name = level if isinstance(level, str) else _key_of(level) if isinstance(level, dict) else ""
        if isinstance(level, dict) and level.get("title"):
            name = str(level.get("name") or level.get("title"))
        if name:
            names.append(str(name))
    return names


def grades(scorecard: Scorecard) -> list[str]:
    """The letter grades, best first."""
    definition = scorecard.definition if isinstance(scorecard.definition, dict) else {}
    raw = definition.get("grades") or []
    names: list[str] = []
    if isinstance(raw, dict):  # {A: 90, B: 75, ...} as written in the file
        names = [str(k) for k in raw]
    elif isinstance(raw, list):  # [["A", 90], ...] as the engine normalises it, or [{"grade": "A"}]
        for item in raw:
            if isinstance(item, list | tuple) and item:
                names.append(str(item[0]))
            elif isinstance(item, dict):
                names.append(str(item.get("grade") or item.get("name") or ""))
            elif isinstance(item, str):
                names.append(item)
    names = [n for n in names if n and n != "None"]
    if not names:
        return list(DEFAULT_GRADES)
    return names if "F" in names else [*names, "F"]  # F: everything below the last threshold


def levels_at_or_above(scorecard: Scorecard, level: str) -> list[str]:
    names = ladder(scorecard)
    return names[names.index(level):] if level in names else [level]


# --- Visibility --------------------------------------------------------------------------------


def visible_q(user) -> Q | None:
    """A condition on Score-like rows (entity_ref) that keeps entities the person may read in the
    catalog; None when they may read everything (no join at all)."""
    if user is None:
        return None
    condition = catalog_access.entity_read_filter(user)
    if condition is None:
        return None
    return Q(entity_ref__in=Entity.objects.filter(condition).values("ref"))


def _scores(*, scorecard_slug: str | None = None, owner_refs: list[str] | None = None,
            visible: Q | None = None) -> QuerySet[Score]:
    qs = Score.objects.filter(scorecard__enabled=True)
    if scorecard_slug:
        qs = qs.filter(scorecard__slug=scorecard_slug)
    if owner_refs is not None:
        qs = qs.filter(owner_ref__in=[r.lower() for r in owner_refs])
    if visible is not None:
        qs = qs.filter(visible)
    return qs


# --- Contract selectors (maturity and insights read these) ---------------------------------------


def check_pass_rates(*, scorecard_slug: str | None = None, owner_refs: list[str] | None = None) -> list[CheckRate]:
    """Per check of every enabled scorecard (or one): how many scored entities pass, fail or are exempt;
    owner_refs narrows to those teams' entities. In the definitions' order."""
    outcomes = CheckOutcome.objects.filter(score__scorecard__enabled=True)
    if scorecard_slug:
        outcomes = outcomes.filter(scorecard__slug=scorecard_slug)
    if owner_refs is not None:
        outcomes = outcomes.filter(score__owner_ref__in=[r.lower() for r in owner_refs])
    rows = (outcomes.values("scorecard_id", "check_key")
            .annotate(passed=Count("id", filter=Q(state="pass")), failed=Count("id", filter=Q(state="fail")),
                      exempt=Count("id", filter=Q(state="exempt")), total=Count("id"))
            .order_by())
    cards = {c.pk: c for c in Scorecard.objects.filter(enabled=True).only("id", "slug", "definition")}
    metas = {pk: check_meta(card) for pk, card in cards.items()}
    rates = []
    for row in rows:
        card = cards.get(row["scorecard_id"])
        if card is None:
            continue
        title, category = metas[card.pk].get(row["check_key"], (row["check_key"], ""))
        rates.append(CheckRate(scorecard_slug=card.slug, check_key=row["check_key"], check_title=title,
                               category=category, passed=row["passed"], failed=row["failed"],
                               exempt=row["exempt"], total=row["total"]))

    positions = {card.slug: {key: i for i, key in enumerate(metas[pk])} for pk, card in cards.items()}

    def order(rate: CheckRate) -> tuple:
        keys = positions[rate.scorecard_slug]
        return rate.scorecard_slug, keys.get(rate.check_key, len(keys)), rate.check_key

    return sorted(rates, key=order)


def passing_all_share(*, scorecard_slug: str, owner_refs: list[str] | None = None) -> float | None:
    """Share of the scored entities (of `owner_refs` when given) that fail no check of the scorecard
    (an exempt check counts as passing); None when nothing is scored. Platform Health's golden-path
    adoption reads it. Two queries."""
    scored = _scores(scorecard_slug=scorecard_slug, owner_refs=owner_refs)
    total = scored.count()
    if not total:
        return None
    failing = scored.filter(outcomes__state="fail").values("id").distinct().count()
    return (total - failing) / total


def worst_checks(*, scorecard_slug: str | None = None, owner_refs: list[str] | None = None,
                 limit: int = 5) -> list[CheckRate]:
    """The checks with the lowest pass share first (then the most failures); checks nobody fails are left out."""
    rates = [r for r in check_pass_rates(scorecard_slug=scorecard_slug, owner_refs=owner_refs) if r.failed]
    return sorted(rates, key=lambda r: (r.pass_share, -r.failed, r.check_key))[:max(limit, 0)]


def grade_distribution(*, scorecard_slug: str, owner_refs: list[str] | None = None,
                       visible: Q | None = None) -> dict[str, int]:
    """grade -> number of scored entities, every grade of the scorecard present (best first)."""
    card = Scorecard.objects.filter(slug=scorecard_slug).only("id", "definition").first()
    if card is None:
        return {}
    counts = dict(_scores(scorecard_slug=scorecard_slug, owner_refs=owner_refs, visible=visible)
                  .values_list("grade").annotate(n=Count("id")).order_by())
    distribution = {grade: counts.pop(grade, 0) for grade in grades(card)}
    distribution.update(sorted(counts.items()))  # grades the definition no longer names
    return distribution


def scores_for_entity(*, entity_ref: str) -> list[Score]:
    """The entity's score on every enabled scorecard (scorecard loaded), by scorecard title."""
    return list(Score.objects.filter(entity_ref=entity_ref.lower(), scorecard__enabled=True)
                .select_related("scorecard").order_by("scorecard__title"))


# --- The scorecard page ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreFilters:
    owner: str = ""
    grade: str = ""
    failing: str = ""
    q: str = ""
    sort: str = "name"

    def as_params(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in (("owner", self.owner), ("grade", self.grade), ("failing", self.failing),
                                    ("q", self.q), ("sort", self.sort if self.sort != "name" else ""))
                if v]


def sort_valid(sort: str) -> bool:
    return sort.lstrip("-") in SORTS


def _ordered(qs: QuerySet[Score], scorecard: Scorecard, sort: str) -> QuerySet[Score]:
    descending = sort.startswith("-")
    key = sort.lstrip("-") if sort_valid(sort) else "name"
    prefix = "-" if descending else ""
    if key == "level":
        names = ladder(scorecard)
        qs = qs.annotate(level_rank=Case(*[When(level=n, then=Value(i + 1)) for i, n in enumerate(names)],
                                         default=Value(0), output_field=IntegerField()))
        # Descending level first shows Gold; "level" alone lists those with no level first.
        return qs.order_by(f"{prefix}level_rank", "entity_name", "pk")
    column = {"name": "entity_name", "owner": "owner_ref", "score": "points", "grade": "grade"}[key]
    return qs.order_by(f"{prefix}{column}", "entity_name", "pk")


def _no_nul(text: str) -> str:
    return text.replace("\x00", "")  # PostgreSQL refuses NUL in text: a hostile parameter matches nothing


def scores_filtered(*, scorecard: Scorecard, filters: ScoreFilters, visible: Q | None = None) -> QuerySet[Score]:
    filters = ScoreFilters(owner=_no_nul(filters.owner), grade=_no_nul(filters.grade),
                           failing=_no_nul(filters.failing), q=_no_nul(filters.q), sort=filters.sort)
    qs = Score.objects.filter(scorecard=scorecard)
    if visible is not None:
        qs = qs.filter(visible)
    if filters.owner:
        qs = qs.filter(owner_ref=filters.owner.lower())
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.failing:
        qs = qs.filter(Exists(CheckOutcome.objects.filter(score_id=OuterRef("pk"), check_key=filters.failing,
                                                          state="fail")))
    if filters.q:
        qs = qs.filter(Q(entity_name__icontains=filters.q) | Q(entity_ref__icontains=filters.q.lower()))
    return _ordered(qs, scorecard, filters.sort)


LIST_COLUMNS = ("id", "entity_ref", "entity_name", "owner_ref", "points", "grade", "level", "capped", "missing",
                "computed_at", "scorecard_id")


def score_page(*, scorecard: Scorecard, filters: ScoreFilters, page: int | str = 1, page_size: int = PAGE_SIZE,
               visible: Q | None = None) -> Page:
    """One page of the scorecard's scores (two queries: the count and the rows)."""
    qs = scores_filtered(scorecard=scorecard, filters=filters, visible=visible).only(*LIST_COLUMNS)
    return Paginator(qs, min(max(page_size, 1), MAX_PAGE_SIZE)).get_page(page)


def score_slice(*, scorecard: Scorecard, filters: ScoreFilters, offset: int, limit: int,
                visible: Q | None = None) -> tuple[list[Score], int]:
    """Rows [offset, offset+limit) and the total, for the API's offset paging."""
    qs = scores_filtered(scorecard=scorecard, filters=filters, visible=visible)
    return list(qs.only(*LIST_COLUMNS)[offset:offset + limit]), qs.count()


def score_export_rows(*, scorecard: Scorecard, filters: ScoreFilters, visible: Q | None = None):
    qs = scores_filtered(scorecard=scorecard, filters=filters, visible=visible).only(*LIST_COLUMNS)
    return qs[:EXPORT_LIMIT].iterator(chunk_size=2000)


def _cached_for_everyone(key: str, visible: Q | None, compute):
    """Counts over every row of a scorecard (facets, distributions) read 10,000 rows: for people who may
    read every entity (the same answer for all of them) they are kept FACET_CACHE_SECONDS."""
    if visible is not None:
        return compute()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, FACET_CACHE_SECONDS)
    return found


def owner_facet(*, scorecard: Scorecard, visible: Q | None = None) -> list[tuple[str, int]]:
    qs = Score.objects.filter(scorecard=scorecard).exclude(owner_ref="")
    if visible is not None:
        qs = qs.filter(visible)
    return _cached_for_everyone(
        f"scorecards:owners:{scorecard.pk}", visible,
        lambda: list(qs.values_list("owner_ref").annotate(n=Count("id")).order_by("owner_ref")[:OWNER_FACET_LIMIT]))


# --- Trends (ScoreWeek) ------------------------------------------------------------------------


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def trend_weeks(*, weeks: int = TREND_WEEKS, today: datetime.date | None = None) -> list[datetime.date]:
    last = monday(today or timezone.localdate())
    return [last - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _series(rows, weeks: list[datetime.date]) -> list[float | None]:
    by_week = {week: value for week, value in rows}
    return [round(by_week[w], 1) if by_week.get(w) is not None else None for w in weeks]


def weekly_average(*, scorecard: Scorecard, weeks: list[datetime.date], owner_refs: list[str] | None = None,
                   entity_ref: str | None = None) -> list[float | None]:
    """Average score per week (None where nothing was scored that week)."""
    qs = ScoreWeek.objects.filter(scorecard=scorecard, week__gte=weeks[0], week__lte=weeks[-1])
    if owner_refs is not None:
        qs = qs.filter(owner_ref__in=[r.lower() for r in owner_refs])
    if entity_ref is not None:
        qs = qs.filter(entity_ref=entity_ref.lower())
    return _series(qs.values_list("week").annotate(avg=Avg("points")).order_by("week"), weeks)


def organisation_trend(*, scorecard: Scorecard, weeks: list[datetime.date]) -> list[float | None]:
    """The organisation's average per week: the same for everyone, so cached briefly (it reads every row)."""
    key = f"scorecards:org-trend:{scorecard.pk}:{weeks[0]}:{weeks[-1]}:{scorecard.computed_at}"
    cached = cache.get(key)
    if cached is None:
        cached = weekly_average(scorecard=scorecard, weeks=weeks)
        cache.set(key, cached, ORG_TREND_CACHE_SECONDS)
    return cached


def entity_weeks(*, entity_ref: str, weeks: list[datetime.date],
                 scorecard_ids: list[int] | None = None) -> dict[int, list[float | None]]:
    """scorecard id -> the entity's score per week, every scorecard in one query. Pass the scorecards
    (those of the entity's scores): the (scorecard, entity_ref, week) index then serves the read."""
    if scorecard_ids is None:
        scorecard_ids = list(Scorecard.objects.values_list("pk", flat=True))
    rows = (ScoreWeek.objects.filter(scorecard_id__in=scorecard_ids, entity_ref=entity_ref.lower(),
                                     week__gte=weeks[0], week__lte=weeks[-1])
            .values_list("scorecard_id", "week", "points"))
    grouped: dict[int, list] = {}
    for scorecard_id, week, points in rows:
        grouped.setdefault(scorecard_id, []).append((week, points))
    return {pk: _series(items, weeks) for pk, items in grouped.items()}


# --- Scorecards list and team roll-up ------------------------------------------------------------


def scorecard_list() -> list[Scorecard]:
    return list(Scorecard.objects.filter(enabled=True).order_by("title"))


def scorecard_get(*, slug: str) -> Scorecard | None:
    return Scorecard.objects.filter(slug=slug, enabled=True).first()


def distributions(*, scorecards: list[Scorecard], visible: Q | None = None) -> dict[int, dict[str, int]]:
    """scorecard id -> grade distribution, for many scorecards in one query."""
    qs = Score.objects.filter(scorecard__in=scorecards)
    if visible is not None:
        qs = qs.filter(visible)
    counts: dict[int, dict[str, int]] = {}
    rows = _cached_for_everyone(
        "scorecards:grades:" + ",".join(str(c.pk) for c in scorecards), visible,
        lambda: list(qs.values_list("scorecard_id", "grade").annotate(n=Count("id")).order_by()))
    for scorecard_id, grade, n in rows:
        counts.setdefault(scorecard_id, {})[grade] = n
    result = {}
    for card in scorecards:
        found = counts.get(card.pk, {})
        result[card.pk] = {g: found.pop(g, 0) for g in grades(card)} | dict(sorted(found.items()))
    return result


@dataclass
class TeamRollup:
    scorecard: Scorecard
    team_ref: str
    distribution: dict[str, int]
    worst: list[CheckRate]
    weeks: list[datetime.date]
    team_trend: list[float | None]
    org_trend: list[float | None]
    services: list[Score] = field(default_factory=list)
    services_total: int = 0
    average: float | None = None


TEAM_SERVICES_SHOWN = 200


def team_rollup(*, scorecard: Scorecard, team_ref: str, visible: Q | None = None,
                today: datetime.date | None = None) -> TeamRollup:
    owners = [team_ref.lower()]
    weeks = trend_weeks(today=today)
    services = _scores(owner_refs=owners, visible=visible).filter(scorecard=scorecard)
    summary = services.aggregate(n=Count("id"), avg=Avg("points"))
    return TeamRollup(
        scorecard=scorecard, team_ref=team_ref.lower(),
        distribution=grade_distribution(scorecard_slug=scorecard.slug, owner_refs=owners, visible=visible),
        worst=worst_checks(scorecard_slug=scorecard.slug, owner_refs=owners, limit=5),
        weeks=weeks,
        team_trend=weekly_average(scorecard=scorecard, weeks=weeks, owner_refs=owners),
        org_trend=organisation_trend(scorecard=scorecard, weeks=weeks),
        services=list(services.only(*LIST_COLUMNS).order_by("points", "entity_name")[:TEAM_SERVICES_SHOWN]),
        services_total=summary["n"] or 0,
        average=round(summary["avg"], 1) if summary["avg"] is not None else None,
    )


def exemptions_for_entity(*, entity_ref: str) -> list[Exemption]:
    """The entity's exemptions, pending and decided, newest first (scorecard loaded)."""
    return list(Exemption.objects.filter(entity_ref=entity_ref.lower()).select_related("scorecard", "requested_by")
                .order_by("-requested_at")[:100])


def exemptions_pending(*, limit: int = 200) -> list[Exemption]:
    return list(Exemption.objects.filter(status=Exemption.Status.PENDING).select_related("scorecard", "requested_by")
                .order_by("requested_at")[:limit])


HOME_SHOWN = 8


def owner_summary(*, owner_refs: list[str], limit: int = HOME_SHOWN) -> tuple[list[Score], dict[str, int]]:
    """The owners' lowest scores first (what to fix next) and their grade counts over every scorecard:
    two queries, for the home page."""
    qs = _scores(owner_refs=owner_refs)
    lowest = list(qs.select_related("scorecard").only(*LIST_COLUMNS, "scorecard__title", "scorecard__slug")
                  .order_by("points", "entity_name")[:limit])
    counts = dict(qs.values_list("grade").annotate(n=Count("id")).order_by("grade"))
    return lowest, counts
