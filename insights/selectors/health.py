"""Platform Health: the seed's dashboard rows and its leading/lagging indicators, from data.

Every figure is computed from stored rows or from the public reads of the apps that hold them:
the catalog (teams, people), the scaffolder (lineage, runs), surveys (NPS, scores), insights'
delivery data (`insights.selectors.dora`) and cost data (`insights.selectors.cost`), scorecards
(golden-path checks, through `source_register`, see below), and this module's own tables (ticket
counts, headcount, uptime). A figure without data is None with `needs` saying what is missing and
how to send it; nothing here invents a number.

Scorecards sits beside insights (one layer), so neither may import the other: the portal, above
both, registers scorecards' reads here at start-up (`portal/measurement.py`). Without them the
golden-path figure counts template-made services only, and the team page shows no grades.

CONTRACT (maturity reads it): `metric(key=..., team_ref=...)` and `dashboard(team_ref=..., period=...)`.
"""

import hashlib
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from catalog.models import Entity
from catalog.selectors import existing_refs
from catalog.selectors.teams import people as catalog_people
from catalog.selectors.teams import team_component_refs, team_list
from catalog.selectors.teams import team_get as catalog_team_get
from insights.models.health import HeadcountMonth, TicketCount, UptimeDay
from scaffolding.selectors import run_counts_by_month, scaffolded_components
from surveys.selectors import campaign_scores, min_group_size

PERIODS = {"30d": 30, "90d": 90, "180d": 180, "365d": 365}
DEFAULT_PERIOD = "90d"
TREND_MONTHS = 12
KEYS = ("golden_path_adoption", "self_service_rate", "developer_nps", "onboarding_days", "service_creation_hours",
        "deploy_frequency", "mttr_hours", "platform_uptime", "cost_per_developer")

# --- Sources registered by an app above (scorecards' reads) ------------------------------------

_SOURCES: dict[str, Callable] = {}


def source_register(name: str, fn: Callable) -> None:
    """`golden_path_passing(component_refs) -> set[str]` (components passing every golden-path check)
    and `grade_distribution(component_refs) -> list[(grade, count)]`; registered by the portal."""
    _SOURCES[name] = fn


def source(name: str) -> Callable | None:
    return _SOURCES.get(name)


def _dora():
    """insights.selectors.dora (delivery data), or None in a build without it."""
    try:
        from insights.selectors import dora
    except ImportError:
        return None
    return dora


def _cost():
    try:
        from insights.selectors import cost
    except ImportError:
        return None
    return cost


# --- The figure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: float | None
    unit: str
    previous: float | None
    trend: list[float | None]
    target: str
    needs: str | None
    link: str
    trend_labels: list[str] = field(default_factory=list)
    higher_is_better: bool = True
    note: str = ""

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def improved(self) -> bool | None:
        if self.change is None or self.change == 0:
            return None
        return (self.change > 0) == self.higher_is_better


@dataclass(frozen=True)
class Window:
    """The period asked for, the one before it, and the trend's months (first days)."""

    start: datetime
    end: datetime
    previous_start: datetime
    months: list[date]

    @property
    def trend_start(self) -> datetime:
        return _aware(self.months[0])


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window(*, period: str = DEFAULT_PERIOD, now: datetime | None = None) -> Window:
    days = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])
    end = now or timezone.now()
    this_month = timezone.localtime(end).date().replace(day=1)
    months = [_month_add(this_month, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    return Window(start=end - timedelta(days=days), end=end, previous_start=end - timedelta(days=2 * days),
                  months=months)


def _link(key: str, team_ref: str | None, period: str) -> str:
    query = {"period": period, **({"team": team_ref} if team_ref else {})}
    return f"{reverse('insights:figure', args=[key])}?{urlencode(query)}"


def _labels(win: Window) -> list[str]:
    return [m.strftime("%Y-%m") for m in win.months]


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _number(value) -> float | None:
    """Numbers from the other engineers' reads: a number, or an object carrying one."""
    if value is None:
        return None
    for attr in ("value", "amount", "cost_per_developer", "per_developer"):
        if hasattr(value, attr):
            return _number(getattr(value, attr))
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class _Context:
    """What several rows share, read once per dashboard: the team's components and people, and
    DORA over the period, the one before and the trend's months."""

    def __init__(self, *, team_ref: str | None, period: str, now: datetime | None = None):
        self.team_ref = team_ref.lower() if team_ref else None
        self.period = period if period in PERIODS else DEFAULT_PERIOD
        self.win = window(period=self.period, now=now)
        self._cache: dict = {}

    def once(self, name: str, compute: Callable):
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    @property
    def component_refs(self) -> list[str] | None:
        """The team's components; None for the whole organisation."""
        if self.team_ref is None:
            return None
        return self.owners().get(self.team_ref, [])

    def owners(self) -> dict[str, list[str]]:
        """Component refs by owner, for the team or the whole organisation (one read per request)."""
        return self.once("owners", lambda: team_component_refs(team_refs=[self.team_ref] if self.team_ref else None))

    def owner_counts(self) -> dict[str, int]:
        """Components per owner ref across the organisation: one grouped query (a row per owner, not a
        row per component: the organisation view needs counts, never the 10,000 refs)."""
        return self.once("owner_counts", lambda: dict(
            Entity.objects.filter(ref__startswith="component:").values_list("owner_ref").annotate(n=Count("id"))
            .order_by()))

    def team_count(self) -> int:
        def read():
            if self.team_ref:
                return 1
            teams = {t.ref for t in team_list()}
            owners = self.owner_counts()
            return max(len([o for o in owners if o in teams]) or len(owners), 1)
        return self.once("team_count", read)

    def dora(self, name: str):
        mod = _dora()
        if mod is None:
            return None
        win, refs = self.win, self.component_refs

        # The delivery reads take whole days, both ends included: the period is its last `days` days.
        day = timezone.localdate
        today, start, previous = day(win.end), day(win.start), day(win.previous_start)

        def read():
            if hasattr(mod, "dora_windows"):
                return self.once("dora:windows", lambda: self._dora_windows(mod, today, start, previous))[name]
            if name == "current":
                return mod.dora_keys(start=start + timedelta(days=1), end=today, component_refs=refs)
            if name == "previous":
                return mod.dora_keys(start=previous + timedelta(days=1), end=start, component_refs=refs)
            return dict(mod.dora_series(start=win.months[0], end=today, bucket="month", component_refs=refs))
        return self.once(f"dora:{name}", read)


    def _dora_windows(self, mod, today: date, start: date, previous: date) -> dict:
        """The period, the one before and each trend month from one read of the roll-ups (the same
        figures as dora_keys twice and dora_series by month)."""
        months = {m: (m, min(_month_add(m, 1) - timedelta(days=1), today)) for m in self.win.months if m <= today}
        keys = mod.dora_windows(windows={"current": (start + timedelta(days=1), today),
                                         "previous": (previous + timedelta(days=1), start),
                                         **{m.isoformat(): span for m, span in months.items()}},
                                component_refs=self.component_refs)
        return {"current": keys["current"], "previous": keys["previous"],
                "series": {m: keys[m.isoformat()] for m in months}}


def _dora_month(series: dict, month: date):
    for key, keys in series.items():
        day = key.date() if isinstance(key, datetime) else key
        if day.year == month.year and day.month == month.month:
            return keys
    return None


# --- The rows ----------------------------------------------------------------------------------

ADOPTION_NEEDS = ("No services in the catalog for this scope. Register components (catalog-info.yaml) and "
                  "create new ones from a template so lineage records them.")


def _golden_path(ctx: _Context) -> dict:
    total = sum(ctx.owner_counts().values()) if ctx.team_ref is None else len(ctx.component_refs or [])
    if not total:
        return {"value": None, "previous": None, "trend": [], "needs": ADOPTION_NEEDS}
    lineage = scaffolded_components(entity_refs=ctx.component_refs)
    if ctx.team_ref is None:
        # The whole organisation: every lineage row, kept when the catalog still holds the component
        # (asked for the template-made refs only, not by reading all 10,000 components).
        stored = existing_refs(refs=[ref for ref in lineage if ref.startswith("component:")])
        made = {ref: when for ref, when in lineage.items() if ref in stored}
    else:
        wanted = set(ctx.component_refs or [])
        made = {ref: when for ref, when in lineage.items() if ref in wanted}
    share_fn = source("golden_path_share")
    passing = share_fn([ctx.team_ref] if ctx.team_ref else None) if share_fn else None
    made_share = len(made) / total
    # On a golden path: made from a template, or passing every check of the golden-path scorecard. The
    # union is at least the larger of the two shares (the two reads do not name the same services).
    value = max(made_share, passing) if passing is not None else made_share

    def made_at(moment: datetime) -> float:
        return len([ref for ref, when in made.items() if when and when < moment]) / total
    trend = [made_at(_aware(_month_add(m, 1))) for m in ctx.win.months]
    note = f"Made from a template (scaffolder lineage): {made_share:.0%} of {total} components"
    if passing is not None:
        note += (f"; passing every check of the golden-path scorecard: {passing:.0%}. The figure is at "
                 "least the larger of the two. The trend shows the template-made share.")
    elif share_fn is None:
        note += "; scorecards' golden-path checks are not connected in this build."
    else:
        note += "; the golden-path scorecard has judged no service yet."
    return {"value": value, "previous": made_at(ctx.win.start) if passing is None else None, "trend": trend,
            "needs": None, "note": note}


TICKETS_NEEDS = ("No ticket counts imported for this period. Send the ticket system's monthly counts as CSV "
                 "(month,team,category,count) to POST /api/insights/tickets, or have its webhook post them.")


def _team_people_refs(ctx: _Context) -> list[str] | None:
    if ctx.team_ref is None:
        return None
    return ctx.once("people_refs", lambda: [p.ref for p in catalog_people(team_ref=ctx.team_ref)])


def _tickets_by_month(ctx: _Context) -> dict[date, int]:
    def read():
        rows = TicketCount.objects.filter(month__gte=ctx.win.months[0])
        if ctx.team_ref is not None:
            rows = rows.filter(team_ref=ctx.team_ref)
        return dict(rows.values("month").annotate(n=Sum("count")).order_by().values_list("month", "n"))
    return ctx.once("tickets_by_month", read)


def _runs_by_month(ctx: _Context) -> dict[date, int]:
    return ctx.once("runs_by_month", lambda: run_counts_by_month(
        start=ctx.win.previous_start if ctx.win.previous_start < ctx.win.trend_start else ctx.win.trend_start,
        end=ctx.win.end, created_by_refs=_team_people_refs(ctx)))


def _self_service(ctx: _Context) -> dict:
    runs, tickets = _runs_by_month(ctx), _tickets_by_month(ctx)

    def rate(start: datetime, end: datetime) -> float | None:
        first, last = timezone.localtime(start).date().replace(day=1), timezone.localtime(end).date()
        automated = sum(n for m, n in runs.items() if first <= m <= last)
        ticketed = sum(n for m, n in tickets.items() if first <= m <= last)
        if not ticketed and not any(first <= m <= last for m in tickets):
            return None  # without ticket counts the share would be a made-up 100%
        return automated / (automated + ticketed) if automated + ticketed else None

    trend = []
    for m in ctx.win.months:
        trend.append(rate(_aware(m), _aware(_month_add(m, 1)) - timedelta(seconds=1)))
    value = rate(ctx.win.start, ctx.win.end)
    return {"value": value, "previous": rate(ctx.win.previous_start, ctx.win.start), "trend": trend,
            "needs": TICKETS_NEEDS if value is None else None,
            "note": "Finished scaffolder tasks vs requests that needed a ticket (imported counts)."}


def _nps(ctx: _Context) -> dict:
    scores = [s for s in campaign_scores(team_ref=ctx.team_ref) if s.nps is not None]
    value = scores[-1].nps if scores else None
    previous = scores[-2].nps if len(scores) > 1 else None
    needs = None if scores else (
        f"No survey with at least {min_group_size()} answers{' from this team' if ctx.team_ref else ''} yet. "
        "Run a Developer Experience survey (Surveys) that includes the Developer NPS question.")
    return {"value": value, "previous": previous, "trend": [s.nps for s in scores[-8:]],
            "trend_labels": [s.quarter for s in scores[-8:]], "needs": needs,
            "note": f"Latest survey ({scores[-1].quarter}) against the one before." if scores else ""}


def _start_dates(ctx: _Context) -> dict[str, date]:
    """e-mail (or name) -> first day: the catalog's start-date annotation, else the first sign-in."""
    def read():
        persons = catalog_people(team_ref=ctx.team_ref)
        out: dict[str, date] = {}
        missing = {}
        for p in persons:
            key = p.email or p.name
            if p.start_date:
                out[key] = p.start_date
            else:
                missing[p.name.lower()] = key
        if missing:
            accounts = get_user_model().objects.filter(username__in=list(missing)).values_list("username",
                                                                                               "date_joined")
            for username, joined in accounts:
                out[missing[username.lower()]] = timezone.localtime(joined).date()
        return out
    return ctx.once("start_dates", read)


def _onboarding(ctx: _Context) -> dict:
    mod = _dora()
    starts = _start_dates(ctx)
    if mod is None or not starts:
        return {"value": None, "previous": None, "trend": [], "needs": (
            "No first days known. Give User entities the paved.dev/start-date annotation (YYYY-MM-DD), or "
            "have people sign in to Paved." if not starts else
            "No delivery data: send pushes and deployments (GitHub/GitLab webhooks or POST /api/events).")}
    first = mod.first_activity(people=sorted(starts))
    samples = []  # (when the first activity happened, days it took)
    for who, when in (first or {}).items():
        day = starts.get(who)
        if when is None or day is None:
            continue
        days = (timezone.localtime(when).date() - day).days if isinstance(when, datetime) else (when - day).days
        if days >= 0:
            samples.append((when if isinstance(when, datetime) else _aware(when), float(days)))
    return _median_row(ctx, samples, needs=(
        "Nobody with a known first day has a commit or deployment yet. Send pushes with the author's "
        "e-mail (GitHub/GitLab push webhooks or POST /api/events changes)."),
        note="Median days from a person's first day to their first commit or deployment.")


def _median_row(ctx: _Context, samples: list[tuple[datetime, float]], *, needs: str, note: str) -> dict:
    def median_in(start: datetime, end: datetime) -> float | None:
        return _median([v for when, v in samples if start <= when < end])
    trend = [median_in(_aware(m), _aware(_month_add(m, 1))) for m in ctx.win.months]
    value = median_in(ctx.win.start, ctx.win.end)
    if value is not None:
        needs = None
    elif samples:
        needs = (f"None in this period ({len(samples)} recorded earlier, the latest on "
                 f"{max(when for when, _v in samples):%Y-%m-%d}): choose a longer period.")
    return {"value": value, "previous": median_in(ctx.win.previous_start, ctx.win.start), "trend": trend,
            "needs": needs, "note": note}


def _service_creation(ctx: _Context) -> dict:
    mod = _dora()
    made = scaffolded_components(entity_refs=ctx.component_refs) if ctx.component_refs != [] else {}
    if mod is None or not made:
        return {"value": None, "previous": None, "trend": [], "needs": (
            "No service was made from a template yet: create one with the scaffolder (Create)." if not made else
            "No delivery data: send deployments (GitHub/GitLab/Argo CD webhooks or POST /api/events).")}
    deploys = mod.first_production_deploys(component_refs=sorted(made)) or {}
    samples = [(when, (when - made[ref]).total_seconds() / 3600) for ref, when in deploys.items()
               if when and made.get(ref) and when >= made[ref]]
    return _median_row(ctx, samples, needs=(
        "Services made from templates have no production deployment in this period. Send deployments with "
        "environment production."), note="Median hours from the scaffolder task's start to the created "
                                         "component's first production deployment.")


DORA_NEEDS = ("No deployments in this period. Send them from GitHub/GitLab (deployment_status), Argo CD "
              "notifications or POST /api/events.")


def _deploy_frequency(ctx: _Context) -> dict:
    if _dora() is None:
        return {"value": None, "previous": None, "trend": [], "needs": DORA_NEEDS}
    teams = ctx.team_count()

    def per_team(keys) -> float | None:
        if keys is None or not getattr(keys, "deployments", 0):
            return None
        return keys.deploys_per_day / teams
    series = ctx.dora("series")
    value = per_team(ctx.dora("current"))
    return {"value": value, "previous": per_team(ctx.dora("previous")),
            "trend": [per_team(_dora_month(series, m)) for m in ctx.win.months],
            "needs": DORA_NEEDS if value is None else None,
            "note": "Production deployments per day" + (" for this team." if ctx.team_ref else
                                                        f", divided by the {teams} teams that own services.")}


MTTR_NEEDS = ("No resolved incidents in this period. Send them from PagerDuty (V3 webhooks), GitHub/GitLab "
              "incident issues or POST /api/events.")


def _mttr(ctx: _Context) -> dict:
    if _dora() is None:
        return {"value": None, "previous": None, "trend": [], "needs": MTTR_NEEDS}

    def hours(keys) -> float | None:
        return None if keys is None else keys.restore_hours
    series = ctx.dora("series")
    value = hours(ctx.dora("current"))
    return {"value": value, "previous": hours(ctx.dora("previous")),
            "trend": [hours(_dora_month(series, m)) for m in ctx.win.months],
            "needs": MTTR_NEEDS if value is None else None,
            "note": "Median hours from an incident opening to its resolution."}


UPTIME_NEEDS = ("No availability recorded yet. Paved records its own once a minute when the Celery worker and "
                "beat run; post other components' checks to POST /api/insights/checks.")


def _uptime_sums(rows) -> dict[str, list]:
    sums: dict[str, list] = {}
    for row in rows:
        acc = sums.setdefault(row["component"], [0, 0, row["since"]])
        acc[0] += row["ok_n"] or 0
        acc[1] += row["failed_n"] or 0
        acc[2] = min(acc[2], row["since"])
    return sums


def _uptime_share(sums: dict[str, list], start: datetime, end: datetime) -> dict[str, float | None]:
    """Share of checks passed per component from (ok, failed, first check) sums over [start, end].
    Paved's own share is its passing minutes over the minutes since it began recording (a missing
    minute was down)."""
    out: dict[str, float | None] = {}
    for component, (ok, failed, since) in sums.items():
        if component == UptimeDay.PAVED:
            expected = max((end - max(since, start)).total_seconds() // 60, 1)
            out[component] = min(ok / expected, 1.0)
        else:
            out[component] = ok / (ok + failed) if ok + failed else None
    return out


def _uptime_query(start: datetime, end: datetime):
    return UptimeDay.objects.filter(day__gte=timezone.localdate(start), day__lte=timezone.localdate(end))


def uptime_by_component(*, start: datetime, end: datetime) -> dict[str, float | None]:
    """Share of checks passed per platform component in [start, end] (one query)."""
    rows = _uptime_query(start, end).values("component").annotate(
        ok_n=Sum("ok"), failed_n=Sum("failed"), since=Min("first_at")).order_by()
    return _uptime_share(_uptime_sums(rows), start, end)


def _uptime(ctx: _Context) -> dict:
    def lowest(shares: dict) -> float | None:
        values = [v for v in shares.values() if v is not None]
        return min(values) * 100 if values else None
    monthly = _uptime_query(ctx.win.trend_start, ctx.win.end).annotate(month=TruncMonth("day")).values(
        "month", "component").annotate(ok_n=Sum("ok"), failed_n=Sum("failed"), since=Min("first_at")).order_by()
    by_month: dict[date, list] = {}
    for row in monthly:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        by_month.setdefault(month, []).append(row)
    trend = [lowest(_uptime_share(_uptime_sums(by_month.get(m, [])), _aware(m),
                                  min(_aware(_month_add(m, 1)), ctx.win.end))) for m in ctx.win.months]
    value = lowest(uptime_by_component(start=ctx.win.start, end=ctx.win.end))
    return {"value": value, "previous": lowest(uptime_by_component(start=ctx.win.previous_start, end=ctx.win.start)),
            "trend": trend, "needs": UPTIME_NEEDS if value is None else None,
            "note": "The least available platform component (Paved itself and posted checks), in percent."}


COST_NEEDS = ("No cost data imported. Import a FOCUS or AWS CUR CSV, or OpenCost's allocation JSON "
              "(Insights → Cost → Import).")


def _cost_per_developer(ctx: _Context) -> dict:
    mod = _cost()
    latest = mod.latest_cost_month() if mod is not None else None
    if latest is None:
        return {"value": None, "previous": None, "trend": [], "needs": COST_NEEDS}
    latest = latest.date() if isinstance(latest, datetime) else latest
    if hasattr(mod, "month_totals"):
        return _cost_from_totals(ctx, mod, latest)
    summary = mod.cost_summary(month=latest, team_ref=ctx.team_ref)
    value = _number(getattr(summary, "per_developer", None))
    previous = _number(mod.cost_per_developer(month=_month_add(latest, -1), team_ref=ctx.team_ref))
    developers = getattr(summary, "developers", None)
    # The trend divides each month's spend by today's people, as cost_per_developer does.
    series = mod.cost_series(months=TREND_MONTHS, team_ref=ctx.team_ref, end=latest)
    trend = [float(total) / developers if developers and total else None for _month, total, *_rest in series]
    return {"value": value, "previous": previous, "trend": trend,
            "trend_labels": [month.strftime("%Y-%m") for month, *_rest in series],
            "needs": None if value is not None else "No people in the catalog for this scope, or no cost "
                                                       "attributed to it. " + COST_NEEDS,
            "note": f"Attributed spend in {latest:%B %Y} divided by the people in the team(s) (catalog)."}


def _cost_from_totals(ctx: _Context, mod, latest: date) -> dict:
    """The same figures as cost_summary, cost_per_developer and cost_series give, from one read of the
    trend's monthly totals and one count of people (two queries instead of five)."""
    series = mod.month_totals(months=TREND_MONTHS, team_ref=ctx.team_ref, end=latest)
    totals = {month: (total, lines) for month, total, lines in series}
    before = _month_add(latest, -1)
    has = {m: totals.get(m, (0, 0))[1] > 0 for m in (latest, before)}
    people = mod.developers(team_ref=ctx.team_ref) if any(has.values()) else None

    def per_developer(month: date) -> float | None:
        # cost_summary: a month without lines, or a scope without people, has no figure.
        return float((totals[month][0] / people).quantize(mod.CENT)) if has[month] and people else None
    value = per_developer(latest)
    developers = people if has[latest] else None
    trend = [float(total) / developers if developers and total else None for _month, total, _n in series]
    return {"value": value, "previous": per_developer(before), "trend": trend,
            "trend_labels": [month.strftime("%Y-%m") for month, *_rest in series],
            "needs": None if value is not None else "No people in the catalog for this scope, or no cost "
                                                       "attributed to it. " + COST_NEEDS,
            "note": f"Attributed spend in {latest:%B %Y} divided by the people in the team(s) (catalog)."}


@dataclass(frozen=True)
class Row:
    label: str
    unit: str
    target: str
    compute: Callable[[_Context], dict]
    higher_is_better: bool = True


def _slo_target() -> str:
    return f"≥ {settings.PAVED_PLATFORM_SLO:g}% (SLO)"


# Targets are the seed's figures for a mature platform ("Measuring Platform Success").
ROWS: dict[str, Row] = {
    "golden_path_adoption": Row("Adoption", "ratio", "≥ 78% of services on golden paths", _golden_path),
    "self_service_rate": Row("Self-Service Rate", "ratio", "≥ 92% of requests automated", _self_service),
    "developer_nps": Row("Developer NPS", "points", "≥ +42", _nps),
    "onboarding_days": Row("Onboarding Time", "days", "≤ 1.5 days", _onboarding, False),
    "service_creation_hours": Row("Service Creation", "hours", "≤ 8 minutes (0.13 h)", _service_creation, False),
    "deploy_frequency": Row("Deploy Frequency", "deploys/day/team", "≥ 12 deploys/day/team", _deploy_frequency),
    "mttr_hours": Row("MTTR", "hours", "≤ 22 minutes (0.37 h)", _mttr, False),
    "platform_uptime": Row("Platform Uptime", "percent", "", _uptime),
    "cost_per_developer": Row("Cost per Developer", "per month", "falling month over month", _cost_per_developer,
                              False),
}


def _metric(key: str, ctx: _Context) -> Metric:
    row = ROWS[key]
    data = row.compute(ctx)
    labels = data.get("trend_labels") or _labels(ctx.win)
    return Metric(key=key, label=row.label, value=data["value"], unit=row.unit, previous=data.get("previous"),
                  trend=list(data.get("trend") or []), target=row.target or _slo_target(), needs=data.get("needs"),
                  link=_link(key, ctx.team_ref, ctx.period), trend_labels=labels[-len(data.get("trend") or []):]
                  if data.get("trend") else [], higher_is_better=row.higher_is_better, note=data.get("note", ""))


def metric(*, key: str, team_ref: str | None = None, period: str = DEFAULT_PERIOD) -> Metric | None:
    """One dashboard row; None for an unknown key."""
    if key not in ROWS:
        return None
    return _metric(key, _Context(team_ref=team_ref, period=period))


def dashboard(*, team_ref: str | None = None, period: str = DEFAULT_PERIOD) -> list[Metric]:
    """Every row of the seed's Platform Health dashboard, in its order."""
    ctx = _Context(team_ref=team_ref, period=period)
    return [_metric(key, ctx) for key in KEYS]


# --- Leading and lagging indicators (the seed's table) ---------------------------------------------


@dataclass(frozen=True)
class Indicator:
    key: str
    kind: str  # "leading" or "lagging"
    label: str
    tells: str
    unit: str
    labels: list[str]
    values: list[float | None]
    needs: str | None
    link: str


def _monthly(ctx: _Context, by_month: dict[date, float | int]) -> list[float | None]:
    return [float(by_month[m]) if m in by_month else None for m in ctx.win.months]


def _ind_templates(ctx: _Context) -> tuple[list, str | None]:
    runs = _runs_by_month(ctx)
    values = [float(runs.get(m, 0)) for m in ctx.win.months]
    return values, None if any(values) else "No scaffolder tasks yet: create a service from a template (Create)."


def _ind_surveys(ctx: _Context) -> tuple[list, str | None, list[str]]:
    scores = [s for s in campaign_scores(team_ref=ctx.team_ref) if s.mean is not None][-8:]
    return ([s.mean for s in scores], None if scores else
            f"No survey with at least {min_group_size()} answers yet (Surveys).", [s.quarter for s in scores])


def _ind_tickets(ctx: _Context) -> tuple[list, str | None]:
    tickets = _tickets_by_month(ctx)
    return _monthly(ctx, tickets), None if tickets else TICKETS_NEEDS


def _ind_dora(ctx: _Context) -> tuple[list, str | None]:
    if _dora() is None:
        return [], DORA_NEEDS
    series = ctx.dora("series")
    values = [getattr(_dora_month(series, m), "lead_time_hours", None) for m in ctx.win.months]
    return values, None if any(v is not None for v in values) else (
        "No changes with a production deployment yet. Send pushes and deployments (webhooks or POST /api/events).")


ATTRITION_NEEDS = ("No headcount imported. The catalog keeps no history of who left, so send an HR export as CSV "
                   "(month,team,headcount,leavers) to POST /api/insights/headcount.")


def _ind_attrition(ctx: _Context) -> tuple[list, str | None]:
    rows = HeadcountMonth.objects.filter(month__gte=ctx.win.months[0])
    if ctx.team_ref is not None:
        rows = rows.filter(team_ref=ctx.team_ref)
    sums = {m: (h, n) for m, h, n in rows.values("month").annotate(h=Sum("headcount"), n=Sum("leavers"))
            .order_by().values_list("month", "h", "n")}
    values = [round(100 * sums[m][1] / sums[m][0], 2) if m in sums and sums[m][0] else None for m in ctx.win.months]
    return values, None if sums else ATTRITION_NEEDS


def _ind_incidents(ctx: _Context) -> tuple[list, str | None]:
    if _dora() is None:
        return [], MTTR_NEEDS
    # The monthly four keys already hold each month's incidents (incident_counts would read them again).
    series = ctx.dora("series")
    values = [float(getattr(_dora_month(series, m), "incidents", 0) or 0) for m in ctx.win.months]
    return values, None if any(values) else "No incidents recorded yet (PagerDuty V3 webhooks or POST /api/events)."


INDICATORS = (
    ("template_usage", "leading", "Template usage trend", "Future adoption", "tasks/month", _ind_templates),
    ("survey_scores", "leading", "Developer survey scores", "Future satisfaction", "mean 1-5", _ind_surveys),
    ("support_tickets", "leading", "Platform support ticket trend", "Future self-service rate", "tickets/month",
     _ind_tickets),
    ("dora_improvement", "lagging", "DORA metrics improvement (lead time)", "Platform impact on delivery",
     "hours", _ind_dora),
    ("attrition", "lagging", "Developer attrition rate", "Long-term developer satisfaction", "% per month",
     _ind_attrition),
    ("incident_count", "lagging", "Incident count trend", "Platform quality impact", "incidents/month",
     _ind_incidents),
)


def _indicator(spec: tuple, ctx: _Context) -> Indicator:
    key, kind, label, tells, unit, compute = spec
    result = compute(ctx)
    values, needs = result[0], result[1]
    labels = result[2] if len(result) > 2 else _labels(ctx.win)
    return Indicator(key=key, kind=kind, label=label, tells=tells, unit=unit, labels=labels, values=values,
                     needs=needs, link=_link(key, ctx.team_ref, ctx.period))


def indicators(*, team_ref: str | None = None, period: str = DEFAULT_PERIOD) -> list[Indicator]:
    ctx = _Context(team_ref=team_ref, period=period)
    return [_indicator(spec, ctx) for spec in INDICATORS]


def health_overview(*, team_ref: str | None = None, period: str = DEFAULT_PERIOD, cached: bool = False
                    ) -> tuple[list[Metric], list[Indicator]]:
    """The dashboard and the indicators together, sharing their reads (the pages use this). With
    `cached`, an answer up to PAVED_INSIGHTS_HEALTH_CACHE_SECONDS old may be reused: the figures are
    months and quarters, and the delivery reads behind them cost most of a request."""
    def compute():
        ctx = _Context(team_ref=team_ref, period=period)
        return [_metric(key, ctx) for key in KEYS], [_indicator(spec, ctx) for spec in INDICATORS]
    ttl = settings.PAVED_INSIGHTS_HEALTH_CACHE_SECONDS
    if not cached or ttl <= 0:
        return compute()
    key = "insights-health:" + hashlib.sha256(f"{team_ref or ''}|{period}".encode()).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, ttl)
    return found


def indicator(*, key: str, team_ref: str | None = None, period: str = DEFAULT_PERIOD) -> Indicator | None:
    spec = next((s for s in INDICATORS if s[0] == key), None)
    return None if spec is None else _indicator(spec, _Context(team_ref=team_ref, period=period))


# --- The team page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamOverview:
    team: object  # the Group entity
    component_keys: list[tuple[str, object]]  # (component ref, DoraKeys or None)
    cost: object | None
    cost_month: date | None
    surveys: list  # CampaignScore rows shown under the k rule
    grades: list[tuple[str, list[tuple[str, int]]]] | None  # per scorecard; None when not connected
    needs: dict[str, str]


def teams() -> list:
    """Teams for the filter: Groups of type team, by name."""
    return team_list()


def team_get(*, team_ref: str):
    return catalog_team_get(ref=team_ref)


def team_overview(*, team_ref: str, period: str = DEFAULT_PERIOD) -> TeamOverview | None:
    team = team_get(team_ref=team_ref)
    if team is None:
        return None
    ctx = _Context(team_ref=team.ref, period=period)
    refs = ctx.component_refs or []
    needs: dict[str, str] = {}
    dora = _dora()
    keys = []
    if dora is None:
        needs["delivery"] = DORA_NEEDS
    else:
        for ref in refs:
            keys.append((ref, dora.dora_keys(start=timezone.localdate(ctx.win.start) + timedelta(days=1),
                                             end=timezone.localdate(ctx.win.end), component_refs=[ref])))
    cost_mod, cost, month = _cost(), None, None
    if cost_mod is not None:
        month = cost_mod.latest_cost_month()
        cost = cost_mod.cost_summary(month=month, team_ref=team.ref) if month else None
        if cost is not None and not _number(getattr(cost, "total", None)):
            cost = None  # nothing attributed to the team that month
    if cost is None:
        needs["cost"] = COST_NEEDS
    shown = [s for s in campaign_scores(team_ref=team.ref) if s.nps is not None or s.mean is not None]
    if not shown:
        needs["surveys"] = (f"No survey has at least {min_group_size()} answers from this team, so none of its "
                            "answers may be shown.")
    grades_fn = source("grade_distribution")
    grades = list(grades_fn([team.ref])) if grades_fn else None
    if grades_fn is None:
        needs["grades"] = "Scorecards are not connected in this build."
    return TeamOverview(team=team, component_keys=keys, cost=cost, cost_month=month, surveys=shown[-4:],
                        grades=grades, needs=needs)
