"""The four keys' arithmetic, pure: histograms good enough for medians, period buckets and the
DORA performance bands.

Definitions follow Google's Four Keys project (github.com/dora-team/fourkeys, queries/*.sql):
- deployment frequency: successful production deployments in the period (here also per day);
- lead time for changes: per change, the first production deployment that shipped it minus the
  commit's author time; the median over the period's changes;
- change failure rate: production deployments that caused an incident or were rolled back,
  divided by production deployments;
- time to restore: per incident, resolved minus opened; the median over the incidents opened in
  the period that are resolved (unresolved ones are left out of the median and counted apart).

Precision of the medians: samples fall into log-spaced buckets 2^(1/8) wide (a bucket's upper
edge is 9.05% above its lower one) and each bucket keeps the count and the sum of its samples. The
median is the mean of the bucket holding the middle sample (of the two middle buckets' values for
an even count), so it is exact when those samples sit alone in their buckets and otherwise off by
less than one bucket's width (< 9.05%, typically a fraction of it).
"""

import math
from collections.abc import Iterable
from datetime import date, timedelta

BUCKETS_PER_DOUBLING = 8
BUCKETS = ("day", "week", "month", "quarter")


def hist_index(seconds: float) -> int:
    """The bucket of a duration; everything up to a minute shares bucket 0."""
    minutes = max(float(seconds), 0.0) / 60.0
    if minutes <= 1.0:
        return 0
    return int(math.floor(math.log2(minutes) * BUCKETS_PER_DOUBLING)) + 1


def hist_add(hist: dict, seconds: float) -> None:
    """Add one sample to a histogram {str(bucket): [count, sum_seconds]} (JSON keys are strings)."""
    key = str(hist_index(seconds))
    count, total = hist.get(key, (0, 0))
    hist[key] = [count + 1, total + int(round(seconds))]


def hist_merge(hists: Iterable[dict]) -> dict[int, list[int]]:
    merged: dict[int, list[int]] = {}
    for hist in hists:
        for key, (count, total) in (hist or {}).items():
            slot = merged.setdefault(int(key), [0, 0])
            slot[0] += count
            slot[1] += total
    return merged


def hist_count(hist: dict) -> int:
    return sum(count for count, _ in hist.values())


def hist_median(hist: dict[int, list[int]]) -> float | None:
    """The median in seconds (see the module's note on precision); None without samples."""
    n = hist_count(hist)
    if n == 0:
        return None
    wanted = [(n - 1) // 2, n // 2]  # zero-based positions of the middle sample(s)
    values = []
    seen = 0
    for key in sorted(hist):
        count, total = hist[key]
        while wanted and wanted[0] < seen + count:
            values.append(total / count)
            wanted.pop(0)
        seen += count
        if not wanted:
            break
    return sum(values) / len(values)


# --- Periods ------------------------------------------------------------------------------------


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the week (Monday), month or quarter holding `day`."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    if bucket == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown bucket {bucket!r}; expected one of {', '.join(BUCKETS)}")


def bucket_starts(start: date, end: date, bucket: str) -> list[date]:
    """Every bucket from the one holding `start` to the one holding `end` (inclusive), in order."""
    starts = []
    current = bucket_start(start, bucket)
    while current <= end:
        starts.append(current)
        current = next_bucket(current, bucket)
    return starts


def next_bucket(first: date, bucket: str) -> date:
    if bucket == "day":
        return first + timedelta(days=1)
    if bucket == "week":
        return first + timedelta(days=7)
    months = 1 if bucket == "month" else 3
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1)


# --- Bands --------------------------------------------------------------------------------------
# Thresholds from the "Accelerate State of DevOps Report 2023" (DORA / Google Cloud), table
# "Software delivery performance" (elite / high / medium / low clusters):
#   deployment frequency  elite: on demand (several a day) · high: once a day to once a week ·
#                         medium: once a week to once a month · low: less than once a month
#   lead time for changes elite: < 1 day · high: 1 day – 1 week · medium: 1 week – 1 month ·
#                         low: more than a month (the report's low cluster: 1 – 6 months)
#   change failure rate   elite: 5% · high: 10% · medium: 15% · low: 64% (cluster centres; we
#                         band at the upper edges: ≤ 5%, ≤ 10%, ≤ 15%, above)
#   time to restore       elite: < 1 hour · high: < 1 day · medium: 1 day – 1 week · low: more
# Deployment frequency's "on demand" is taken as at least one production deployment a day.
ELITE, HIGH, MEDIUM, LOW = "elite", "high", "medium", "low"
HOUR = 1.0
DAY_HOURS = 24.0
WEEK_HOURS = 7 * DAY_HOURS
MONTH_HOURS = 30 * DAY_HOURS


def band_deploy_frequency(deploys_per_day: float) -> str:
    if deploys_per_day >= 1.0:
        return ELITE
    if deploys_per_day >= 1.0 / 7:
        return HIGH
    if deploys_per_day >= 1.0 / 30:
        return MEDIUM
    return LOW


def band_lead_time(hours: float | None) -> str:
    if hours is None:
        return ""
    if hours < DAY_HOURS:
        return ELITE
    if hours <= WEEK_HOURS:
        return HIGH
    if hours <= MONTH_HOURS:
        return MEDIUM
    return LOW


def band_change_failure_rate(rate: float | None) -> str:
    if rate is None:
        return ""
    if rate <= 0.05:
        return ELITE
    if rate <= 0.10:
        return HIGH
    if rate <= 0.15:
        return MEDIUM
    return LOW


def band_restore(hours: float | None) -> str:
    if hours is None:
        return ""
    if hours < HOUR:
        return ELITE
    if hours < DAY_HOURS:
        return HIGH
    if hours <= WEEK_HOURS:
        return MEDIUM
    return LOW
