"""Fakes of the delivery (insights.selectors.dora) and cost (insights.selectors.cost) reads, shaped as
their CONTRACTS say, for Platform Health tests that must not depend on how those are computed."""

from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from django.utils import timezone


@dataclass
class Keys:
    deployments: int = 0
    deploys_per_day: float = 0.0
    lead_time_hours: float | None = None
    change_failure_rate: float | None = None
    restore_hours: float | None = None
    incidents: int = 0
    unresolved_incidents: int = 0
    bands: dict = field(default_factory=dict)


def fake_dora(*, current: Keys, previous: Keys, series: list[tuple[date, Keys]] | None = None,
              first_deploys: dict | None = None, first_activity: dict | None = None,
              incidents: dict | None = None, calls: list | None = None):
    calls = calls if calls is not None else []

    def dora_keys(*, start: datetime, end: datetime, component_refs=None):
        calls.append(("dora_keys", start, end, component_refs))
        # The window that ends now is the current period; the one before it ends where it starts.
        assert isinstance(start, date) and not isinstance(start, datetime)  # whole days, as the contract says
        return current if end == timezone.localdate() else previous

    def dora_series(*, start, end, bucket="week", component_refs=None):
        calls.append(("dora_series", bucket, component_refs))
        return list(series or [])

    def first_production_deploys(*, component_refs):
        calls.append(("first_production_deploys", tuple(component_refs)))
        return {ref: when for ref, when in (first_deploys or {}).items() if ref in component_refs}

    def first_activity_fn(*, people):
        calls.append(("first_activity", tuple(people)))
        return {who: when for who, when in (first_activity or {}).items() if who in people}

    def incident_counts(*, start, end, bucket="month", component_refs=None):
        return dict(incidents or {})

    return SimpleNamespace(dora_keys=dora_keys, dora_series=dora_series, first_activity=first_activity_fn,
                           first_production_deploys=first_production_deploys, incident_counts=incident_counts,
                           calls=calls)


def fake_cost(*, per_developer: dict[tuple[date, str | None], float], latest: date | None, developers: int = 4):
    """cost_per_developer as given; each month's spend is that times `developers`."""

    def cost_per_developer(*, month=None, team_ref=None):
        return per_developer.get((month or latest, team_ref))

    def cost_summary(*, month, team_ref=None):
        per_dev = per_developer.get((month, team_ref))
        total = 0 if per_dev is None else per_dev * developers
        return SimpleNamespace(month=month, total=total, currency="USD", developers=developers if total else None,
                               per_developer=per_dev)

    def cost_series(*, months=12, team_ref=None, end=None):
        out = []
        for i in range(months - 1, -1, -1):
            index = end.year * 12 + end.month - 1 - i
            month = date(index // 12, index % 12 + 1, 1)
            per_dev = per_developer.get((month, team_ref))
            total = 0 if per_dev is None else per_dev * developers
            out.append((month, total, total))
        return out

    return SimpleNamespace(cost_per_developer=cost_per_developer, cost_summary=cost_summary, cost_series=cost_series,
                           latest_cost_month=lambda: latest)
