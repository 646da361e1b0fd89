"""The read side of scores: the contract selectors (pass rates, worst checks, distributions, an entity's
scores, the seed's line), the scorecard page's filters and sorts, team roll-ups and weekly trends."""

import datetime

import pytest
from django.core.cache import cache

from scorecards.models import Scorecard
from scorecards.selectors import scores as sel
from scorecards.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    cache.clear()
    card = f.scorecard()
    f.score(card, "payment-service", points=92, owner="group:default/team-a")
    f.score(card, "search-service", points=78, failing=("runbook", "cost-labels"), level="Silver",
            owner="group:default/team-a")
    f.score(card, "legacy-api", points=41, failing=("docs", "coverage", "owner"), exempt=("runbook",), level="",
            owner="group:default/team-b")
    return card


def test_check_pass_rates_count_each_state_in_definition_order(card):
    rates = sel.check_pass_rates(scorecard_slug=card.slug)
    assert [r.check_key for r in rates] == f.CHECKS
    runbook = next(r for r in rates if r.check_key == "runbook")
    assert (runbook.passed, runbook.failed, runbook.exempt, runbook.total) == (1, 1, 1, 3)
    assert runbook.check_title == "Runbook" and runbook.category == "Reliability"
    assert runbook.pass_share == 0.5


def test_check_pass_rates_narrow_to_owners_and_ignore_disabled_scorecards(card):
    rates = sel.check_pass_rates(owner_refs=["group:default/team-b"])
    assert {r.check_key: r.failed for r in rates} == {"owner": 1, "docs": 1, "runbook": 0, "coverage": 1,
                                                       "cost-labels": 0}
    card.enabled = False
    card.save()
    assert sel.check_pass_rates() == []


def test_worst_checks_lowest_pass_share_first(card):
    worst = sel.worst_checks(scorecard_slug=card.slug, limit=3)
    assert worst[0].check_key == "runbook"  # 1 of 2 judged pass; the others 2 of 3
    shares = [w.pass_share for w in worst]
    assert shares == sorted(shares)
    assert all(w.failed for w in worst) and len(worst) == 3
    assert sel.worst_checks(scorecard_slug=card.slug, owner_refs=["group:default/team-a"], limit=5)[0].check_key \
        in ("runbook", "cost-labels")


def test_grade_distribution_names_every_grade(card):
    assert sel.grade_distribution(scorecard_slug=card.slug) == {"A": 1, "B": 1, "C": 0, "D": 1, "F": 0}
    assert sel.grade_distribution(scorecard_slug=card.slug, owner_refs=["group:default/team-a"]) == \
        {"A": 1, "B": 1, "C": 0, "D": 0, "F": 0}
    assert sel.grade_distribution(scorecard_slug="nope") == {}


def test_scores_for_entity_and_the_seed_line(card):
    [score] = sel.scores_for_entity(entity_ref="Component:default/search-service")
    assert sel.score_line(score) == "search-service: B (78/100) Missing: runbook, cost labels"
    [payment] = sel.scores_for_entity(entity_ref="component:default/payment-service")
    assert sel.score_line(payment) == "payment-service: A (92/100)"
    assert sel.scores_for_entity(entity_ref="component:default/unknown") == []


def test_score_page_filters_by_team_grade_and_failing_check(card):
    page = sel.score_page(scorecard=card, filters=sel.ScoreFilters(owner="group:default/team-a"))
    assert [s.entity_name for s in page.object_list] == ["payment-service", "search-service"]
    page = sel.score_page(scorecard=card, filters=sel.ScoreFilters(failing="runbook"))
    assert [s.entity_name for s in page.object_list] == ["search-service"]  # exempt is not failing
    page = sel.score_page(scorecard=card, filters=sel.ScoreFilters(grade="D"))
    assert [s.entity_name for s in page.object_list] == ["legacy-api"]
    page = sel.score_page(scorecard=card, filters=sel.ScoreFilters(q="SEARCH"))
    assert [s.entity_name for s in page.object_list] == ["search-service"]


@pytest.mark.parametrize(("sort", "expected"), [
    ("score", ["legacy-api", "search-service", "payment-service"]),
    ("-score", ["payment-service", "search-service", "legacy-api"]),
    ("-level", ["payment-service", "search-service", "legacy-api"]),
    ("grade", ["payment-service", "search-service", "legacy-api"]),
    ("-name", ["search-service", "payment-service", "legacy-api"]),
    ("owner", ["payment-service", "search-service", "legacy-api"]),
    ("bogus; drop table", ["legacy-api", "payment-service", "search-service"]),
])
def test_score_page_sorts(card, sort, expected):
    page = sel.score_page(scorecard=card, filters=sel.ScoreFilters(sort=sort))
    assert [s.entity_name for s in page.object_list] == expected


def test_score_page_paginates(card):
    page = sel.score_page(scorecard=card, filters=sel.ScoreFilters(), page=2, page_size=2)
    assert page.number == 2 and len(page.object_list) == 1 and page.paginator.count == 3
    assert sel.score_page(scorecard=card, filters=sel.ScoreFilters(), page="x", page_size=2).number == 1


def test_weekly_trends_for_entity_team_and_organisation(card):
    today = datetime.date(2026, 12, 2)  # a Wednesday
    weeks = sel.trend_weeks(weeks=3, today=today)
    assert weeks == [datetime.date(2026, 11, 16), datetime.date(2026, 11, 23), datetime.date(2026, 11, 30)]
    rows = {s.entity_name: s for s in sel.scores_for_entity(entity_ref="component:default/search-service")}
    f.weeks(card, rows["search-service"], [60, 70, 78], today=today)
    legacy = sel.scores_for_entity(entity_ref="component:default/legacy-api")[0]
    f.weeks(card, legacy, [40, 41], today=today)
    assert sel.weekly_average(scorecard=card, weeks=weeks) == [60.0, 55.0, 59.5]
    assert sel.weekly_average(scorecard=card, weeks=weeks, owner_refs=["group:default/team-b"]) == [None, 40.0, 41.0]
    assert sel.entity_weeks(entity_ref="component:default/search-service", weeks=weeks) == {card.pk: [60.0, 70.0, 78.0]}


def test_team_rollup(card):
    rollup = sel.team_rollup(scorecard=card, team_ref="Group:default/Team-A")
    assert rollup.services_total == 2 and rollup.average == 85.0
    assert rollup.distribution["A"] == 1 and rollup.distribution["B"] == 1
    assert [s.entity_name for s in rollup.services] == ["search-service", "payment-service"]
    assert {w.check_key for w in rollup.worst} == {"runbook", "cost-labels"}


def test_visibility_keeps_only_readable_entities(org, owner, card):
    from core.models import Grant

    f.score(card, "orders", owner="group:default/team-a")
    f.score(card, "billing", owner="group:default/team-b")
    Grant.objects.filter(permission="catalog.entity.read", role__everyone=True).update(rule="IS_ENTITY_OWNER")
    from core.access import access_cache_clear

    access_cache_clear()
    visible = sel.visible_q(owner)
    assert visible is not None
    page = sel.score_page(scorecard=card, filters=sel.ScoreFilters(), visible=visible)
    assert [s.entity_name for s in page.object_list] == ["orders"]


def test_check_meta_reads_top_level_checks_and_odd_definitions():
    card = f.scorecard(slug="flat", definition={"checks": [{"key": "readme", "title": "README", "category": "Docs"},
                                                           "junk", {"title": "no key"}],
                                                "levels": ["Bronze", {"name": "Gold"}], "grades": "nonsense"})
    assert sel.check_meta(card) == {"readme": ("README", "Docs")}
    assert sel.ladder(card) == ["Bronze", "Gold"]
    assert sel.grades(card) == list(sel.DEFAULT_GRADES)
    broken = f.scorecard(slug="broken", definition=[])
    assert sel.check_meta(broken) == {} and sel.ladder(broken) == []


def test_grades_read_the_engines_normalised_list_with_f_implicit():
    card = f.scorecard(slug="engine", definition={"grades": [["A", 90], ["B", 75], ["C", 60], ["D", 40]],
                                                  "levels": [{"key": "bronze", "title": "Bronze", "min_score": 0},
                                                             {"key": "gold", "title": "Gold", "min_score": 90}]})
    assert sel.grades(card) == ["A", "B", "C", "D", "F"]
    assert sel.ladder(card) == ["Bronze", "Gold"]
    assert f.scorecard(slug="dict", definition={"grades": {"A": 90, "B": 50}}).definition and \
        sel.grades(Scorecard.objects.get(slug="dict")) == ["A", "B", "F"]
