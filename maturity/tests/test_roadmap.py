"""The roadmap: drafting, parsing what an admin typed (hostile input included), progress toward a
target, saving with optimistic concurrency, permissions and audit."""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import AuditEntry
from maturity.lib.roadmap import Progress, RoadmapError, draft, items_parse, items_text
from maturity.models import Roadmap
from maturity.selectors.assessment import assessment_build
from maturity.selectors.roadmap import roadmap_view
from maturity.services.assessment import MaturityInputError, StaleRoadmap, roadmap_redraft, roadmap_save

KNOWN = {"create", "scorecards", "insights", "catalog", "surveys", "maturity"}
METRICS = {"operational": {"source": "dimension:onboarding", "target": "3"},
           "adoption": {"source": "dimension:ownership", "target": "90"},
           "satisfaction": {"source": "survey:nps", "target": "0"}}


def test_draft_starts_with_the_top_pain_point_and_the_weakest_dimensions():
    items = draft(weakest=["ownership", "monitoring", "cicd", "onboarding"], pains=["Slow CI", "Docs"])
    assert [(i["phase"], i["link"]) for i in items] == [
        ("m1-2", "surveys"), ("m1-2", "catalog"), ("m3-4", "scorecards"), ("m3-4", "create"), ("m3-4", "surveys"),
        ("m5-6", "surveys"), ("m5-6", "maturity")]
    assert items[0]["title"] == "Quick win on the top pain point: Slow CI"
    assert items[1]["title"].startswith("Service ownership:")


def test_items_parse_reads_titles_and_links_and_round_trips():
    phases = {"m1-2": "Adopt the template -> create\n\n  Docs day -> /docs/  ", "m3-4": "Talk -> https://x.example/a",
              "m5-6": "Measure"}
    items = items_parse(phases, known_links=KNOWN)
    assert [(i["phase"], i["title"], i["link"]) for i in items] == [
        ("m1-2", "Adopt the template", "create"), ("m1-2", "Docs day", "/docs/"),
        ("m3-4", "Talk", "https://x.example/a"), ("m5-6", "Measure", "")]
    assert items_text(items, "m1-2") == "Adopt the template -> create\nDocs day -> /docs/"


@pytest.mark.parametrize(("text", "message"), [
    ("Click -> javascript:alert(1)", "is not a link"),
    ("Click -> //evil.example/", "is not a link"),
    (" -> create", "needs a title"),
    ("x" * 301, "at most 300"),
    ("\n".join(f"item {n}" for n in range(13)), "at most 12 items"),
    ("y" * 20000, "too long"),
])
def test_items_parse_refuses_hostile_text_with_the_line(text, message):
    with pytest.raises(RoadmapError, match=message):
        items_parse({"m1-2": text}, known_links=KNOWN)


def test_progress_toward_target_both_directions():
    up = Progress("Adoption", "dimension:cicd", "CI/CD", baseline=20, current=35, target=50, direction="higher")
    assert up.percent == 50 and not up.reached
    down = Progress("Operational", "dimension:onboarding", "Onboarding", baseline=21, current=3, target=3,
                    direction="lower")
    assert down.reached and down.percent == 100
    worse = Progress("Operational", "x", "x", baseline=21, current=30, target=3, direction="lower")
    assert worse.percent == 0
    unknown = Progress("Satisfaction", "survey:nps", "NPS", baseline=None, current=None, target=0, direction="higher")
    assert unknown.percent is None


@pytest.mark.django_db
def test_save_needs_a_platform_admin_and_is_audited(fake, owner, admin):
    with pytest.raises(PermissionDenied):
        roadmap_save(actor=owner, version=0, phases={"m1-2": "x"}, metrics=METRICS)
    assert AuditEntry.objects.filter(action="maturity.assessment.manage", outcome="denied").exists()
    assert not Roadmap.objects.exists()
    saved = roadmap_save(actor=admin, version=0, phases={"m1-2": "Own it -> catalog"}, metrics=METRICS)
    assert saved.version == 1 and not saved.drafted
    assert AuditEntry.objects.filter(action="maturity.roadmap.save", actor=admin).exists()


@pytest.mark.django_db
def test_an_edit_on_an_old_version_is_refused_and_nothing_changes(fake, admin):
    roadmap_save(actor=admin, version=0, phases={"m1-2": "First"}, metrics=METRICS)
    roadmap_save(actor=admin, version=1, phases={"m1-2": "Second"}, metrics=METRICS)
    with pytest.raises(StaleRoadmap, match="changed by platform-admin"):
        roadmap_save(actor=admin, version=1, phases={"m1-2": "Late"}, metrics=METRICS)
    assert Roadmap.objects.get().items[0]["title"] == "Second"


@pytest.mark.django_db
def test_bad_metrics_are_refused(fake, admin):
    with pytest.raises(MaturityInputError, match="is not a metric"):
        roadmap_save(actor=admin, version=0, phases={}, metrics={**METRICS, "adoption": {"source": "x", "target": "1"}})
    with pytest.raises(MaturityInputError, match="not a number"):
        roadmap_save(actor=admin, version=0, phases={},
                     metrics={**METRICS, "adoption": {"source": "dimension:cicd", "target": "lots"}})
    assert not Roadmap.objects.exists()


@pytest.mark.django_db
def test_metrics_track_live_data_from_the_saved_baseline(fake, admin):
    fake.set("ownership", 50)
    roadmap_save(actor=admin, version=0, phases={}, metrics=METRICS)
    fake.set("ownership", 70)
    metric = next(m for m in roadmap_view(assessment=assessment_build()).metrics if m.source == "dimension:ownership")
    assert (metric.baseline, metric.current, metric.target, metric.percent) == (50, 70, 90, 50)
    # Saving again with the same source keeps the baseline; a new source starts from today's value.
    roadmap_save(actor=admin, version=1, phases={}, metrics=METRICS)
    assert Roadmap.objects.get().metrics[1]["baseline"] == 50


@pytest.mark.django_db
def test_unsaved_roadmap_is_the_draft_and_redraft_replaces_items(fake, admin):
    fake.set("ownership", 10)
    view = roadmap_view(assessment=assessment_build())
    assert view.drafted and view.version == 0 and view.items
    assert all(item["url"] for item in view.items)
    roadmap_save(actor=admin, version=0, phases={"m1-2": "Mine"}, metrics=METRICS)
    redrafted = roadmap_redraft(actor=admin)
    assert redrafted.version == 2 and redrafted.drafted and redrafted.items[0]["title"] != "Mine"
