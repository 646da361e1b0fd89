"""The public reads Platform Health added to the apps below it: catalog teams and people, the
scaffolder's golden-path usage, survey scores per quarter under the anonymity rule."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from catalog.selectors.teams import component_annotations, people, team_component_refs, team_list, team_sizes
from scaffolding.models import ScaffoldedRepository, ScaffoldRun
from scaffolding.selectors import run_counts_by_month, scaffolded_components
from surveys.selectors import campaign_scores

pytestmark = pytest.mark.django_db


def test_teams_their_components_and_people(org):
    assert [t.ref for t in team_list()] == ["group:default/platform-team", "group:default/team-a",
                                            "group:default/team-b"]
    assert team_component_refs() == {"group:default/team-a": ["component:default/orders"],
                                     "group:default/team-b": ["component:default/billing"]}
    assert team_component_refs(team_refs=["GROUP:default/team-a"]) == {"group:default/team-a":
                                                                       ["component:default/orders"]}
    members = people(team_ref="group:default/team-a")
    assert [(p.name, p.email, p.start_date) for p in members] == [("owner", "owner@example.com", None),
                                                                   ("teammate", "teammate@example.com", None)]
    assert team_sizes()["group:default/team-a"] == 2
    assert component_annotations(refs=["component:default/orders"])["component:default/orders"][
        "backstage.io/managed-by-location"].startswith("file:")


def test_a_start_date_annotation_is_read_and_a_bad_one_ignored(org):
    from pathlib import Path

    from catalog import services

    path = Path(org.location.target)
    text = path.read_text()
    for name, value in (("owner", "2026-03-02"), ("teammate", "next monday")):
        text = text.replace(f"metadata: {{name: {name}}}",
                            f"metadata: {{name: {name}, annotations: {{paved.dev/start-date: '{value}'}}}}")
    path.write_text(text)
    services.location_refresh(location_id=org.location.pk)
    starts = {p.name: p.start_date for p in people(team_ref="group:default/team-a")}
    assert starts == {"owner": date(2026, 3, 2), "teammate": None}


def test_golden_path_usage_from_lineage_and_finished_runs(db):
    started = timezone.now() - timedelta(days=3)
    run = ScaffoldRun.objects.create(template_ref="template:default/svc", status="completed", started_at=started)
    ScaffoldedRepository.objects.create(run=run, template_ref="template:default/svc", owner="o", name="a",
                                        remote_url="x", entity_ref="Component:default/A")
    ScaffoldedRepository.objects.create(template_ref="template:default/svc", owner="o", name="b", remote_url="x",
                                        entity_ref="")
    assert scaffolded_components() == {"component:default/a": started}
    assert scaffolded_components(entity_refs=["component:default/other"]) == {}
    ScaffoldRun.objects.create(template_ref="t", status="failed")
    ScaffoldRun.objects.create(template_ref="t", status="completed", dry_run=True)
    ScaffoldRun.objects.create(template_ref="t", status="completed", created_by_ref="user:default/ada")
    month = timezone.localdate().replace(day=1)
    window = {"start": timezone.now() - timedelta(days=40), "end": timezone.now() + timedelta(minutes=1)}
    assert run_counts_by_month(**window) == {month: 2}
    assert run_counts_by_month(**window, created_by_refs=["User:default/Ada"]) == {month: 1}


def _campaign(quarter: str, opens: date, teams: dict[str, dict[int, int]], nps_question, likert_question):
    from surveys.models import Campaign, CampaignQuestion, CampaignTally

    c = Campaign.objects.create(title=quarter, quarter=quarter, opens_on=opens, closes_on=opens + timedelta(days=14))
    CampaignQuestion.objects.create(campaign=c, question=nps_question, section="Overall", order=1)
    CampaignQuestion.objects.create(campaign=c, question=likert_question, section="Tools", order=2)
    for team, hist in teams.items():
        CampaignTally.objects.create(campaign=c, question=None, team_ref=team, n=sum(hist.values()))
        for value, n in hist.items():
            CampaignTally.objects.create(campaign=c, question=nps_question, team_ref=team, value=value, n=n)
            CampaignTally.objects.create(campaign=c, question=likert_question, team_ref=team, value=min(value, 5),
                                         n=n)
    return c


def test_campaign_scores_show_a_team_only_when_it_stands_alone(db, settings):
    from surveys.models import Question

    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = 3
    nps = Question.objects.create(key="nps", kind="nps", text="Recommend?")
    likert = Question.objects.create(key="tools", kind="likert", text="Tools are good")
    opens = timezone.localdate() - timedelta(days=100)
    _campaign("2026-Q3", opens, {"group:default/a": {10: 3}, "group:default/b": {1: 2, 5: 1}}, nps, likert)
    everyone, = campaign_scores()
    assert (everyone.responses, everyone.nps, everyone.mean) == (6, 0.0, pytest.approx((5 * 3 + 1 * 2 + 5) / 6))
    a, = campaign_scores(team_ref="group:default/a")
    assert (a.responses, a.nps, a.mean) == (3, 100.0, 5.0)
    # b has 3 answers too: both stand alone at k=3, and b shows its own figures.
    b, = campaign_scores(team_ref="group:default/b")
    assert (b.nps, b.mean) == (-100.0, pytest.approx(7 / 3))
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = 4  # now neither team stands alone, and everyone is still 6
    assert campaign_scores(team_ref="group:default/a")[0].nps is None
    assert campaign_scores()[0].nps == 0.0
    settings.PAVED_SURVEYS_MIN_GROUP_SIZE = 7  # fewer answers than k: nothing at all
    assert campaign_scores()[0].nps is None and campaign_scores()[0].responses == 0
