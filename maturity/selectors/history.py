"""The quarterly snapshots: the path from Level 0 to 3, drawn as SVG on the server."""

from dataclasses import dataclass

from core.charts import Series, line_chart
from maturity.lib.levels import DIMENSIONS
from maturity.models import Snapshot

MAX_SNAPSHOTS = 40  # ten years of quarters


@dataclass
class History:
    snapshots: list[Snapshot]
    levels_chart: str
    dimensions_chart: str


def snapshot_list() -> list[Snapshot]:
    return list(Snapshot.objects.order_by("-quarter")[:MAX_SNAPSHOTS])[::-1]


def snapshot_get(*, quarter: str) -> Snapshot | None:
    return Snapshot.objects.filter(quarter=quarter).first()


def history() -> History:
    snapshots = snapshot_list()
    labels = [s.quarter for s in snapshots]

    def levels_of(key: str) -> list[float | None]:
        out = []
        for snap in snapshots:
            row = next((d for d in snap.data.get("dimensions", []) if d.get("key") == key), None)
            out.append(row.get("level") if row else None)
        return out

    levels = line_chart(labels=labels, series=[Series("Overall level", [s.overall_level for s in snapshots])],
                        title="Overall maturity level per quarter", y_min=0, y_max=3, height=180,
                        formatter=lambda v: f"{v:g}")
    dims = line_chart(labels=labels, series=[Series(d.title, levels_of(d.key)) for d in DIMENSIONS],
                      title="Level of each dimension per quarter", y_min=0, y_max=3,
                      formatter=lambda v: f"{v:g}")
    return History(snapshots=snapshots, levels_chart=levels, dimensions_chart=dims)
