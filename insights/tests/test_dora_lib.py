"""insights.lib.dora: histogram medians (precision as documented), periods and the DORA bands."""

import random
import statistics
from datetime import date

import pytest

from insights.lib import dora


def hist_of(values):
    hist = {}
    for v in values:
        dora.hist_add(hist, v)
    return dora.hist_merge([hist])


def test_median_is_exact_when_samples_sit_alone_in_their_buckets():
    assert dora.hist_median(hist_of([4 * 3600, 24 * 3600, 2 * 3600])) == 4 * 3600
    assert dora.hist_median(hist_of([24 * 3600, 2 * 3600])) == 13 * 3600
    assert dora.hist_median(hist_of([])) is None
    assert dora.hist_median(hist_of([30])) == 30  # under a minute: bucket 0 keeps its mean


@pytest.mark.parametrize("seed", range(5))
def test_median_of_many_samples_is_within_one_bucket_width(seed):
    rng = random.Random(seed)
    values = [rng.lognormvariate(10, 2) for _ in range(rng.randint(50, 5000))]
    exact = statistics.median(values)
    assert dora.hist_median(hist_of(values)) == pytest.approx(exact, rel=0.0905)


def test_merging_histograms_equals_one_histogram_of_all_samples():
    a, b = [100, 5000, 90000], [7, 5000, 3600 * 24 * 40]
    assert dora.hist_merge([hist_of(a), hist_of(b)]) == hist_of(a + b)


@pytest.mark.parametrize(("day", "bucket", "start"), [
    (date(2026, 1, 1), "week", date(2025, 12, 29)), (date(2026, 1, 4), "week", date(2025, 12, 29)),
    (date(2026, 2, 28), "month", date(2026, 2, 1)), (date(2026, 12, 31), "quarter", date(2026, 10, 1)),
    (date(2026, 4, 1), "quarter", date(2026, 4, 1)), (date(2026, 4, 1), "day", date(2026, 4, 1)),
])
def test_bucket_start(day, bucket, start):
    assert dora.bucket_start(day, bucket) == start


def test_bucket_starts_cross_the_year():
    assert dora.bucket_starts(date(2026, 11, 15), date(2027, 2, 1), "month") == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    assert dora.bucket_starts(date(2026, 11, 15), date(2027, 2, 1), "quarter") == [date(2026, 10, 1),
                                                                                   date(2027, 1, 1)]
    with pytest.raises(ValueError, match="unknown bucket"):
        dora.bucket_start(date(2026, 1, 1), "year")


@pytest.mark.parametrize(("per_day", "band"), [(3, "elite"), (1, "elite"), (0.99, "high"), (1 / 7, "high"),
                                               (0.14, "medium"), (1 / 30, "medium"), (0.03, "low"), (0, "low")])
def test_deploy_frequency_bands(per_day, band):
    assert dora.band_deploy_frequency(per_day) == band


@pytest.mark.parametrize(("hours", "band"), [(0.5, "elite"), (23.9, "elite"), (24, "high"), (168, "high"),
                                             (169, "medium"), (720, "medium"), (721, "low"), (None, "")])
def test_lead_time_bands(hours, band):
    assert dora.band_lead_time(hours) == band


@pytest.mark.parametrize(("rate", "band"), [(0, "elite"), (0.05, "elite"), (0.06, "high"), (0.10, "high"),
                                            (0.15, "medium"), (0.16, "low"), (1, "low"), (None, "")])
def test_change_failure_bands(rate, band):
    assert dora.band_change_failure_rate(rate) == band


@pytest.mark.parametrize(("hours", "band"), [(0.9, "elite"), (1, "high"), (23.9, "high"), (24, "medium"),
                                             (168, "medium"), (169, "low"), (None, "")])
def test_restore_bands(hours, band):
    assert dora.band_restore(hours) == band
