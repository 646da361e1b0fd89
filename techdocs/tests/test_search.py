"""Docs search: one hit per page, best section highlighted; and the global search box."""

import pytest

from techdocs import services
from techdocs.search import docs_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(documented):
    documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])


def test_one_hit_per_page_with_the_best_section(built):
    hits = docs_search(query="restart reconciliation")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.title == "Runbook" and hit.section == "Restarting"
    assert hit.url == "/docs/default/component/ledger/runbook/#restarting"
    assert "<mark>Restart</mark>" in hit.snippet and "<mark>reconciliation</mark>" in hit.snippet


def test_prefixes_match_and_nothing_matches_nothing(built):
    assert [h.title for h in docs_search(query="reconcil")] == ["Runbook"]
    assert docs_search(query="zebra") == []
    assert docs_search(query="  ") == []
    assert docs_search(query='"; DROP TABLE x; --') == []


def test_snippets_escape_the_page_text(documented):
    documented("xss", pages={"index.md": "# Intro\n\nThe token &lt;b&gt;bold&lt;/b&gt; lives here.\n"})
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    hit = docs_search(query="token")[0]
    assert "<b>" not in hit.snippet and "&lt;b&gt;" in hit.snippet


def test_a_rebuild_replaces_the_index(documented):
    root = documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    (root / "docs" / "runbook.md").write_text("# Runbook\n\nNothing about that any more.\n")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert docs_search(query="reconciliation") == []
    assert [h.title for h in docs_search(query="nothing about")] == ["Runbook"]


def test_global_search_shows_docs_hits_beside_catalog_hits(client_owner, built):
    html = client_owner.get("/search/", {"q": "ledger"}).content.decode()
    assert "component:default/ledger" in html and "Documentation results" in html
    assert 'href="/docs/default/component/ledger/' in html
    partial = client_owner.get("/search/", {"q": "engineer"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<h1>" not in partial and "<span>Paging</span>" in partial and "<mark>engineer</mark>" in partial


def test_pages_of_entities_the_person_may_not_read_are_not_found(built):
    from django.db.models import Q

    assert [h.title for h in docs_search(query="reconcil", visible=Q(name="ledger"))] == ["Runbook"]
    assert docs_search(query="reconcil", visible=Q(name="another-teams-thing")) == []


def test_the_docs_list_shows_only_readable_entities(built):
    from django.db.models import Q

    from techdocs import selectors

    assert selectors.docs_list(visible=Q(name="another-teams-thing")).rows == []
    assert selectors.docs_owner_suggestions(visible=Q(name="another-teams-thing")) == []
    assert [row.entity.name for row in selectors.docs_list(visible=Q(name="ledger")).rows] == ["ledger"]
