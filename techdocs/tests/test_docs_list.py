"""The Docs list at catalog scale: filters and pagination in SQL (keyset on ref), a constant number
of queries, the docs' text searched, and an owner box with a bounded list of suggestions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.tests.factories import yaml_load
from techdocs import selectors, services
from techdocs.models import DocsBuild, DocsSite

pytestmark = pytest.mark.django_db


def documented_yaml(count: int, *, owner: str = "team-a", prefix: str = "svc", groups: int = 1) -> str:
    group_names = [owner if i == 0 else f"{owner}-{i}" for i in range(groups)]
    docs = [f"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: {name}}}\n"
            f"spec: {{type: team, children: []}}\n" for name in group_names]
    for i in range(count):
        docs.append(f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {prefix}-{i:03d}\n"
                    f"  description: Service number {i}\n"
                    f"  annotations: {{backstage.io/techdocs-ref: 'dir:.'}}\n"
                    f"spec: {{type: service, lifecycle: production, owner: {owner}}}\n")
    return "---\n".join(docs)


def names(page) -> list[str]:
    return [row.entity.name for row in page.rows]


def queries_of(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("techdocs:list"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "service"}, {"owner": "team-a"}, {"state": "pending"},
                                    {"after": "component:default/svc-002"}])
def test_the_list_runs_the_same_queries_at_5_and_50_entities(tmp_path, client_owner, params):
    yaml_load(tmp_path, documented_yaml(5))
    queries_of(client_owner, params)  # the first request of a session fills per-process caches
    few = queries_of(client_owner, params)
    yaml_load(tmp_path, documented_yaml(45, prefix="svd", groups=0), name="more.yaml")
    assert queries_of(client_owner, params) == few


def test_pages_follow_the_ref_order_with_next_and_previous_cursors(tmp_path):
    yaml_load(tmp_path, documented_yaml(120))
    first = selectors.docs_list(page_size=50)
    assert names(first)[0] == "svc-000" and len(first.rows) == 50 and not first.before
    second = selectors.docs_list(after=first.after, page_size=50)
    assert names(second)[0] == "svc-050" and second.before == "component:default/svc-050"
    third = selectors.docs_list(after=second.after, page_size=50)
    assert names(third) == [f"svc-{i:03d}" for i in range(100, 120)] and not third.after
    back = selectors.docs_list(before=third.before, page_size=50)
    assert names(back) == names(second)
    assert names(selectors.docs_list(before=back.before, page_size=50)) == names(first)


def test_the_page_links_to_the_next_page_keeping_the_filters(tmp_path, client_owner):
    yaml_load(tmp_path, documented_yaml(60))
    html = client_owner.get(reverse("techdocs:list"), {"q": "service", "owner": "team-a"}).content.decode()
    assert 'href="?q=service&amp;owner=team-a&amp;after=component%3Adefault/svc-049"' in html
    html = client_owner.get(reverse("techdocs:list"), {"after": "component:default/svc-049"}).content.decode()
    assert "svc-050" in html and "svc-049<" not in html and 'rel="prev"' in html


def test_the_owner_filter_takes_a_name_or_a_ref(tmp_path):
    yaml_load(tmp_path, documented_yaml(3, owner="team-a"))
    yaml_load(tmp_path, documented_yaml(2, owner="team-b", prefix="other"), name="b.yaml")
    assert names(selectors.docs_list(owner="team-b")) == ["other-000", "other-001"]
    assert names(selectors.docs_list(owner="Group:default/team-b")) == ["other-000", "other-001"]
    assert selectors.docs_list(owner="nobody").rows == []


def test_the_owner_box_suggests_at_most_a_hundred_owners_matching_what_was_typed(tmp_path, client_owner):
    yaml_load(tmp_path, documented_yaml(1, groups=150))
    html = client_owner.get(reverse("techdocs:list")).content.decode()
    assert html.count("<option value=\"group:default/team-a") == 100  # never every owner
    response = client_owner.get(reverse("techdocs:owner_suggestions"), {"owner": "team-a-14"})
    options = response.content.decode()
    assert response.status_code == 200 and options.count("<option") == 11  # team-a-14, team-a-140..149
    assert "group:default/team-a-14" in options and "team-a-2" not in options


def test_the_filter_searches_the_text_of_built_docs(client_owner, documented):
    documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    documented("unbuilt")
    # "reconciliation" appears only in the ledger's runbook page, not in any name or description.
    assert names(selectors.docs_list(query="reconciliation worker")) == ["ledger"]
    html = client_owner.get(reverse("techdocs:list"), {"q": "reconciliation"}).content.decode()
    assert "Ledger Service" in html and "component:default/unbuilt" not in html
    assert names(selectors.docs_list(query="books payment")) == ["ledger"]  # the site's description


def test_each_state_filter_matches_the_state_shown(tmp_path):
    yaml_load(tmp_path, documented_yaml(7))
    now = timezone.now()
    old = now - timezone.timedelta(days=400)

    def site(i, **fields):
        return DocsSite.objects.create(entity_ref=f"component:default/svc-{i:03d}", namespace="default",
                                       kind="component", name=f"svc-{i:03d}", **fields)

    site(1, built_at=now)
    DocsBuild.objects.create(site=site(2, built_at=now), reason="manual", status=DocsBuild.Status.RUNNING)
    DocsBuild.objects.create(site=site(3, built_at=now), reason="manual", status=DocsBuild.Status.FAILED)
    site(4, ref_error="no such directory")
    site(5, built_at=old)
    s6 = site(6)
    DocsBuild.objects.create(site=s6, reason="manual", status=DocsBuild.Status.FAILED)
    DocsBuild.objects.create(site=s6, reason="manual", status=DocsBuild.Status.SUCCEEDED)
    every = selectors.docs_list().rows
    for state in selectors.STATES:
        expected = [r.entity.name for r in every if (r.stale if state == "stale" else r.state == state)]
        assert names(selectors.docs_list(state=state)) == expected, state
    assert names(selectors.docs_list(state="pending")) == ["svc-000", "svc-006"]


@pytest.mark.parametrize("params", [
    {"q": "a & b | !c :* (d"}, {"q": "\x00drop"}, {"q": "'; DROP TABLE x; --"}, {"q": "é" * 500},
    {"owner": ":::///"}, {"owner": "\x00"}, {"after": "\x00"}, {"before": "zzz" * 400}, {"state": "<script>"},
])
def test_hostile_filters_answer_a_page(tmp_path, client_owner, params):
    yaml_load(tmp_path, documented_yaml(3))
    response = client_owner.get(reverse("techdocs:list"), params)
    assert response.status_code == 200
    suggestions = client_owner.get(reverse("techdocs:owner_suggestions"), {"owner": params.get("owner", "x")})
    assert suggestions.status_code == 200
