"""The scorecards list, a scorecard's page (filters, sorts, paging, htmx fragment, CSV), the team page, the
entity page's Scorecard tab and badge, and the home panel: access, wrong method, query counts."""

import pytest
from django.core.cache import cache
from django.test import Client

from core.models import AuditEntry
from scorecards.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(org):
    cache.clear()
    card = f.scorecard()
    orders = f.score(card, "orders", points=78, failing=("runbook", "cost-labels"), level="Silver")
    f.weeks(card, orders, [60, 70, 78])
    f.score(card, "billing", points=41, failing=("docs", "coverage", "owner"), level="",
            owner="group:default/team-b")
    return card


def _many(card, n: int, start: int = 0):
    for i in range(start, start + n):
        f.score(card, f"svc-{i:03d}", points=30 + i % 70, failing=("docs",) if i % 2 else (),
                owner=f"group:default/team-{i % 4}")


def test_pages_need_sign_in(card):
    for url in ("/scorecards/", f"/scorecards/{card.slug}/", "/scorecards/teams/default/team-a/",
                "/scorecards/entities/default/component/orders/", f"/scorecards/{card.slug}/export.csv"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_pages_refuse_wrong_method(client_owner, card):
    for url in ("/scorecards/", f"/scorecards/{card.slug}/", "/scorecards/teams/default/team-a/",
                f"/scorecards/{card.slug}/export.csv"):
        assert client_owner.post(url).status_code == 405, url


def test_read_permission_is_required(client_owner, card):
    from core.access import access_cache_clear
    from core.models import Grant

    Grant.objects.filter(permission="scorecards.scorecard.read").delete()
    access_cache_clear()
    assert client_owner.get("/scorecards/").status_code == 403
    assert client_owner.get(f"/scorecards/{card.slug}/export.csv").status_code == 403


def test_index_shows_distribution_chart_and_trend(client_owner, card):
    response = client_owner.get("/scorecards/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Service maturity" in body and "2 scored entities" in body
    assert 'class="chart chart-bar"' in body and "A: 0; B: 1; C: 0; D: 1; F: 0" in body
    assert 'class="chart chart-line"' in body


def test_scorecard_page_full_and_fragment(client_owner, card):
    response = client_owner.get(f"/scorecards/{card.slug}/")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert "orders" in body and "billing" in body and "runbook, cost labels" in body
    assert 'option value="group:default/team-b"' in body
    fragment = client_owner.get(f"/scorecards/{card.slug}/?grade=B", HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in text
    assert "orders" in text and "billing" not in text
    assert "HX-Request" in fragment["Vary"]


def test_scorecard_page_filters_and_hostile_params(client_owner, card):
    body = client_owner.get(f"/scorecards/{card.slug}/?failing=coverage").content.decode()
    assert "billing" in body and ">orders<" not in body
    body = client_owner.get(f"/scorecards/{card.slug}/?owner=group:default/team-a&sort=-score").content.decode()
    assert ">orders<" in body and "billing</a>" not in body
    response = client_owner.get(f"/scorecards/{card.slug}/?sort=<script>&page=-1&grade=%00&q=" + "x" * 5000)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode() and "sort: expected one of" in response.content.decode()
    assert client_owner.get("/scorecards/no-such-card/").status_code == 404


def test_scorecard_page_query_count_is_constant(client_owner, card, django_assert_max_num_queries):
    _many(card, 10)
    client_owner.get(f"/scorecards/{card.slug}/")  # warm the access caches
    with django_assert_max_num_queries(12) as small:
        client_owner.get(f"/scorecards/{card.slug}/?failing=docs&sort=-level")
    _many(card, 120, start=10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client_owner.get(f"/scorecards/{card.slug}/?failing=docs&sort=-level")
    assert response.status_code == 200 and "page 1 of" in response.content.decode()


def test_export_is_filtered_neutralised_and_audited(client_owner, card):
    f.score(card, "=cmd|'/c calc'!A1", points=95, owner="+group:default/evil")
    response = client_owner.get(f"/scorecards/{card.slug}/export.csv?sort=-score")
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("entity_ref,name,owner,points")
    assert "'=cmd|'/c calc'!A1" in text and "'+group:default/evil" in text
    assert len(lines) == 4
    assert AuditEntry.objects.filter(action="scorecards.scorecard.export", target=card.slug).count() == 1
    bad = client_owner.get(f"/scorecards/{card.slug}/export.csv?sort=nope")
    assert bad.status_code == 400 and b"sort: expected" in bad.content


def test_team_page_rolls_up(client_owner, card):
    _many(card, 8)
    response = client_owner.get("/scorecards/teams/default/team-a/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 service on" in body and "Runbook" in body and "orders" in body
    assert "chart chart-line" in body and "Organisation" in body
    fragment = client_owner.get(f"/scorecards/teams/default/team-a/?scorecard={card.slug}", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


def test_team_page_query_count_is_constant(client_owner, card, django_assert_max_num_queries):
    _many(card, 8)
    client_owner.get("/scorecards/teams/default/team-1/")
    with django_assert_max_num_queries(14) as small:
        client_owner.get("/scorecards/teams/default/team-1/")
    _many(card, 80, start=8)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries) + 1):  # the org trend cache was cleared
        client_owner.get("/scorecards/teams/default/team-1/")


def test_entity_tab_shows_checks_facts_missing_level_trend(client_owner, card):
    response = client_owner.get("/scorecards/entities/default/component/orders/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-grade="B"' in body and "78/100" in body
    assert 'href="https://docs.example.com/runbook"' in body and ">runbook</a>" in body
    assert 'class="state state-fail"' in body and "<code>fact.coverage</code>" in body and "cobertura" in body
    assert '<li class="reached current">Silver' in body and '<li class="">Gold' in body
    assert "Computed" in body and "chart chart-line" in body and "orders: " in body
    assert 'muted">Reliability</span>' in body  # the category's title from the definition, not its key
    assert "Request exemption" in body  # owner of orders
    assert "Approve" not in body


def test_entity_tab_hides_request_from_non_owners_and_404s_unknown(client_owner, card, outsider):
    client = Client()
    client.force_login(outsider)
    body = client.get("/scorecards/entities/default/component/orders/").content.decode()
    assert "Request exemption" not in body
    assert client_owner.get("/scorecards/entities/default/component/nope/").status_code == 404


def test_entity_tab_query_count_is_constant(client_owner, card, django_assert_max_num_queries):
    url = "/scorecards/entities/default/component/orders/"
    client_owner.get(url)
    with django_assert_max_num_queries(14) as one:
        client_owner.get(url)
    other = f.scorecard(slug="docs-standards", title="Documentation standards")
    row = f.score(other, "orders", points=60)
    f.weeks(other, row, [50, 55, 60, 60])
    from scorecards.models import Exemption

    for key in ("docs", "runbook", "coverage"):
        Exemption.objects.create(scorecard=other, entity_ref=row.entity_ref, check_key=key, reason="r",
                                 expires_at="2099-01-01T00:00:00Z")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client_owner.get(url)
    assert "Documentation standards" in response.content.decode()


def test_entity_page_shows_badge_and_tab_link(client_owner, card):
    body = client_owner.get("/catalog/default/component/orders/").content.decode()
    assert 'href="/scorecards/entities/default/component/orders/">Scorecard</a>' in body
    assert 'class="grade grade-b">B</span>' in body


def test_entity_page_without_scores_has_no_tab(client_owner, org):
    body = client_owner.get("/catalog/default/component/orders/").content.decode()
    assert "/scorecards/entities/" not in body


def test_home_panel_lists_my_teams_lowest_scores(client_owner, card):
    body = client_owner.get("/").content.decode()
    assert "Your services&#x27; scorecards" in body or "Your services' scorecards" in body
    assert "orders: B (78/100) Missing: runbook, cost labels" in body
    assert "billing" not in body.split("home-scorecards")[1].split("</section>")[0]


def test_boosted_requests_get_the_whole_page(client_owner, card):
    response = client_owner.get(f"/scorecards/{card.slug}/", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and 'option value="group:default/team-b"' in body


def test_hostile_team_and_entity_paths(client_owner, card):
    response = client_owner.get("/scorecards/teams/%3Cscript%3E/x%22onload=1/")
    assert response.status_code == 200 and "<script>" not in response.content.decode()
    assert client_owner.get("/scorecards/entities/default/component/" + "a" * 500 + "/").status_code == 404


def test_home_panel_left_out_for_people_owning_nothing_scored(card, django_user_model):
    from portal.scorecard_panels import scorecard_panel_context

    client = Client()
    stranger = django_user_model.objects.create_user("stranger", "s@example.com", "pw")
    client.force_login(stranger)
    assert "home-scorecards" not in client.get("/").content.decode()
    request = type("R", (), {"user": stranger})()
    assert scorecard_panel_context(request) is None
