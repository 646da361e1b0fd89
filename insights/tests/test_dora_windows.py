"""dora_windows (several windows from one read) gives exactly dora_keys of each window, whatever their
overlap, for components, the organisation and no component at all."""

import random
from datetime import date, timedelta

import pytest

from insights.lib import dora as dora_lib
from insights.models import DeliveryDay
from insights.selectors.dora import dora_keys, dora_windows
from insights.services.rollups import delivery_months_rebuild

pytestmark = pytest.mark.django_db
REFS = ["component:default/a", "component:default/b", "component:default/c"]
FIRST = date(2025, 11, 1)


@pytest.fixture
def rollups():
    rng = random.Random(7)
    rows = []
    for ref in [*REFS, DeliveryDay.ORG]:
        for offset in rng.sample(range(120), 70):  # gaps: days with no row at all
            lead, restore = {}, {}
            for _ in range(rng.randint(0, 6)):
                dora_lib.hist_add(lead, rng.expovariate(1 / 36000))
            for _ in range(rng.randint(0, 2)):
                dora_lib.hist_add(restore, rng.expovariate(1 / 7200))
            deployments = rng.randint(0, 9)
            rows.append(DeliveryDay(component_ref=ref, day=FIRST + timedelta(days=offset), deployments=deployments,
                                    failed_deployments=rng.randint(0, deployments), changes=rng.randint(0, 12),
                                    lead_hist=lead, incidents=rng.randint(0, 3), unresolved=rng.randint(0, 1),
                                    restore_hist=restore))
    DeliveryDay.objects.bulk_create(rows)
    delivery_months_rebuild()  # the days written directly: their months summed as the deltas would


WINDOWS = {"current": (date(2026, 1, 10), date(2026, 2, 8)), "previous": (date(2025, 12, 11), date(2026, 1, 9)),
           "nov": (date(2025, 11, 1), date(2025, 11, 30)), "dec": (date(2025, 12, 1), date(2025, 12, 31)),
           "feb-part": (date(2026, 2, 1), date(2026, 2, 8)), "one-day": (date(2026, 1, 15), date(2026, 1, 15)),
           "empty": (date(2027, 1, 1), date(2027, 1, 31))}


@pytest.mark.usefixtures("rollups")
@pytest.mark.parametrize("refs", [None, [REFS[0]], REFS, ["COMPONENT:default/B", "component:default/unknown"], []])
def test_every_window_equals_its_own_dora_keys(refs):
    got = dora_windows(windows=WINDOWS, component_refs=refs)
    assert list(got) == list(WINDOWS)
    for label, (start, end) in WINDOWS.items():
        assert got[label] == dora_keys(start=start, end=end, component_refs=refs), label
    assert got["empty"].deployments == 0 and got["empty"].lead_time_hours is None
    if refs is None:
        assert got["current"].deployments > 0 and got["current"].lead_time_hours is not None


def test_a_window_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before start"):
        dora_windows(windows={"x": (date(2026, 2, 1), date(2026, 1, 1))})
