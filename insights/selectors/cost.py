"""Reads of the cost lines: monthly summaries, series, breakdowns, growth flags and team reports.

CONTRACT (the Platform Health dashboard and the maturity app call these; keep names and shapes):
`cost_summary`, `cost_series`, `attributed_share`, `cost_per_developer`, `growth_flags`,
`latest_cost_month`. Amounts are Decimals in the base currency (PAVED_COST_CURRENCY). A month with
no cost lines has no per-developer figure (None), never a made-up one.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q, Sum

from catalog.selectors import group_members, people_count
from insights.lib.cost.labels import DIMENSIONS
from insights.lib.cost.teams import team_label, team_ref
from insights.models.cost import CostImport, CostLine

ZERO = Decimal(0)
CENT = Decimal("0.01")
GROUP_BYS = (*DIMENSIONS, "month", "source", "attribution")
HISTORY_MONTHS = 24  # what growth flags compare a month against
MIN_HISTORY = 3  # monthly changes needed before "unusual against its own history" applies


@dataclass(frozen=True)
class CostSummary:
    month: date
    currency: str
    total: Decimal
    attributed: Decimal
    unallocated: Decimal
    by_team: list[tuple[str, Decimal]]  # (team ref, '' for unallocated; amount), largest first
    developers: int | None
    per_developer: Decimal | None


@dataclass(frozen=True)
class GrowthFlag:
    kind: str  # "team" or "service"
    key: str  # team ref or service name
    month: date
    spend: Decimal
    previous: Decimal
    change: float  # (spend - previous) / previous
    threshold: float
    history_limit: float | None  # mean + 2σ of its earlier monthly changes; None under MIN_HISTORY of them
    reason: str


@dataclass(frozen=True)
class TeamReport:
    team: str
    month: date
    currency: str
    spend: Decimal
    previous: Decimal | None
    change: float | None
    top_services: list[tuple[str, Decimal]]
    flags: list[GrowthFlag] = field(default_factory=list)
    developers: int | None = None
    per_developer: Decimal | None = None


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def month_add(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _team(team_ref_or_name: str | None) -> str | None:
    return team_ref(team_ref_or_name) if team_ref_or_name else None


def latest_cost_month() -> date | None:
    """The latest month that has cost lines."""
    return CostLine.objects.aggregate(latest=Max("month"))["latest"]


def _lines(*, month: date | None = None, team: str | None = None):
    qs = CostLine.objects.all()
    if month is not None:
        qs = qs.filter(month=month_start(month))
    if team is not None:
        qs = qs.filter(team=team)
    return qs


def _developers(team: str | None) -> int | None:
    count = people_count() if team is None else len(group_members(refs=[team]).get(team, []))
    return count or None


def cost_summary(*, month: date, team_ref: str | None = None) -> CostSummary:
    """One month's spend: total, attributed to a team, unallocated, by team, and per developer (the
    organisation's spend over its catalog Users, or a team's over its Group's members)."""
    month = month_start(month)
    team = _team(team_ref)
    rows = list(_lines(month=month, team=team).values("team").annotate(amount=Sum("amount")).order_by("-amount",
                                                                                                      "team"))
    by_team = [(row["team"], row["amount"]) for row in rows]
    total = sum((amount for _, amount in by_team), ZERO)
    unallocated = sum((amount for ref, amount in by_team if not ref), ZERO)
    developers = _developers(team) if by_team else None
    per_developer = (total / developers).quantize(CENT) if by_team and developers else None
    return CostSummary(month=month, currency=settings.PAVED_COST_CURRENCY, total=total,
                       attributed=total - unallocated, unallocated=unallocated, by_team=by_team,
                       developers=developers, per_developer=per_developer)


def _month_window(*, months: int, team_ref: str | None, end: date | None):
    """(months, first month, cost lines of those months and that team): `months` (1..120) months
    ending at `end`, or at the latest month with data, else this month."""
    months = max(1, min(int(months), 120))
    last = month_start(end) if end else (latest_cost_month() or month_start(date.today()))
    first = month_add(last, -(months - 1))
    team = _team(team_ref)
    qs = CostLine.objects.filter(month__gte=first, month__lte=last)
    return months, first, (qs if team is None else qs.filter(team=team))


def cost_series(*, months: int = 12, team_ref: str | None = None, end: date | None = None
                ) -> list[tuple[date, Decimal, Decimal]]:
    """(month, total, attributed) for `months` months ending at `end` (default: the latest month with
    data, else this month), oldest first; a month without lines is (month, 0, 0)."""
    months, first, qs = _month_window(months=months, team_ref=team_ref, end=end)
    rows = qs.values("month").annotate(total=Sum("amount"), attributed=Sum("amount", filter=~Q(team="")))
    found = {row["month"]: (row["total"] or ZERO, row["attributed"] or ZERO) for row in rows}
    return [(m, *found.get(m, (ZERO, ZERO))) for m in (month_add(first, i) for i in range(months))]


def month_totals(*, months: int = 12, team_ref: str | None = None, end: date | None = None
                 ) -> list[tuple[date, Decimal, int]]:
    """(month, total, number of lines) for `months` months ending at `end` (as cost_series), oldest
    first, in one query: what a per-developer figure and its trend need (a month with lines has a
    figure, one without has none)."""
    months, first, qs = _month_window(months=months, team_ref=team_ref, end=end)
    found = {row["month"]: (row["total"] or ZERO, row["lines"])
             for row in qs.values("month").annotate(total=Sum("amount"), lines=Count("id")).order_by()}
    return [(m, *found.get(m, (ZERO, 0))) for m in (month_add(first, i) for i in range(months))]


def developers(*, team_ref: str | None = None) -> int | None:
    """The people a per-developer figure divides by: the catalog's Users, or the team's members."""
    return _developers(_team(team_ref))


def attributed_share(*, month: date | None = None) -> float | None:
    """Share (0..1) of a month's spend attributed to a team; None when there is no spend."""
    month = month or latest_cost_month()
    if month is None:
        return None
    summary = cost_summary(month=month)
    if not summary.total:
        return None
    return float(summary.attributed / summary.total)


def cost_per_developer(*, month: date | None = None, team_ref: str | None = None) -> Decimal | None:
    month = month or latest_cost_month()
    if month is None:
        return None
    return cost_summary(month=month, team_ref=team_ref).per_developer


def breakdown(*, month: date, group_by: str, team_ref: str | None = None) -> list[tuple[str, Decimal]]:
    """A month's spend by one dimension (team, service, environment, cost_center, tier, source,
    attribution), largest first; '' is the lines without that label."""
    if group_by not in GROUP_BYS or group_by == "month":
        raise ValueError(f"group_by: expected one of {', '.join(g for g in GROUP_BYS if g != 'month')}")
    rows = (_lines(month=month, team=_team(team_ref)).values(group_by).annotate(amount=Sum("amount"))
            .order_by("-amount", group_by))
    return [(row[group_by], row["amount"]) for row in rows]


def months_with_data(*, limit: int = 36) -> list[date]:
    """The months that have lines, newest first."""
    return list(CostLine.objects.values_list("month", flat=True).distinct().order_by("-month")[:limit])


def teams_with_spend(*, month: date) -> list[str]:
    return list(CostLine.objects.filter(month=month_start(month)).exclude(team="").values_list("team", flat=True)
                .distinct().order_by("team"))


# --- Growth flags ---------------------------------------------------------------------------------------


def _flag(kind: str, key: str, series: dict[date, Decimal], month: date, threshold: float) -> GrowthFlag | None:
    previous_month = month_add(month, -1)
    spend = series.get(month, ZERO)
    previous = series.get(previous_month, ZERO)
    if previous <= 0:
        return None  # nothing to grow from: a new team or service is not "growth"
    change = float((spend - previous) / previous)
    if change <= threshold:
        return None
    first = min(series)
    history = []
    cursor = first
    while month_add(cursor, 1) < month:  # changes between consecutive months before `month`
        before, after = series.get(cursor, ZERO), series.get(month_add(cursor, 1), ZERO)
        if before > 0:
            history.append(float((after - before) / before))
        cursor = month_add(cursor, 1)
    limit = None
    if len(history) >= MIN_HISTORY:
        limit = statistics.fmean(history) + 2 * statistics.pstdev(history)
        if change <= limit:
            return None
    label = team_label(key) if kind == "team" else key
    why = (f"above its usual month-over-month change (mean + 2σ = {limit:+.0%})" if limit is not None
           else f"with under {MIN_HISTORY} months of history to compare")
    reason = f"{label}: {change:+.0%} month over month (threshold {threshold:+.0%}), {why}"
    return GrowthFlag(kind=kind, key=key, month=month, spend=spend, previous=previous, change=change,
                      threshold=threshold, history_limit=limit, reason=reason)


def growth_flags(*, month: date | None = None, team_ref: str | None = None) -> list[GrowthFlag]:
    """Teams and services whose spend grew month over month above PAVED_COST_GROWTH_THRESHOLD and, when
    they have at least three earlier monthly changes, above the mean + 2σ of those: largest first.
    Two queries. Unallocated spend and lines with no service are not flagged (no one to ask)."""
    month = month_start(month) if month else latest_cost_month()
    if month is None:
        return []
    team = _team(team_ref)
    qs = CostLine.objects.filter(month__gte=month_add(month, -HISTORY_MONTHS), month__lte=month)
    if team is not None:
        qs = qs.filter(team=team)
    threshold = float(settings.PAVED_COST_GROWTH_THRESHOLD)
    flags = []
    for kind, column in (("team", "team"), ("service", "service")):
        series: dict[str, dict[date, Decimal]] = defaultdict(dict)
        for row in qs.exclude(**{column: ""}).values(column, "month").annotate(amount=Sum("amount")):
            series[row[column]][row["month"]] = row["amount"]
        for key, values in series.items():
            found = _flag(kind, key, values, month, threshold)
            if found is not None:
                flags.append(found)
    return sorted(flags, key=lambda flag: (-flag.change, flag.kind, flag.key))


def team_report(*, team_ref: str, month: date) -> TeamReport:
    """A team's month: spend, change from the month before, top five services, flags, per developer."""
    team = _team(team_ref) or ""
    month = month_start(month)
    series = dict(cost_series(months=2, team_ref=team, end=month)[i][:2] for i in range(2))
    spend, previous = series[month], series[month_add(month, -1)]
    has_previous = _lines(month=month_add(month, -1), team=team).exists()
    change = float((spend - previous) / previous) if has_previous and previous > 0 else None
    services = breakdown(month=month, group_by="service", team_ref=team)
    summary = cost_summary(month=month, team_ref=team)
    return TeamReport(team=team, month=month, currency=settings.PAVED_COST_CURRENCY, spend=spend,
                      previous=previous if has_previous else None, change=change, top_services=services[:5],
                      flags=growth_flags(month=month, team_ref=team), developers=summary.developers,
                      per_developer=summary.per_developer)


# --- Exports and imports ----------------------------------------------------------------------------------

EXPORT_COLUMNS = ("month", "team", "service", "environment", "cost_center", "tier", "source", "attribution",
                  "currency", "amount")


def export_rows(*, month: date | None = None, team_ref: str | None = None):
    """The cost lines as tuples of EXPORT_COLUMNS (month as YYYY-MM), streamed from the database."""
    qs = _lines(month=month, team=_team(team_ref)).order_by("month", "team", "service", "environment", "id")
    for row in qs.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000):
        yield (f"{row[0]:%Y-%m}", *row[1:])


def import_list(*, limit: int = 20) -> list[CostImport]:
    return list(CostImport.objects.select_related("created_by").order_by("-created_at", "-id")[:limit])


def import_get(*, import_id: int) -> CostImport | None:
    return CostImport.objects.filter(pk=import_id).first()




# --- Pages ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    team: str
    amount: Decimal
    previous: Decimal | None
    change: float | None
    members: int | None
    per_developer: Decimal | None


def team_rows(*, month: date) -> list[TeamRow]:
    """Every team's spend in `month` with the month before and per developer, largest first; the
    unallocated line ('' team) last. Four queries whatever the number of teams."""
    month = month_start(month)
    rows = (CostLine.objects.filter(month__in=[month, month_add(month, -1)]).values("team", "month")
            .annotate(amount=Sum("amount")))
    now: dict[str, Decimal] = {}
    before: dict[str, Decimal] = {}
    for row in rows:
        (now if row["month"] == month else before)[row["team"]] = row["amount"]
    members = group_members(refs=[team for team in now if team])
    result = []
    for team, amount in sorted(now.items(), key=lambda item: (not item[0], -item[1], item[0])):
        previous = before.get(team)
        count = len(members.get(team, [])) if team else None
        result.append(TeamRow(team=team, amount=amount, previous=previous,
                              change=float((amount - previous) / previous) if previous else None,
                              members=count or None,
                              per_developer=(amount / count).quantize(CENT) if team and count else None))
    return result


def team_trends(*, end: date, months: int = 6) -> dict[str, list[Decimal]]:
    """Each team's spend in the `months` months up to `end`, oldest first (0 for a month without lines):
    one query for every team, for the sparklines of the team table."""
    last = month_start(end)
    first = month_add(last, -(months - 1))
    found: dict[str, dict[date, Decimal]] = defaultdict(dict)
    rows = (CostLine.objects.filter(month__gte=first, month__lte=last).values("team", "month")
            .annotate(amount=Sum("amount")))
    for row in rows:
        found[row["team"]][row["month"]] = row["amount"]
    span = [month_add(first, i) for i in range(months)]
    return {team: [values.get(m, ZERO) for m in span] for team, values in found.items()}
