"""Figures from histograms (value -> count), and the minimum-group-size rule. No database here."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

OTHER = "Other teams"


@dataclass
class Tally:
    """Answers to one scored question in one group: a histogram and what follows from it."""

    hist: dict[int, int] = field(default_factory=dict)

    def add(self, value: int, count: int) -> None:
        self.hist[value] = self.hist.get(value, 0) + count

    def merge(self, other: "Tally") -> None:
        for value, count in other.hist.items():
            self.add(value, count)

    @property
    def n(self) -> int:
        return sum(self.hist.values())

    @property
    def mean(self) -> float | None:
        n = self.n
        return sum(v * c for v, c in self.hist.items()) / n if n else None

    def share(self, values: Iterable[int]) -> float | None:
        n = self.n
        return sum(self.hist.get(v, 0) for v in values) / n if n else None

    @property
    def favourable(self) -> float | None:
        """Share of 4s and 5s on a 1-5 scale."""
        return self.share((4, 5))

    @property
    def nps(self) -> float | None:
        """Share of 9-10 minus share of 0-6, in points (-100..100)."""
        n = self.n
        if not n:
            return None
        promoters = self.share((9, 10))
        detractors = self.share(range(0, 7))
        return round((promoters - detractors) * 100, 1)


def change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return current - previous


def visible_groups(team_counts: Mapping[str, int], k: int) -> dict[str, str] | None:
    """Map each team to the label it is reported under: itself, or OTHER.

    A team stands alone with at least k answers; the rest are pooled. When the pool is not empty
    but smaller than k, the smallest shown teams join it until it reaches k (otherwise the pool
    would follow from the total minus the shown teams). None when the total is below k: then
    nothing at all may be shown.
    """
    total = sum(team_counts.values())
    if total < k:
        return None
    shown = {team: n for team, n in team_counts.items() if team and n >= k}
    pool = total - sum(shown.values())
    for team, n in sorted(shown.items(), key=lambda item: (item[1], item[0])):
        if pool == 0 or pool >= k:
            break
        del shown[team]
        pool += n
    return {team: (team if team in shown else OTHER) for team in team_counts}
