import pytest

from catalog import selectors
from catalog.models import Entity, ProcessingError
from catalog.selectors import EntityFilters
from catalog.tests.factories import components_yaml, demo_load, yaml_load

pytestmark = pytest.mark.django_db

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: someone-else}
spec:
  profile: {email: Teammate@Example.com}
  memberOf: [team-b]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: alpha, title: Alpha Service, tags: [go, critical], description: Takes payments}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: beta, tags: [go]}
spec: {type: website, lifecycle: experimental, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: gamma-db}
spec: {type: database, owner: team-a}
"""


@pytest.fixture
def org(tmp_path):
    return yaml_load(tmp_path, ORG)


def _facet(result, name):
    return {v.value: v.count for v in result.facets[name]}


def test_facet_counts_come_from_the_filtered_catalog(org):
    result = selectors.entity_list(filters=EntityFilters(kind="component"))
    assert [e.name for e in result.page.object_list] == ["alpha", "beta"]
    assert _facet(result, "spec_type") == {"service": 1, "website": 1}
    assert _facet(result, "tag") == {"go": 2, "critical": 1}
    assert _facet(result, "owner") == {"group:default/team-a": 1, "group:default/team-b": 1}
    # The kind facet ignores the kind filter so the other kinds stay reachable.
    assert {k.value: k.count for k in result.kinds} == {"component": 2, "group": 2, "location": 1, "resource": 1,
                                                        "user": 2}
    assert [k.value for k in result.kinds if k.active] == ["component"]


def test_filters_by_tag_owner_and_lifecycle(org):
    def names(**kwargs):
        return [e.name for e in selectors.entity_list(filters=EntityFilters(**kwargs)).page.object_list]

    assert names(tag="critical") == ["alpha"]
    assert names(tag="GO") == ["alpha", "beta"]
    assert names(owners=("group:default/team-a",)) == ["alpha", "gamma-db"]
    assert names(owners=("group:default/team-a", "Group:Default/Team-B")) == ["alpha", "beta", "gamma-db"]
    assert names(lifecycle="experimental") == ["beta"]
    assert names(q="payments") == ["alpha"]
    assert names(q="alpha service") == ["alpha"]


def test_list_rows_do_not_load_the_entity_json(org):
    row = selectors.entity_list(filters=EntityFilters()).page.object_list[0]
    assert {"body", "final"} <= row.get_deferred_fields()


def test_user_groups_match_by_username_or_email(org, owner, teammate):
    assert selectors.user_groups(owner) == ["group:default/team-a"]
    assert selectors.user_groups(teammate) == ["group:default/team-b"]  # teammate@example.com


def test_owned_by_my_groups(org, owner, outsider):
    result = selectors.entity_list(filters=EntityFilters(mine=True), user=owner)
    assert [e.name for e in result.page.object_list] == ["alpha", "gamma-db"]
    assert selectors.entity_list(filters=EntityFilters(mine=True), user=outsider).page.paginator.count == 0


def test_pagination_happens_in_the_database(tmp_path):
    yaml_load(tmp_path, components_yaml(30))
    result = selectors.entity_list(filters=EntityFilters(kind="component"), page=2, page_size=25)
    assert result.page.paginator.count == 30
    assert [e.name for e in result.page.object_list] == [f"svc-{i:03d}" for i in range(25, 30)]


def test_entity_get_is_case_insensitive(org):
    assert selectors.entity_get(kind="Component", namespace="DEFAULT", name="Alpha").name == "alpha"
    assert selectors.entity_get(kind="component", namespace="default", name="nope") is None


def test_neighbours_in_both_directions_resolve_the_other_entity(org):
    group = selectors.entity_get(kind="group", namespace="default", name="team-a")
    neighbours = {(n.type, n.ref): n for n in selectors.entity_neighbours(entity=group)}
    assert set(neighbours) == {
        ("ownerOf", "component:default/alpha"), ("ownerOf", "resource:default/gamma-db"),
        ("hasMember", "user:default/owner"),
    }
    alpha = neighbours[("ownerOf", "component:default/alpha")]
    assert (alpha.title, alpha.exists, alpha.url) == ("Alpha Service", True, "/catalog/default/component/alpha/")


def test_overview_has_owner_members_system_and_domain():
    demo_load()
    entity = selectors.entity_get(kind="component", namespace="default", name="payment-service")
    overview = selectors.entity_overview(entity=entity)
    assert overview.owner.ref == "group:default/team-payments"
    assert [m.name for m in overview.owner_members] == ["jane.doe", "omar.haddad"]
    assert overview.system.ref == "system:default/billing-system"
    assert overview.domain.ref == "domain:default/commerce"
    assert {n.ref for n in overview.by_type["dependsOn"]} == {
        "resource:default/postgresql-payments", "resource:default/redis-payments"}


def test_search_ranks_exact_names_first(org, tmp_path):
    yaml_load(tmp_path, """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: alpha-tools, description: alpha helpers}
spec: {type: library, lifecycle: production, owner: team-a}
""", name="more.yaml")
    hits = selectors.entity_search(query="alpha", limit=10)
    assert [h.name for h in hits] == ["alpha", "alpha-tools"]
    assert hits[0].url == "/catalog/default/component/alpha/"
    assert [h.name for h in selectors.entity_search(query="critical", limit=10)] == ["alpha"]
    by_owner = [h.name for h in selectors.entity_search(query="team-b", limit=10)]
    assert by_owner[0] == "team-b" and "beta" in by_owner
    assert selectors.entity_search(query="   ", limit=10) == []


def test_search_finds_by_prefix(org):
    assert [h.name for h in selectors.entity_search(query="gam", limit=10)] == ["gamma-db"]


def test_catalog_summary(org):
    summary = selectors.catalog_summary()
    assert summary["entities"] == Entity.objects.count() == 8
    assert summary["kinds"]["component"] == 2
    assert (summary["errors"], summary["orphans"], summary["locations"]) == (0, 0, 1)


def test_entity_errors_include_location_level_errors_of_its_file(tmp_path):
    location = yaml_load(tmp_path, """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: fine}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: broken}
spec: {type: service, owner: team-a}
---
- not an entity
""")
    assert ProcessingError.objects.filter(location=location).count() == 2
    fine = selectors.entity_get(kind="component", namespace="default", name="fine")
    messages = [e.message for e in selectors.entity_errors(entity=fine)]
    assert len(messages) == 1 and "expected an entity mapping" in messages[0]
    page = selectors.error_list()
    assert page.paginator.count == 2


def test_facets_count_the_same_with_every_filter_set_or_none_visible(org):
    from django.db.models import Q

    every = EntityFilters(kind="component", spec_type="service", owners=("group:default/team-a",),
                          lifecycle="production", namespace="default")
    result = selectors.entity_list(filters=every)
    assert [e.name for e in result.page.object_list] == ["alpha"]
    # Each facet counts over the other filters: the alternatives of every filter stay visible.
    assert _facet(result, "spec_type") == {"service": 1}
    assert _facet(result, "owner") == {"group:default/team-a": 1}
    assert _facet(result, "lifecycle") == {"production": 1}
    assert {k.value: k.count for k in result.kinds} == {"component": 1}
    loose = selectors.entity_list(filters=EntityFilters(kind="component", owners=("group:default/team-a",)))
    assert _facet(loose, "owner") == {"group:default/team-a": 1, "group:default/team-b": 1}
    assert {k.value: k.count for k in loose.kinds} == {"component": 1, "resource": 1}
    nothing = selectors.entity_list(filters=EntityFilters(), visible=Q(pk__in=[]))
    assert nothing.page.paginator.count == 0 and not any(nothing.facets.values()) and nothing.kinds == []


def test_facet_counts_match_one_query_per_facet(org):
    """PostgreSQL counts the facets without a filter of their own in one GROUPING SETS scan;
    the answer is the one a GROUP BY per facet gives."""
    from catalog.selectors import listing

    for filters in (EntityFilters(), EntityFilters(kind="component"), EntityFilters(q="a", tag="go")):
        counts = listing._counts(filters, None, None)
        base = listing._filtered(filters, owner_refs=None).order_by()
        assert counts["total"] == base.count()
        for name, column in listing.FACET_COLUMNS.items():
            scope = listing._filtered(filters, owner_refs=None, skip=name).order_by()
            expected = listing._kind_rows(scope) if name == "kind" else listing._column_rows(scope, column)
            assert counts[name] == expected, (filters, name)
