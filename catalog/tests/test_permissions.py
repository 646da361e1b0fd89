"""Who may do what in the catalog, page and API alike (issue 9).

The cast is the root conftest's `org`: owner and teammate are in team-a, lead in its parent group
engineering, outsider in team-b; admin is a superuser. A refused request answers 403 (a page, or
Backstage's envelope), changes nothing and leaves a "denied" audit entry; an allowed one leaves a
"success" entry named after the permission.
"""

import json
from types import SimpleNamespace

import pytest
from django.test import Client

from catalog import selectors, services
from catalog.access import entity_read_filter
from catalog.models import Entity, Location
from catalog.tests.factories import location_load
from core.access import authorize
from core.models import AuditEntry, Grant, Role
from portal.tokens import api_token_create

pytestmark = pytest.mark.django_db

CAST = ("owner", "teammate", "lead", "outsider", "admin")
# Who owns team-a's things: its members and the members of its parent group, and admins.
TEAM_A = {"owner": True, "teammate": True, "lead": True, "outsider": False, "admin": True}

TEAM_A_YAML = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: alpha
  annotations: {paved.dev/tier: gold}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: beta, tags: [batch]}
spec: {type: service, lifecycle: production, owner: group:default/team-a}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: alpha-api}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0"}
"""


@pytest.fixture
def people(org, owner, teammate, lead, outsider, admin_user) -> dict:
    return {"owner": owner, "teammate": teammate, "lead": lead, "outsider": outsider, "admin": admin_user}


@pytest.fixture
def team_a(org, tmp_path) -> SimpleNamespace:
    """A location that emits only team-a's entities (registered by nobody in the cast)."""
    folder = tmp_path / "team-a"
    folder.mkdir()
    path = folder / "catalog-info.yaml"
    path.write_text(TEAM_A_YAML)
    location = location_load(path)
    return SimpleNamespace(location=location, path=path, alpha=Entity.objects.get(ref="component:default/alpha"))


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user, name='test')}"})


def audited(user, action: str, outcome: str) -> bool:
    return AuditEntry.objects.filter(actor=user, action=action, outcome=outcome).exists()


def assert_refused(response, *, api: bool) -> None:
    assert response.status_code == 403
    if api:
        body = response.json()
        assert body["error"]["name"] == "NotAllowedError"
        assert body["response"] == {"statusCode": 403}
        assert "not allowed" in body["error"]["message"]


# --- The matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("who", CAST)
def test_entity_refresh(people, org, who, via):
    user = people[who]
    if via == "page":
        response = page_client(user).post("/catalog/default/component/orders/refresh/")
    else:
        response = api_client(user).post("/api/catalog/refresh", json.dumps({"entityRef": "component:default/orders"}),
                                          content_type="application/json")
    requested = Location.objects.get(pk=org.location.pk).refresh_requested_at
    if TEAM_A[who]:
        assert response.status_code == (302 if via == "page" else 200)
        assert requested is not None
        assert audited(user, "catalog.entity.refresh", "success")
    else:
        assert_refused(response, api=via == "api")
        assert requested is None
        assert audited(user, "catalog.entity.refresh", "denied")
        assert not audited(user, "catalog.entity.refresh", "success")


@pytest.mark.parametrize("via", ["page", "api", "orphan page"])
@pytest.mark.parametrize("who", CAST)
def test_entity_delete(people, team_a, who, via):
    user = people[who]
    entity = team_a.alpha
    if via == "page":
        response = page_client(user).post("/catalog/default/component/alpha/unregister/", {"remove": "entity"})
    elif via == "api":
        response = api_client(user).delete(f"/api/catalog/entities/by-uid/{entity.uid}")
    else:
        team_a.path.write_text(TEAM_A_YAML.split("---\n", 1)[1])  # alpha leaves its file: an orphan
        services.location_refresh(location_id=team_a.location.pk)
        assert Entity.objects.get(pk=entity.pk).orphan
        response = page_client(user).post(f"/catalog/orphans/{entity.pk}/delete/")
    exists = Entity.objects.filter(pk=entity.pk).exists()
    if TEAM_A[who]:
        assert response.status_code == {"page": 302, "api": 204, "orphan page": 302}[via]
        assert not exists
        assert AuditEntry.objects.filter(actor=user, action="catalog.entity.delete", target=entity.ref,
                                         outcome="success").exists()
    else:
        assert_refused(response, api=via == "api")
        assert exists and Location.objects.filter(pk=team_a.location.pk).exists()
        assert audited(user, "catalog.entity.delete", "denied")


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("who", CAST)
def test_location_delete(people, team_a, who, via):
    user = people[who]
    location = team_a.location
    if via == "page":
        response = page_client(user).post(f"/catalog/locations/{location.pk}/delete/")
    else:
        response = api_client(user).delete(f"/api/catalog/locations/{location.pk}")
    if TEAM_A[who]:
        assert response.status_code == (302 if via == "page" else 204)
        assert not Location.objects.filter(pk=location.pk).exists()
        assert not Entity.objects.filter(location_id=location.pk).exists()
        assert audited(user, "catalog.location.delete", "success")
    else:
        assert_refused(response, api=via == "api")
        assert Entity.objects.filter(location_id=location.pk).count() == 4  # 3 + the generated Location
        assert audited(user, "catalog.location.delete", "denied")


@pytest.mark.parametrize("who", CAST)
def test_location_refresh_and_delete_pages(people, team_a, who):
    user = people[who]
    client = page_client(user)
    location = team_a.location
    confirm = client.get(f"/catalog/locations/{location.pk}/delete/")
    response = client.post(f"/catalog/locations/{location.pk}/refresh/")
    detail = client.get(f"/catalog/locations/{location.pk}/").content.decode()
    requested = Location.objects.get(pk=location.pk).refresh_requested_at
    if TEAM_A[who]:
        assert confirm.status_code == 200 and response.status_code == 302 and requested is not None
        assert "↻ Refresh" in detail and "Delete…" in detail
        assert audited(user, "catalog.location.refresh", "success")
    else:
        assert confirm.status_code == 403 and response.status_code == 403 and requested is None
        assert "↻ Refresh" not in detail and "Delete…" not in detail
        assert audited(user, "catalog.location.refresh", "denied")


@pytest.mark.parametrize("who", CAST)
def test_entity_page_shows_refresh_and_unregister_only_to_those_allowed(people, org, who):
    html = page_client(people[who]).get("/catalog/default/component/orders/").content.decode()
    assert ('action="/catalog/default/component/orders/refresh/"' in html) is TEAM_A[who]
    assert ('href="/catalog/default/component/orders/unregister/"' in html) is TEAM_A[who]


@pytest.mark.parametrize("who", CAST)
def test_unregister_confirm_page(people, org, who):
    response = page_client(people[who]).get("/catalog/default/component/orders/unregister/")
    if not TEAM_A[who]:
        assert response.status_code == 403
        return
    html = response.content.decode()
    assert response.status_code == 200 and "Delete entity" in html
    # org's file also emits team-b's billing and the unowned groups: only an admin may remove it whole.
    assert ("Unregister location" in html) is (who == "admin")
    if who != "admin":
        assert "comes back on the location's next refresh" in html


# --- The demo-root attack ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "lead", "outsider"])
@pytest.mark.parametrize("via", ["page", "api", "unregister"])
def test_nobody_but_an_admin_removes_a_location_emitting_many_owners_entities(people, org, who, via):
    """Before: any signed-in person deleted the demo root location and its 80 entities."""
    user = people[who]
    before = Entity.objects.count()
    if via == "page":
        response = page_client(user).post(f"/catalog/locations/{org.location.pk}/delete/")
    elif via == "api":
        response = api_client(user).delete(f"/api/catalog/locations/{org.location.pk}")
    else:  # a team-a member unregisters its component, asking for the whole location
        response = page_client(user).post("/catalog/default/component/orders/unregister/", {"remove": "location"})
    assert Location.objects.filter(pk=org.location.pk).exists()
    if via == "unregister" and TEAM_A[who]:
        assert response.status_code == 302  # the entity alone went
        assert Entity.objects.count() == before - 1 and not Entity.objects.filter(ref="component:default/orders")
    else:
        assert_refused(response, api=via == "api")
        assert Entity.objects.count() == before


def test_an_admin_may_remove_it(admin_user, org):
    response = api_client(admin_user).delete(f"/api/catalog/locations/{org.location.pk}")
    assert response.status_code == 204 and not Entity.objects.exists()


def test_an_owner_of_everything_a_location_emits_unregisters_the_location(owner, team_a):
    client = page_client(owner)
    assert "Unregister location" in client.get("/catalog/default/component/alpha/unregister/").content.decode()
    response = client.post("/catalog/default/component/alpha/unregister/", {"remove": "location"})
    assert response.status_code == 302
    assert not Location.objects.filter(pk=team_a.location.pk).exists()
    assert audited(owner, "catalog.location.delete", "success")


# --- Everyone's grants, removed ---------------------------------------------------------------------


def _api_post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


REQUESTS = {
    "register page": lambda user, target: page_client(user).get("/catalog/register/"),
    "register import": lambda user, target: page_client(user).post(
        "/catalog/register/", {"target": target, "action": "import"}),
    "api locations": lambda user, target: _api_post(
        api_client(user), "/api/catalog/locations", {"type": "file", "target": target}),
    "api analyze": lambda user, target: _api_post(
        api_client(user), "/api/catalog/analyze-location", {"location": {"type": "file", "target": target}}),
    "api validate": lambda user, target: _api_post(
        api_client(user), "/api/catalog/validate-entity", {"entity": {}, "location": "url:https://x"}),
}
PERMISSION_OF = {"register page": "catalog.location.create", "register import": "catalog.location.create",
                 "api locations": "catalog.location.create", "api analyze": "catalog.location.create",
                 "api validate": "catalog.entity.validate"}


@pytest.mark.parametrize("request_name", sorted(REQUESTS))
def test_everyone_may_register_and_validate_until_the_grant_is_removed(org, outsider, tmp_path,
                                                                       request_name):
    target = tmp_path / "new.yaml"
    target.write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: newcomer}\n"
                      "spec: {type: service, lifecycle: production, owner: team-b}\n")
    allowed = REQUESTS[request_name](outsider, str(target))
    assert allowed.status_code in (200, 201, 302, 400)  # 400: validate-entity's answer for an invalid entity
    Location.objects.filter(target=str(target)).delete()
    Grant.objects.filter(role__everyone=True, permission=PERMISSION_OF[request_name]).delete()
    refused = REQUESTS[request_name](outsider, str(target))
    assert refused.status_code == 403
    assert not Location.objects.filter(target=str(target)).exists()


# --- Reads through catalog.entity.read -------------------------------------------------------------


def _read_rule(rule: str, params: dict | None = None) -> None:
    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule=rule,
                                                                                      params=params or {})


def test_the_default_policy_adds_no_read_condition(people):
    assert all(entity_read_filter(user) is None for user in people.values())


@pytest.mark.parametrize(("rule", "params"), [
    ("IS_ENTITY_OWNER", {}),
    ("IS_ENTITY_KIND", {"kinds": ["component", "Group"]}),
    ("HAS_TAG", {"tag": "Payments"}),
    ("HAS_ANNOTATION", {"annotation": "paved.dev/tier"}),
    ("HAS_ANNOTATION", {"annotation": "paved.dev/tier", "value": "gold"}),
    ("HAS_ANNOTATION", {"annotation": "paved.dev/tier", "value": "silver"}),
    ("NO_SUCH_RULE", {}),
])
def test_the_read_filter_selects_what_authorize_allows(people, team_a, rule, params):
    from catalog.access import entity_resource

    _read_rule(rule, params)
    everything = list(Entity.objects.all())
    for who, user in people.items():
        expected = {e.ref for e in everything if authorize(user, "catalog.entity.read", entity_resource(e))}
        condition = entity_read_filter(user)
        found = set(Entity.objects.all().values_list("ref", flat=True)) if condition is None else set(
            Entity.objects.filter(condition).values_list("ref", flat=True))
        assert found == expected, (who, rule)
        if who != "admin" and rule != "IS_ENTITY_KIND":
            assert found != {e.ref for e in everything}, (who, rule)


def test_an_owner_only_read_policy_hides_other_teams_entities_everywhere(people, org):
    _read_rule("IS_ENTITY_OWNER")
    outsider = people["outsider"]
    page, api = page_client(outsider), api_client(outsider)
    visible = {"component:default/billing", "group:default/team-b"}  # a group is owned by itself

    listed = page.get("/catalog/").context["result"].page.paginator.object_list
    assert {e.ref for e in listed} == visible
    assert page.get("/catalog/default/component/orders/").status_code == 404
    assert page.get("/catalog/default/component/billing/").status_code == 200
    assert {e.ref for e in selectors.entity_search(query="orders billing team",
                                                   visible=entity_read_filter(outsider))} <= visible

    assert {f"{e['kind'].lower()}:default/{e['metadata']['name']}" for e in api.get(
        "/api/catalog/entities", {"limit": 100}).json()} == visible
    query = api.get("/api/catalog/entities/by-query", {"limit": 1})
    assert query.json()["totalItems"] == 2
    more = api.get("/api/catalog/entities/by-query", {"cursor": query.json()["pageInfo"]["nextCursor"]})
    assert len(more.json()["items"]) == 1
    assert api.get("/api/catalog/entities/by-name/component/default/orders").status_code == 404
    assert api.get("/api/catalog/entities/by-name/component/default/billing").status_code == 200
    assert api.get(f"/api/catalog/entities/by-uid/{org.orders.uid}").status_code == 404
    refs = _api_post(api, "/api/catalog/entities/by-refs",
                     {"entityRefs": ["component:default/orders", "component:default/billing"]}).json()["items"]
    assert refs[0] is None and refs[1]["metadata"]["name"] == "billing"
    kinds = {f["value"]: f["count"] for f in api.get("/api/catalog/entity-facets", {"facet": "kind"}).json()[
        "facets"]["kind"]}
    assert kinds == {"Component": 1, "Group": 1}
    assert api.get("/api/catalog/entities/by-name/component/default/orders/ancestry").status_code == 404
    refresh = _api_post(api, "/api/catalog/refresh", {"entityRef": "component:default/orders"})
    assert refresh.status_code == 404  # what one may not see, one cannot act on either

    admin = api_client(people["admin"])
    assert admin.get("/api/catalog/entities/by-query").json()["totalItems"] == Entity.objects.count()


# --- CSRF on the API with a session cookie ----------------------------------------------------------


def session(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


EVIL = {"Origin": "https://evil.example"}


def test_a_cross_site_text_plain_post_with_a_session_is_refused(admin_user, org):
    """Before: a form on another site could post text/plain JSON and refresh anything."""
    response = session(admin_user).post("/api/catalog/refresh", json.dumps({"entityRef": "component:default/orders"}),
                                        content_type="text/plain", headers=EVIL)
    assert response.status_code == 403
    assert response.json()["error"]["name"] == "NotAllowedError"
    assert "CSRF token is missing" in response.json()["error"]["message"]
    assert Location.objects.get(pk=org.location.pk).refresh_requested_at is None


def test_a_delete_with_a_session_and_no_token_is_refused(admin_user, org):
    response = session(admin_user).delete(f"/api/catalog/entities/by-uid/{org.orders.uid}", headers=EVIL)
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]
    assert Entity.objects.filter(pk=org.orders.pk).exists()
    response = session(admin_user).delete(f"/api/catalog/locations/{org.location.pk}")
    assert response.status_code == 403 and Location.objects.filter(pk=org.location.pk).exists()


def test_the_same_requests_with_the_token_work(admin_user, org):
    client = session(admin_user)
    client.get("/catalog/")  # the page sets the csrftoken cookie and hands htmx the token
    token = {"X-CSRFToken": client.cookies["csrftoken"].value}
    response = client.post("/api/catalog/refresh", json.dumps({"entityRef": "component:default/orders"}),
                           content_type="application/json", headers=token)
    assert response.status_code == 200
    assert client.delete(f"/api/catalog/entities/by-uid/{org.orders.uid}", headers=token).status_code == 204


def test_bearer_clients_need_no_csrf_token(admin_user, org):
    client = Client(enforce_csrf_checks=True,
                    headers={"Authorization": f"Bearer {api_token_create(user=admin_user, name='ci')}"})
    response = client.post("/api/catalog/refresh", json.dumps({"entityRef": "component:default/orders"}),
                           content_type="text/plain", headers=EVIL)
    assert response.status_code == 200
    assert client.delete(f"/api/catalog/entities/by-uid/{org.orders.uid}").status_code == 204


def test_safe_requests_with_a_session_need_no_token(owner, org):
    assert session(owner).get("/api/catalog/entities/by-name/component/default/orders").status_code == 200


def test_permission_denied_is_the_envelope_for_session_clients_too(outsider, org):
    client = session(outsider)
    client.get("/catalog/")
    response = client.delete(f"/api/catalog/entities/by-uid/{org.orders.uid}",
                             headers={"X-CSRFToken": client.cookies["csrftoken"].value})
    assert_refused(response, api=True)
    assert Role.objects.filter(everyone=True).exists() and Entity.objects.filter(pk=org.orders.pk).exists()


def test_registering_a_location_is_audited(outsider, org, tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: mine}\n"
                      "spec: {type: service, lifecycle: production, owner: team-b}\n")
    response = _api_post(api_client(outsider), "/api/catalog/locations", {"type": "file", "target": str(target)})
    assert response.status_code == 201
    entry = AuditEntry.objects.get(actor=outsider, action="catalog.location.create")
    assert entry.outcome == "success" and entry.target == f"file:{target}"
    # The person who registered a location may remove it again, whoever its entities name as owner.
    location_id = response.json()["location"]["id"]
    assert api_client(outsider).delete(f"/api/catalog/locations/{location_id}").status_code == 204
