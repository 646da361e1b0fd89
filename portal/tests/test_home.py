"""The developer's home page: their services and their team's, stars, recent visits, open tasks,
docs, surveys, the panel extension point, and a query count that does not grow with the catalog."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from catalog.models import Location
from core.models import Grant
from portal.home import home_panel_register, home_panel_unregister
from portal.models import EntityStar, EntityVisit
from portal.stars import VISITS_KEPT, visit_record
from scaffolding.models import ScaffoldRun
from surveys import selectors as survey_selectors
from surveys import services as survey_services

pytestmark = pytest.mark.django_db


def _components(tmp_path, settings, count: int, *, owner: str, prefix: str, docs: bool = False) -> list[str]:
    folder = tmp_path / f"more-{prefix}"
    folder.mkdir()
    docs_annotation = "  annotations: {backstage.io/techdocs-ref: dir:.}\n" if docs else ""
    documents = [
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {prefix}-{i}\n{docs_annotation}"
        f"spec: {{type: service, lifecycle: experimental, owner: {owner}}}\n"
        for i in range(count)
    ]
    path = folder / "catalog-info.yaml"
    path.write_text("---\n".join(documents))
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(folder)]
    location = Location.objects.create(type="file", target=str(path))
    catalog_services.location_refresh(location_id=location.pk)
    return [f"component:default/{prefix}-{i}" for i in range(count)]


def _section(content: str, heading_id: str) -> str:
    start = content.index(f'id="{heading_id}"')
    end = content.find("</section>", start)
    return content[start:end]


def test_home_needs_a_signed_in_person(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_team_services_follow_group_membership_and_parent_groups(client, org, owner, lead, outsider):
    client.force_login(owner)
    team = _section(client.get("/").content.decode(), "home-team")
    assert "orders" in team and "billing" not in team
    client.force_login(lead)  # engineering is team-a's parent: its members own team-a's services too
    assert "orders" in _section(client.get("/").content.decode(), "home-team")
    client.force_login(outsider)
    team = _section(client.get("/").content.decode(), "home-team")
    assert "billing" in team and "orders" not in team


def test_my_services_are_the_components_owned_by_my_catalog_user(client, org, owner, teammate, tmp_path, settings):
    _components(tmp_path, settings, 2, owner="user:owner", prefix="mine")
    client.force_login(owner)
    content = client.get("/").content.decode()
    assert "mine-0" in _section(content, "home-mine") and "mine-0" not in _section(content, "home-team")
    assert "orders" not in _section(content, "home-mine")
    client.force_login(teammate)
    assert "mine-0" not in client.get("/").content.decode()


def test_home_lists_only_what_the_read_policy_lets_through(client, org, outsider):
    EntityStar.objects.create(user=outsider, entity_ref=org.orders.ref)
    EntityVisit.objects.create(user=outsider, entity_ref=org.orders.ref, visited_at=datetime.datetime.now(datetime.UTC))
    client.force_login(outsider)
    assert "orders" in _section(client.get("/").content.decode(), "home-starred")
    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    from core.access import access_cache_clear

    access_cache_clear()
    content = client.get("/").content.decode()
    assert "orders" not in _section(content, "home-starred") and "orders" not in _section(content, "home-recent")


def test_visiting_an_entity_page_lists_it_as_recent(client, org, owner, outsider):
    client.force_login(owner)
    page = client.get("/catalog/default/component/billing/")
    assert page.status_code == 200 and "/stars/default/component/billing/button/" in page.content.decode()
    assert "billing" not in _section(client.get("/").content.decode(), "home-recent")  # the page alone writes nothing
    assert client.get("/stars/default/component/billing/button/").status_code == 200  # as the shown page loads it
    assert "billing" in _section(client.get("/").content.decode(), "home-recent")
    client.force_login(outsider)
    assert "billing" not in _section(client.get("/").content.decode(), "home-recent")


def test_recent_visits_are_bounded_and_newest_first(org, owner):
    for i in range(VISITS_KEPT + 5):
        visit_record(user=owner, ref=f"component:default/x-{i}")
    visit_record(user=owner, ref="component:default/x-24")  # again: updated, not duplicated
    refs = list(EntityVisit.objects.filter(user=owner).order_by("-visited_at", "-pk").values_list("entity_ref",
                                                                                                 flat=True))
    assert len(refs) == VISITS_KEPT
    assert refs[0] == "component:default/x-24" and "component:default/x-0" not in refs


def test_open_tasks_are_mine_and_unfinished(client, owner, teammate):
    ScaffoldRun.objects.create(template_ref="template:default/go", template_title="Go service running",
                               created_by=owner, status=ScaffoldRun.Status.PROCESSING)
    ScaffoldRun.objects.create(template_ref="template:default/go", template_title="Go service done",
                               created_by=owner, status=ScaffoldRun.Status.COMPLETED)
    ScaffoldRun.objects.create(template_ref="template:default/go", template_title="Someone else's",
                               created_by=teammate, status=ScaffoldRun.Status.OPEN)
    client.force_login(owner)
    tasks = _section(client.get("/").content.decode(), "home-tasks")
    assert "Go service running" in tasks
    assert "Go service done" not in tasks and "Someone else" not in tasks


def test_docs_of_my_team_entities(client, org, owner, outsider, tmp_path, settings):
    _components(tmp_path, settings, 1, owner="team-a", prefix="documented", docs=True)
    client.force_login(owner)
    docs = _section(client.get("/").content.decode(), "home-docs")
    assert "documented-0" in docs and "/docs/default/component/documented-0/" in docs
    client.force_login(outsider)
    assert "documented-0" not in _section(client.get("/").content.decode(), "home-docs")


def _open_campaign(audience=None):
    day = survey_selectors.today()
    return survey_services.campaign_create_default(
        title="Developer survey 2026-Q4", quarter="2026-Q4", opens_on=day - datetime.timedelta(days=1),
        closes_on=day + datetime.timedelta(days=14), audience_groups=audience)


def test_survey_status_for_my_team(client, org, owner, outsider):
    campaign = _open_campaign(audience=["group:default/team-a"])
    client.force_login(owner)
    surveys = _section(client.get("/").content.decode(), "home-surveys")
    assert "Developer survey 2026-Q4" in surveys and f"/surveys/{campaign.pk}/answer/" in surveys
    assert "team-a" in surveys
    client.force_login(outsider)  # not in the audience
    assert "Developer survey" not in _section(client.get("/").content.decode(), "home-surveys")


def test_home_panels_are_an_extension_point(client_owner):
    home_panel_register(key="test.panel", title="Scorecards", template="portal/unavailable.html",
                        context=lambda request: {"feature": "Scorecard status"})
    home_panel_register(key="test.broken", title="Broken", template="portal/unavailable.html",
                        context=lambda request: 1 / 0)
    home_panel_register(key="test.hidden", title="Hidden", template="portal/unavailable.html",
                        context=lambda request: None)
    try:
        response = client_owner.get("/")
        content = response.content.decode()
        assert response.status_code == 200
        assert 'data-home-panel="test.panel"' in content and "Scorecard status" in content
        assert 'data-home-panel="test.broken"' not in content and 'data-home-panel="test.hidden"' not in content
    finally:
        for key in ("test.panel", "test.broken", "test.hidden"):
            home_panel_unregister(key=key)


def test_home_menu_has_the_measurement_apps(client_owner):
    content = client_owner.get("/").content.decode()
    assert 'href="/scorecards/"' in content and 'href="/insights/"' in content and 'href="/maturity/"' in content
    assert 'href="/create/"' in content and 'href="/docs/"' in content


def _home_queries(client) -> int:
    client.get("/")  # warm the per-process caches (identity, roles) as a running server has them
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


@pytest.mark.parametrize("restricted", [False, True])
def test_home_query_count_does_not_grow_with_the_catalog(client, org, owner, tmp_path, settings, restricted):
    if restricted:
        Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    _open_campaign()
    client.force_login(owner)

    def fill(count: int, prefix: str) -> None:
        refs = _components(tmp_path, settings, count, owner="team-a", prefix=prefix, docs=True)
        refs += _components(tmp_path, settings, count, owner="user:owner", prefix=f"{prefix}-own")
        for ref in refs:
            EntityStar.objects.get_or_create(user=owner, entity_ref=ref)
            visit_record(user=owner, ref=ref)
        for _ in range(count):
            ScaffoldRun.objects.create(template_ref="template:default/go", created_by=owner)

    fill(5, "small")
    small = _home_queries(client)
    fill(45, "large")
    large = _home_queries(client)
    print(f"home page queries: {small} with 5 entities a list, {large} with 50")
    assert large == small, (small, large)
    assert large <= 20
