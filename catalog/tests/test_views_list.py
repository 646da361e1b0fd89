import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Entity
from catalog.revision import revision_cache_clear
from catalog.tests.factories import components_yaml, yaml_load

pytestmark = pytest.mark.django_db

USER_OWNER = """\
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {memberOf: [team-a]}
"""


@pytest.fixture
def catalog_30(tmp_path):
    return yaml_load(tmp_path, components_yaml(30))


@pytest.mark.parametrize("path", ["/catalog/", "/catalog/register/", "/catalog/locations/", "/catalog/orphans/",
                                  "/catalog/errors/", "/catalog/default/component/x/"])
def test_anonymous_people_are_sent_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_full_page_lists_entities_with_facets_and_tabs(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"kind": "component"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="entity-facets"' in html and "Register existing component" in html
    assert 'href="/catalog/default/component/svc-000/"' in html
    assert 'href="/catalog/default/group/team-a/"' in html  # owner link
    assert "30 entities" in html
    assert response["Vary"] and "HX-Request" in response["Vary"]
    facet = response.context["result"].facets
    assert {v.value: v.count for v in facet["spec_type"]} == {"service": 15, "website": 15}
    assert {v.value: v.count for v in facet["tag"]}["shared"] == 30


def test_htmx_request_gets_only_the_table_and_out_of_band_facets(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"type": "website"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "<table" in html
    assert 'id="entity-facets" class="facets" aria-label="Filters" hx-swap-oob="true"' in html
    assert "15 entities" in html
    assert "HX-Request" in response["Vary"]
    # Facet links keep a real href next to hx-get, so the page works without JavaScript.
    assert 'href="/catalog/?type=website&amp;tag=shared" hx-get="/catalog/?type=website&amp;tag=shared"' in html


def test_search_filters_the_list(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"q": "svc-007"})
    assert [e.name for e in response.context["entities"]] == ["svc-007"]


def test_pagination_links_keep_the_filters(client_owner, catalog_30, settings):
    response = client_owner.get("/catalog/", {"kind": "component", "page": "2"})
    page = response.context["page_obj"]
    assert (page.number, page.paginator.num_pages, len(page.object_list)) == (2, 2, 5)
    assert 'href="/catalog/?kind=component" hx-get="/catalog/?kind=component" rel="prev"' in response.content.decode()
    assert client_owner.get("/catalog/", {"page": "999"}).status_code == 200
    assert client_owner.get("/catalog/", {"page": "nonsense"}).status_code == 200


def test_owned_by_my_groups(client_owner, tmp_path):
    yaml_load(tmp_path, components_yaml(3, owner="team-a", prefix="mine") + "---\n" + USER_OWNER, name="a.yaml")
    yaml_load(tmp_path, components_yaml(2, owner="team-b", prefix="theirs"), name="b.yaml")
    response = client_owner.get("/catalog/", {"mine": "1", "kind": "component"})
    assert [e.name for e in response.context["entities"]] == ["mine-000", "mine-001", "mine-002"]
    assert "☑ Owned by my groups" in response.content.decode()


def test_odd_filter_values_do_not_fail(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"kind": "x" * 500, "q": "<script>", "mine": "maybe"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1]


@pytest.mark.parametrize("url", ["/catalog/", "/catalog/?kind=component&tag=shared&mine=1&sort=-owner",
                                 "/catalog/?owner=group:default/team-a&owner=group:default/team-b&q=svc&page=2"])
def test_list_uses_the_same_number_of_queries_for_5_and_30_entities(client_owner, tmp_path, url):
    yaml_load(tmp_path, components_yaml(5) + "---\n" + USER_OWNER, name="five.yaml")
    client_owner.get(url)  # warm up the session
    revision_cache_clear()
    with CaptureQueriesContext(connection) as small_cold:
        client_owner.get(url)
    with CaptureQueriesContext(connection) as small_warm:
        client_owner.get(url)
    yaml_load(tmp_path, components_yaml(25, owner="team-a", prefix="more").split("---\n", 1)[1], name="more.yaml")
    with CaptureQueriesContext(connection) as large_cold:  # the catalog changed: counts are computed again
        response = client_owner.get(url)
    with CaptureQueriesContext(connection) as large_warm:
        client_owner.get(url)
    assert response.context["page_obj"].paginator.count >= 5
    assert len(small_cold.captured_queries) == len(large_cold.captured_queries) <= 14
    # An unchanged catalog answers the total and the facet counts from the revision cache.
    assert len(small_warm.captured_queries) == len(large_warm.captured_queries) <= 7
    assert not any("GROUP BY" in q["sql"] or "COUNT(" in q["sql"] for q in large_warm.captured_queries)


# --- Issue 11 item 11: clear, zero results, tag search, owners, sorting, CSV export ----------------

TAGGED = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {{name: {name}, title: "{title}", description: "{description}", tags: [{tags}]}}
spec: {{type: {type}, lifecycle: {lifecycle}, owner: {owner}}}
"""


def _component(name, *, owner="team-a", type="service", lifecycle="production", tags="", title="", description=""):
    return TAGGED.format(name=name, owner=owner, type=type, lifecycle=lifecycle, tags=tags, title=title,
                         description=description)


@pytest.fixture
def mixed(tmp_path):
    docs = [
        _component("zeta", owner="team-b", type="website", lifecycle="experimental", tags="web, main"),
        _component("alpha", owner="team-c", type="library", lifecycle="production", tags="go, main"),
        _component("mid", owner="team-a", type="service", lifecycle="deprecated", tags="go, web, main"),
        # One tag per component beyond the facet's 30 most used values.
        *[_component(f"rare-{i:02d}", owner="team-a", tags=f"rare{i:02d}") for i in range(35)],
    ]
    return yaml_load(tmp_path, "---\n".join(docs), name="mixed.yaml")


def _names(response):
    return [e.name for e in response.context["entities"]]


def test_clear_empties_the_search_text_too(client_owner, catalog_30):
    typed = client_owner.get("/catalog/", {"q": "svc", "kind": "component"}, headers={
        "HX-Request": "true", "HX-Trigger": "catalog-filter-form"})
    html = typed.content.decode()
    assert 'id="catalog-q"' not in html  # the person is typing in it: left alone
    assert typed.context["clear_url"] == "/catalog/"  # no q= left in "Clear all"
    cleared = client_owner.get(typed.context["clear_url"], headers={"HX-Request": "true", "HX-Trigger": "clear"})
    box = cleared.content.decode().split('id="catalog-q"')[1].split(">")[0]
    assert 'value=""' in box and 'hx-swap-oob="true"' in box
    assert cleared.context["page_obj"].paginator.count == Entity.objects.count()


def test_zero_results_keep_each_filter_removable(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"kind": "component", "type": "website", "q": "nothing-like-this"})
    html = response.content.decode()
    assert "No entities match these filters." in html
    chips = {c["label"]: c["url"] for c in response.context["active_filters"]}
    assert chips == {
        "Kind": "/catalog/?type=website&q=nothing-like-this",
        "Type": "/catalog/?kind=component&q=nothing-like-this",
        "Text": "/catalog/?kind=component&type=website",
    }
    assert 'aria-label="Remove filter Text nothing-like-this"' in html
    assert client_owner.get(chips["Text"]).context["page_obj"].paginator.count == 15


def test_tag_facet_searches_past_the_thirty_most_used(client_owner, mixed):
    page = client_owner.get("/catalog/")
    assert len(page.context["result"].facets["tag"]) == 30
    assert "rare34" not in {v.value for v in page.context["result"].facets["tag"]}
    found = client_owner.get("/catalog/tags/", {"tag_q": "RARE3", "kind": "component"},
                             headers={"HX-Request": "true"})
    html = found.content.decode()
    assert "<html" not in html
    assert [v.value for v in found.context["values"]] == ["rare30", "rare31", "rare32", "rare33", "rare34"]
    assert 'href="/catalog/?kind=component&amp;tag=rare34"' in html
    # Without JavaScript the box submits to the page, which lists the same tags.
    full = client_owner.get("/catalog/", {"tag_q": "rare34"})
    assert [v.value for v in full.context["result"].facets["tag"]] == ["rare34"]
    assert "No tag contains “zzz”." in client_owner.get("/catalog/tags/", {"tag_q": "zzz"}).content.decode()


def test_tag_search_counts_over_the_other_filters(client_owner, mixed):
    values = client_owner.get("/catalog/tags/", {"tag_q": "web", "owner": "group:default/team-b"}).context["values"]
    assert [(v.value, v.count) for v in values] == [("web", 1)]


def test_owners_are_a_multi_select(client_owner, mixed):
    response = client_owner.get("/catalog/", {"owner": ["group:default/team-b", "Group:Default/Team-C"]})
    assert sorted(_names(response)) == ["alpha", "zeta"]
    owners = {v.value: v for v in response.context["result"].facets["owner"]}
    assert owners["group:default/team-b"].active and owners["group:default/team-c"].active
    # Each link adds or removes one owner; the counts ignore the owner filter itself.
    assert owners["group:default/team-a"].count == 36
    assert owners["group:default/team-a"].url == ("/catalog/?owner=group%3Adefault%2Fteam-b"
                                                  "&owner=group%3Adefault%2Fteam-c&owner=group%3Adefault%2Fteam-a")
    assert owners["group:default/team-b"].url == "/catalog/?owner=group%3Adefault%2Fteam-c"


@pytest.mark.parametrize(("sort", "expected"), [
    ("", ["alpha", "mid", "zeta"]),
    ("name", ["alpha", "mid", "zeta"]),
    ("-name", ["zeta", "mid", "alpha"]),
    ("owner", ["mid", "zeta", "alpha"]),
    ("-owner", ["alpha", "zeta", "mid"]),
    ("type", ["alpha", "mid", "zeta"]),
    ("-type", ["zeta", "mid", "alpha"]),
    ("lifecycle", ["mid", "zeta", "alpha"]),
    ("-lifecycle", ["alpha", "zeta", "mid"]),
])
def test_columns_sort_on_the_server(client_owner, mixed, sort, expected):
    response = client_owner.get("/catalog/", {"sort": sort, "tag": "main"})
    assert _names(response) == expected
    headers = {h["label"]: h for h in response.context["sort_headers"]}
    column = sort.removeprefix("-")
    if column:
        label = {"name": "Name", "owner": "Owner", "type": "Type", "lifecycle": "Lifecycle"}[column]
        assert headers[label]["direction"] == ("descending" if sort.startswith("-") else "ascending")
        assert headers[label]["url"] == f"/catalog/?tag=main&sort={'' if sort.startswith('-') else '-'}{column}"
        assert f'aria-sort="{headers[label]["direction"]}"' in response.content.decode()
    assert headers["Tags"]["url"] == ""  # not a sortable column
    # The order holds across pages: the next page continues it, and its links keep the sort.
    first = client_owner.get("/catalog/", {"sort": sort})
    paged = client_owner.get("/catalog/", {"sort": sort, "page": "2"})
    total = first.context["page_obj"].paginator.count
    assert not {e.pk for e in first.context["entities"]} & {e.pk for e in paged.context["entities"]}
    assert len(first.context["entities"]) + len(paged.context["entities"]) == min(total, 50)
    if sort:
        assert f"sort={sort.replace('-', '-')}" in paged.context["prev_url"]


@pytest.mark.parametrize(("query", "message"), [
    ({"sort": "password"}, "“password” is not a column to sort by"),
    ({"sort": "name; DROP TABLE catalog_entity"}, "Sort:"),
    ({"page": "-3"}, "Page: Ensure this value is greater than or equal to 1."),
    ({"page": "9" * 40}, "Page:"),
    ({"page": "nonsense"}, "Page: Enter a whole number."),
    ({"page": "40"}, "There is no page 40: this is page 2 of 2."),
    ({"kind": "component:default/x"}, "Kind: a kind is letters"),
    ({"kind": "x" * 500}, "Kind: Ensure this value has at most 63 characters"),
    ({"owner": [f"group:default/t{i}" for i in range(30)]}, "Owner: at most 20 values."),
    ({"owner": "o" * 400}, "Owner: each value has at most 320 characters."),
    ({"q": "q" * 300}, "Search text: Ensure this value has at most 200 characters"),
    ({"tag_q": "t" * 300}, "Tag search:"),
])
def test_hostile_list_parameters_get_a_message_not_a_failure(client_owner, catalog_30, query, message):
    for headers in ({}, {"HX-Request": "true"}):
        response = client_owner.get("/catalog/", query, headers=headers)
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html and "It was ignored." in html or message.startswith("There is no page")
        assert 'role="alert"' in html
        assert response.context["page_obj"].object_list  # the rest of the list still shows
    export = client_owner.get("/catalog/export.csv", query)
    assert export.status_code in (200, 400)
    tags = client_owner.get("/catalog/tags/", query)
    assert tags.status_code == 200


def test_hostile_values_are_escaped(client_owner, catalog_30):
    response = client_owner.get("/catalog/", {"owner": "<img src=x onerror=alert(1)>", "q": "\"><script>x</script>",
                                              "tag_q": "<b>t</b>"})
    main = response.content.decode().split("<main")[1]
    assert "<script>x" not in main and "<img src=x" not in main and "<b>t</b>" not in main
    assert response.context["page_obj"].paginator.count == 0


def test_counts_follow_catalog_changes(client_owner, tmp_path):
    yaml_load(tmp_path, components_yaml(5), name="five.yaml")
    assert client_owner.get("/catalog/", {"kind": "component"}).context["page_obj"].paginator.count == 5
    assert client_owner.get("/catalog/", {"kind": "component"}).context["page_obj"].paginator.count == 5  # cached
    yaml_load(tmp_path, components_yaml(3, prefix="new").split("---\n", 1)[1], name="three.yaml")
    response = client_owner.get("/catalog/", {"kind": "component"})
    assert response.context["page_obj"].paginator.count == 8
    assert {v.value: v.count for v in response.context["result"].facets["tag"]}["shared"] == 8


def _csv(response) -> list[list[str]]:
    import csv
    import io

    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_follows_the_filters_and_the_order(client_owner, mixed):
    response = client_owner.get("/catalog/export.csv", {"tag": "main", "sort": "-owner"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="catalog.csv"'
    rows = _csv(response)
    assert rows[0] == ["ref", "kind", "namespace", "name", "title", "type", "lifecycle", "owner", "tags",
                       "description"]
    assert [r[3] for r in rows[1:]] == ["alpha", "zeta", "mid"]
    assert rows[3] == ["component:default/mid", "Component", "default", "mid", "", "service", "deprecated",
                       "group:default/team-a", "go, web, main", ""]
    page = client_owner.get("/catalog/", {"tag": "main", "sort": "-owner"})
    assert page.context["export_url"] == "/catalog/export.csv?tag=main&sort=-owner"
    assert 'href="/catalog/export.csv?tag=main&amp;sort=-owner" download' in page.content.decode()
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(action="catalog.entity.export").count() == 1


def test_csv_export_defuses_formulas(client_owner, tmp_path):
    yaml_load(tmp_path, "---\n".join([
        _component("calc", title="=HYPERLINK(1)", description="+1+2"),
        _component("calc2", title="@SUM(A1)", description="-2", tags="+cmd"),
        _component("plain", title="Fine - really", description="a=b"),
    ]), name="calc.yaml")
    rows = {r[3]: r for r in _csv(client_owner.get("/catalog/export.csv", {"kind": "component"}))[1:]}
    assert rows["calc"][4] == "'=HYPERLINK(1)" and rows["calc"][9] == "'+1+2"
    assert rows["calc2"][4] == "'@SUM(A1)" and rows["calc2"][9] == "'-2" and rows["calc2"][8] == "'+cmd"
    assert rows["plain"][4] == "Fine - really" and rows["plain"][9] == "a=b"


def test_csv_export_is_bounded(client_owner, catalog_30, monkeypatch):
    from catalog.selectors import listing

    monkeypatch.setattr(listing, "EXPORT_LIMIT", 7)
    assert len(_csv(client_owner.get("/catalog/export.csv"))) == 1 + 7


def test_csv_export_refuses_bad_parameters_with_a_message(client_owner, catalog_30):
    response = client_owner.get("/catalog/export.csv", {"sort": "secret"})
    assert response.status_code == 400
    assert "is not a column to sort by" in response.content.decode()


def test_list_and_export_show_only_what_the_person_may_read(org, outsider, owner):
    from core.models import Grant

    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    for user, visible in ((outsider, {"billing"}), (owner, {"orders"})):
        client = Client()
        client.force_login(user)
        page = client.get("/catalog/", {"kind": "component"})
        assert {e.name for e in page.context["entities"]} == visible
        assert page.context["page_obj"].paginator.count == len(visible)  # counts are per reader
        assert {r[3] for r in _csv(client.get("/catalog/export.csv", {"kind": "component"}))[1:]} == visible
        tags = {v.value for v in client.get("/catalog/tags/", {"tag_q": "pay"}).context["values"]}
        assert tags == ({"payments"} if "orders" in visible else set())


def test_anonymous_people_cannot_export(catalog_30):
    for path in ("/catalog/export.csv", "/catalog/tags/?tag_q=a"):
        response = Client().get(path)
        assert response.status_code == 302 and response.url.startswith("/login/?next=")


def test_history_restore_gets_the_whole_page(client_owner, catalog_30):
    """Back/forward to a page htmx no longer holds in its cache asks for the whole page."""
    response = client_owner.get("/catalog/", {"q": "svc-007"}, headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"})
    html = response.content.decode()
    assert "<html" in html and 'value="svc-007"' in html
    assert "HX-History-Restore-Request" in response["Vary"]
