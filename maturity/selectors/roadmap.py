"""The roadmap as shown: the stored one, or (until an admin saves one) the draft written from the
assessment; each item's link resolved to the page in Paved that moves it; the success metrics
with their live value and progress toward target."""

from dataclasses import dataclass, field
from datetime import datetime

from maturity import sources
from maturity.lib.roadmap import (
    DEFAULT_METRICS,
    METRIC_KINDS,
    PHASES,
    SURVEY_SOURCES,
    Progress,
    draft,
    items_text,
    metric_direction,
)
from maturity.models import Roadmap
from maturity.selectors.assessment import Assessment, assessment_build, assessment_data

LINK_LABELS = {"create": "Templates", "scorecards": "Scorecards", "insights": "Insights settings",
               "catalog": "Catalog", "surveys": "Surveys", "maturity": "Assessment"}


def link_targets() -> dict[str, str]:
    return {
        "create": sources.url("scaffolding:template_list", "/create/"),
        "scorecards": sources.url("scorecards:index", "/scorecards/"),
        "insights": sources.insights_settings_url(),
        "catalog": sources.url("catalog:entity_list", "/catalog/"),
        "surveys": sources.url("surveys:campaign_list", "/surveys/"),
        "maturity": sources.url("maturity:index", "/maturity/"),
    }


@dataclass
class RoadmapView:
    stored: Roadmap | None
    items: list[dict]
    metrics: list[Progress]
    version: int
    updated_by: str = ""
    updated_at: datetime | None = None
    phases: list[dict] = field(default_factory=list)

    @property
    def drafted(self) -> bool:
        return self.stored is None or self.stored.drafted


def metric_value(source: str, assessment: Assessment) -> float | None:
    """The live value of a success metric's source."""
    if source.startswith("dimension:"):
        key = source.partition(":")[2]
        return next((d.value for d in assessment.dimensions if d.key == key), None)
    survey = assessment.survey
    if survey is None or not survey.shown:
        return None
    if source == "survey:nps":
        return survey.nps
    means = [q.mean for q in survey.questions if q.mean is not None]
    return sum(means) / len(means) if means else None


def metric_label(source: str) -> str:
    if source in SURVEY_SOURCES:
        return SURVEY_SOURCES[source][0]
    from maturity.lib.levels import BY_KEY

    dimension = BY_KEY[source.partition(":")[2]]
    return f"{dimension.title} ({dimension.unit_symbol})"


def drafted_items(assessment: Assessment) -> list[dict]:
    return draft(weakest=assessment.weakest(), pains=[p.title for p in assessment.pain_points])


def default_metrics(assessment: Assessment) -> list[dict]:
    return [{**m, "baseline": metric_value(m["source"], assessment)} for m in DEFAULT_METRICS]


def roadmap_view(*, assessment: Assessment) -> RoadmapView:
    stored = Roadmap.objects.select_related("updated_by").filter(key="org").first()
    items = stored.items if stored else drafted_items(assessment)
    metrics = stored.metrics if stored and stored.metrics else default_metrics(assessment)
    targets = link_targets()
    shown = [{**item, "url": targets.get(item.get("link", ""), item.get("link", "")),
              "link_label": LINK_LABELS.get(item.get("link", ""), item.get("link", ""))} for item in items]
    kinds = dict(METRIC_KINDS)
    progress = [Progress(kind=kinds.get(m["kind"], m["kind"]), source=m["source"], label=metric_label(m["source"]),
                         baseline=m.get("baseline"), current=metric_value(m["source"], assessment),
                         target=m["target"], direction=metric_direction(m["source"])) for m in metrics]
    view = RoadmapView(stored=stored, items=shown, metrics=progress, version=stored.version if stored else 0,
                       updated_by=(stored.updated_by.get_username() if stored and stored.updated_by else ""),
                       updated_at=stored.updated_at if stored else None)
    view.phases = [{"key": key, "name": name, "aim": aim, "items": [i for i in shown if i["phase"] == key],
                    "text": items_text(items, key)} for key, name, aim in PHASES]
    return view


def assessment_report_data() -> tuple[dict, int | None]:
    """Today's assessment with its roadmap and metrics, as JSON (reports, exports, snapshots)."""
    assessment = assessment_build(with_pains=True)
    view = roadmap_view(assessment=assessment)
    data = assessment_data(assessment)
    data["roadmap"] = {"version": view.version, "items": [
        {"phase": i["phase"], "title": i["title"], "link": i.get("url", "")} for i in view.items]}
    data["metrics"] = [{"kind": m.kind, "source": m.source, "label": m.label, "baseline": m.baseline,
                        "current": m.current, "target": m.target, "progress": m.share} for m in view.metrics]
    return data, assessment.level
