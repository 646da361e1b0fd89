"""Platform Health's shared reads (one read of the DORA windows, one of the cost months, owner counts
for the organisation) give exactly the figures of the per-figure reads they replaced, on real roll-ups
and cost lines; and the organisation dashboard's query count does not grow with the data."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from insights.lib import dora as dora_lib
from insights.models import CostLine, DeliveryDay
from insights.selectors import cost as cost_mod
from insights.selectors import dora as dora_mod
from insights.selectors import health
from insights.services.rollups import delivery_months_rebuild
from scaffolding.models import ScaffoldedRepository, ScaffoldRun

pytestmark = pytest.mark.django_db
TEAMS = {"group:default/team-a": "component:default/orders", "group:default/team-b": "component:default/billing"}


def _rollups(rng: random.Random, days: int = 400) -> None:
    today = timezone.localdate()
    rows = []
    for ref in [*TEAMS.values(), DeliveryDay.ORG]:
        for offset in rng.sample(range(days), days // 2):
            lead, restore = {}, {}
            for _ in range(rng.randint(0, 5)):
                dora_lib.hist_add(lead, rng.expovariate(1 / 30000))
            for _ in range(rng.randint(0, 2)):
                dora_lib.hist_add(restore, rng.expovariate(1 / 9000))
            n = rng.randint(0, 6)
            rows.append(DeliveryDay(component_ref=ref, day=today - timedelta(days=offset), deployments=n,
                                    failed_deployments=rng.randint(0, n), changes=rng.randint(0, 8), lead_hist=lead,
                                    incidents=rng.randint(0, 2), unresolved=0, restore_hist=restore))
    DeliveryDay.objects.bulk_create(rows)
    delivery_months_rebuild()  # the days written directly: their months summed as the deltas would


def _costs(rng: random.Random) -> None:
    month = timezone.localdate().replace(day=1)
    lines = []
    for back in range(14):
        index = month.year * 12 + month.month - 1 - back
        first = month.replace(year=index // 12, month=index % 12 + 1)
        for team in [*TEAMS, ""]:
            if back == 1 and team == "group:default/team-b":
                continue  # a month without lines for one team: no figure, not zero
            for _ in range(3):
                lines.append(CostLine(month=first, source="t", team=team, service="s", currency="USD",
                                      amount=Decimal(rng.randint(1, 10**8)) / Decimal(10**6)))
    CostLine.objects.bulk_create(lines)


@pytest.fixture
def data(org):
    rng = random.Random(3)
    _rollups(rng)
    _costs(rng)
    run = ScaffoldRun.objects.create(template_ref="template:default/svc", status="completed",
                                     started_at=timezone.now() - timedelta(days=50))
    for name, ref in (("a", "component:default/orders"), ("b", "component:default/gone")):
        ScaffoldedRepository.objects.create(run=run, template_ref="template:default/svc", owner="o", name=name,
                                            remote_url="x", entity_ref=ref)
    return org


def _overview(team_ref, period):
    metrics, indicators = health.health_overview(team_ref=team_ref, period=period)
    return metrics, indicators


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("team_ref", [None, "group:default/team-a", "group:default/team-b"])
@pytest.mark.parametrize("period", ["30d", "365d"])
def test_shared_reads_give_the_figures_of_the_separate_reads(monkeypatch, team_ref, period):
    fast = _overview(team_ref, period)
    by_key = {m.key: m for m in fast[0]}
    assert by_key["deploy_frequency"].value is not None and by_key["mttr_hours"].trend
    assert by_key["cost_per_developer"].value is not None
    if team_ref is None:
        assert by_key["golden_path_adoption"].value == pytest.approx(0.5)  # orders of 2; 'gone' is not in the catalog
    monkeypatch.delattr(dora_mod, "dora_windows")
    monkeypatch.delattr(cost_mod, "month_totals")
    monkeypatch.setattr(health._Context, "owner_counts", lambda self: self.once("owner_counts", lambda: {
        owner: len(refs) for owner, refs in self.owners().items()}))
    assert _overview(team_ref, period) == fast


@pytest.mark.usefixtures("data")
def test_the_organisation_dashboard_reads_a_constant_number_of_queries(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        health.health_overview(period="90d")
    from catalog.models import Entity

    today = timezone.localdate()
    for i in range(40):  # more components, their roll-ups, lineage and cost lines
        ref = f"component:default/extra-{i}"
        Entity.objects.create(ref=ref, kind="Component", name=f"extra-{i}", owner_ref=f"group:default/team-{i % 7}",
                              body={"metadata": {"name": f"extra-{i}"}}, etag=str(i), content_hash=str(i))
        DeliveryDay.objects.bulk_create([DeliveryDay(component_ref=ref, day=today - timedelta(days=d), deployments=2,
                                                     changes=1, lead_hist={"3": [1, 60]}) for d in range(0, 300, 9)])
        ScaffoldedRepository.objects.create(template_ref="template:default/svc", owner="o", name=f"x{i}",
                                            remote_url="x", entity_ref=ref)
        CostLine.objects.create(month=today.replace(day=1), source="t", team=f"group:default/team-{i % 7}",
                                service=f"extra-{i}", currency="USD", amount=Decimal("12.5"))
    with django_assert_num_queries(len(first)):
        assert health.health_overview(period="90d")[0][0].value is not None
