"""catalog.selectors.search: tiers, typo tolerance, kind filter and facet, and the search column
that ingestion keeps up to date. Run on SQLite and on PostgreSQL; PostgreSQL-only checks skip."""

import re

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from catalog.selectors import search
from catalog.selectors.search import entity_search_results
from catalog.tests.factories import component_yaml, documents_yaml

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                   reason="pg_trgm and the tsvector column exist on PostgreSQL only")
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'",
                                 reason="the difflib suggestion is SQLite's fallback; PostgreSQL uses pg_trgm")

GROUP = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: widget-team, description: builds widgets}
spec: {type: team, children: []}
"""


@pytest.fixture
def catalog(write_yaml, ingest):
    docs = [
        component_yaml("widget", title="Widget", description="the widget service"),
        component_yaml("widget-store", title="Widget store", description="stores widgets"),
        component_yaml("abc-widget", description="another widget"),
        component_yaml("checkout-gateway", title="Checkout gateway", description="takes payments",
                       owner="team-b"),
        GROUP,
    ]
    return ingest(write_yaml("catalog-info.yaml", documents_yaml(*docs)))


def refs(entities):
    return [e.ref for e in entities]


def test_exact_name_first_then_names_starting_with_the_word_then_ref_order(catalog):
    hits = entity_search_results(query="widget").hits
    assert refs(hits) == ["component:default/widget", "component:default/widget-store",
                          "group:default/widget-team", "component:default/abc-widget"]
    assert hits[0].url == "/catalog/default/component/widget/"
    assert hits[0].owner_url == "/catalog/default/group/team-a/" and hits[0].owner_name == "team-a"


def test_every_word_must_match(catalog):
    assert refs(entity_search_results(query="widget stores").hits) == ["component:default/widget-store"]
    assert entity_search_results(query="widget payments").hits == []


def test_kind_filter_narrows_hits_while_the_facet_counts_every_kind(catalog):
    results = entity_search_results(query="widget", kind="group")
    assert refs(results.hits) == ["group:default/widget-team"]
    assert [(k.kind, k.label, k.count, k.capped, k.active) for k in results.kinds] == [
        ("component", "Component", 3, False, False), ("group", "Group", 1, False, True)]


def test_facet_counts_stop_at_the_cap(catalog, monkeypatch):
    monkeypatch.setattr(search, "FACET_CAP", 2)
    results = entity_search_results(query="widget", limit=1)
    assert [(k.kind, k.count, k.capped) for k in results.kinds] == [("component", 2, True), ("group", 1, False)]


def test_facet_needs_no_count_query_when_every_match_is_a_hit(catalog):
    with CaptureQueriesContext(connection) as queries:
        results = entity_search_results(query="widget")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert [(k.kind, k.count) for k in results.kinds] == [("component", 3), ("group", 1)]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown kind"):
        entity_search_results(query="widget", kind="widget")


def test_a_misspelt_name_is_found_among_close_matches(catalog):
    results = entity_search_results(query="chekout-gateway")
    assert results.hits == []
    assert "component:default/checkout-gateway" in refs(results.close)
    assert results.kinds and results.kinds[0].kind == "component"


def test_close_matches_are_added_only_when_hits_are_few(catalog):
    assert entity_search_results(query="widget", limit=50).close == []


def test_close_matches_respect_what_the_person_may_read_and_the_kind(catalog):
    hidden = Q(owner_ref="group:default/team-a")
    assert entity_search_results(query="chekout-gateway", visible=hidden).close == []
    assert entity_search_results(query="chekout-gateway", kind="group").close == []


@pytest.mark.parametrize("query", [
    "widget & !store", "widget | store", "widget:*", "'widget'", '"widget', "widget\\", "\\", "!", "&", "|",
    ":*", "<->", "widget\x00", "\x00", "(", "%", "_", "w%", "x" * 10_000, "ü", "🙂",
])
def test_hostile_queries_are_words_or_nothing(catalog, query):
    """Syntax characters are not operators: a query finds what its words alone find."""
    words = " ".join(re.findall(r"\w+", query))
    assert refs(entity_search_results(query=query).hits) == refs(entity_search_results(query=words).hits)
    if "widget" in query:
        assert entity_search_results(query=query).hits


def test_like_wildcards_in_the_query_are_literal(catalog):
    assert "component:default/widget" not in refs(entity_search_results(query="w_dget").hits)
    assert "component:default/widget" not in refs(entity_search_results(query="w__get").hits)


def test_search_follows_what_ingestion_writes(write_yaml, ingest):
    path = write_yaml("c.yaml", component_yaml("lonely", description="mentions zebras"))
    ingest(path)
    assert refs(entity_search_results(query="zebras").hits) == ["component:default/lonely"]
    write_yaml("c.yaml", component_yaml("lonely", description="mentions giraffes"))
    ingest(path)
    assert entity_search_results(query="zebras").hits == []
    assert refs(entity_search_results(query="giraffes").hits) == ["component:default/lonely"]


@postgres_only
def test_the_search_column_is_generated_from_search_text(catalog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM catalog_entity WHERE ref = 'component:default/widget-store'")
        vector = cursor.fetchone()[0]
    assert "'stores'" in vector and "'widget-store'" in vector


@postgres_only
def test_every_search_query_can_be_answered_from_its_index(catalog):
    """The SQL in the selector must match migration 0007's index expressions; with sequential
    scans off, each index shows up in a plan (a drifted expression would fall back to a scan)."""
    with CaptureQueriesContext(connection) as queries:
        entity_search_results(query="widget", limit=1)
        entity_search_results(query="chekout-gateway")
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    text = "\n".join(plans)
    for index in ("catalog_entity_search_vector", "catalog_entity_name_lower", "catalog_entity_name_title_trgm"):
        assert index in text, index


@postgres_only
def test_tsquery_syntax_never_reaches_to_tsquery(catalog):
    with CaptureQueriesContext(connection) as queries:
        entity_search_results(query="widget:* & !store | 'x' \\ <->")
    tsqueries = [q["sql"] for q in queries.captured_queries if "to_tsquery" in q["sql"]]
    assert tsqueries and all("'widget:* & store:* & x:*'" in sql for sql in tsqueries)


@sqlite_only
def test_sqlite_suggests_the_closest_name_words(catalog):
    results = entity_search_results(query="widgt")
    assert results.suggestion == "widget"
    assert "component:default/widget" in refs(results.close)
