import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import CatalogEvent, Entity
from catalog.tests.factories import demo_load, yaml_load

pytestmark = pytest.mark.django_db

PAYMENT_SERVICE = "/catalog/default/component/payment-service/"

BAD_APIS = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: broken-yaml}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: [3.0\\n  paths: {"}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: not-openapi}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "just some text"}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: weird-paths}
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: |
    openapi: 3.0.0
    paths:
      /a: [1, 2]
      /b:
        get: "nope"
        post: {summary: 7, parameters: [1, {name: x}, {$ref: "#/nowhere"}]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: graph}
spec: {type: graphql, lifecycle: production, owner: team-a, definition: "type Query { me: User } # <b>x</b>"}
"""


@pytest.fixture
def demo():
    return demo_load()


def test_entity_page_answers_who_owns_it(client_owner, demo):
    response = client_owner.get(PAYMENT_SERVICE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/catalog/default/group/team-payments/">team-payments</a>' in html
    assert 'href="/catalog/default/user/jane.doe/">jane.doe</a>' in html  # owner's members
    assert 'href="/catalog/default/system/billing-system/">Billing</a>' in html
    assert 'href="/catalog/default/domain/commerce/">' in html
    assert 'href="/catalog/default/resource/postgresql-payments/">Payments PostgreSQL</a>' in html
    assert 'href="/catalog/default/api/payment-api/">Payment API</a>' in html
    assert 'href="https://wiki.internal/payment-service" rel="noopener noreferrer">Wiki</a>' in html
    assert "<svg" in html and 'class="graph-edge-label"' in html and '>dependsOn</text>' in html
    assert "pagerduty.com/service-id" in html
    # `owner` is not in team-payments: no Refresh or Unregister (see test_permissions for who is).
    assert 'action="/catalog/default/component/payment-service/refresh/"' not in html
    assert "Unregister" not in html


def test_entity_page_shows_refresh_and_unregister_to_those_allowed(admin_client, demo):
    html = admin_client.get(PAYMENT_SERVICE).content.decode()
    assert 'action="/catalog/default/component/payment-service/refresh/"' in html
    assert 'href="/catalog/default/component/payment-service/unregister/"' in html


def test_entity_urls_are_case_insensitive_and_unknown_ones_404(client_owner, demo):
    assert client_owner.get("/catalog/DEFAULT/Component/Payment-Service/").status_code == 200
    assert client_owner.get("/catalog/default/component/nope/").status_code == 404


def test_group_page_lists_members_and_owned_entities(client_owner, demo):
    html = client_owner.get("/catalog/default/group/team-payments/").content.decode()
    assert "Members" in html and 'href="/catalog/default/user/omar.haddad/"' in html
    assert "Owns" in html and 'href="/catalog/default/component/payment-service/"' in html
    assert "team-payments@acme.example" in html


def test_user_page_lists_groups(client_owner, demo):
    html = client_owner.get("/catalog/default/user/jane.doe/").content.decode()
    assert "Member of" in html and 'href="/catalog/default/group/team-payments/"' in html


def test_api_tab_lists_openapi_operations(client_owner, demo):
    html = client_owner.get("/catalog/default/api/payment-api/", {"tab": "api"}).content.decode()
    assert ('<span class="method method-post">POST</span> '
            '<code class="op-path">/payments/{paymentId}/capture</code>') in html
    assert "Capture an authorized payment" in html
    assert "<code>orderId</code></td><td>query</td><td>yes</td>" in html


def test_asyncapi_definition_is_highlighted(client_owner, demo):
    html = client_owner.get("/catalog/default/api/notification-api/", {"tab": "api"}).content.decode()
    assert 'class="highlight"' in html and "notifications.requested" in html


def test_bad_api_definitions_show_a_message_not_a_500(client_owner, tmp_path):
    yaml_load(tmp_path, BAD_APIS)
    for name, message in [("broken-yaml", "not valid YAML"), ("not-openapi", "not an OpenAPI document"),
                          ("weird-paths", "")]:
        response = client_owner.get(f"/catalog/default/api/{name}/", {"tab": "api"})
        assert response.status_code == 200, name
        assert message in response.content.decode()
    html = client_owner.get("/catalog/default/api/weird-paths/", {"tab": "api"}).content.decode()
    assert 'code class="op-path">/b</code>' in html and "<code>x</code>" in html
    html = client_owner.get("/catalog/default/api/graph/", {"tab": "api"}).content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;" in html


def test_odd_stored_data_is_shown_escaped_without_failing(client_owner, tmp_path):
    yaml_load(tmp_path, """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: odd
  title: "<script>alert(1)</script>"
  links: [{url: https://ok.example}]
spec: {type: service, lifecycle: production, owner: team-a, system: sys}
""")
    entity = Entity.objects.get(name="odd")
    body = entity.body
    body["metadata"]["annotations"]["weird"] = {"nested": [1, 2]}
    body["metadata"]["links"] += ["not a link", {"url": "javascript:alert(1)", "title": "click"}, {"url": 5}]
    body["metadata"]["tags"] = "not-a-list"
    body["spec"] = ["not", "a", "mapping"]
    Entity.objects.filter(pk=entity.pk).update(body=body, final="not json")
    for tab in ("overview", "relations", "raw", "api"):
        response = client_owner.get("/catalog/default/component/odd/", {"tab": tab})
        assert response.status_code == 200, tab
        html = response.content.decode()
        assert "<script>alert(1)" not in html
    html = client_owner.get("/catalog/default/component/odd/").content.decode()
    assert 'href="javascript:' not in html
    assert 'href="https://ok.example"' in html


def test_processing_errors_are_shown_on_the_entity_page(client_owner, tmp_path):
    path = tmp_path / "catalog-info.yaml"
    good = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc}\n" \
           "spec: {type: service, lifecycle: production, owner: team-a}\n"
    path.write_text(good)
    location = yaml_load(tmp_path, good)
    path.write_text(good.replace("lifecycle: production, ", ""))  # now invalid: lifecycle is required
    from catalog import services

    services.location_refresh(location_id=location.pk)
    html = client_owner.get("/catalog/default/component/svc/").content.decode()
    assert 'class="alert alert-error entity-errors" role="alert"' in html
    assert "lifecycle" in html


def test_refresh_enqueues_the_location(admin_client, demo, django_capture_on_commit_callbacks):
    client_owner = admin_client  # a platform admin: `owner` is not in team-payments, which owns it
    url = PAYMENT_SERVICE + "refresh/"
    assert client_owner.get(url).status_code == 405
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_owner.post(url)
    assert response.status_code == 302 and response.url == PAYMENT_SERVICE
    assert len(callbacks) == 1
    assert CatalogEvent.objects.filter(action="refresh_requested").count() == 1
    with django_capture_on_commit_callbacks():
        response = client_owner.post(url, headers={"HX-Request": "true"})
    assert "Refresh requested" in response.content.decode() and "<html" not in response.content.decode()


def _neighbours_yaml(count: int) -> str:
    docs = ["apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\n"
            "spec: {type: team, children: []}\n",
            "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u1}\nspec: {memberOf: [team-a]}\n"]
    deps = ", ".join(f"resource:db-{i}" for i in range(count))
    docs.append("apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: sys}\n"
                "spec: {owner: team-a, domain: dom}\n")
    docs.append("apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {name: dom}\nspec: {owner: team-a}\n")
    docs.append("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: hub}\n"
                f"spec: {{type: service, lifecycle: production, owner: team-a, system: sys, dependsOn: [{deps}]}}\n")
    for i in range(count):
        docs.append(f"apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {{name: db-{i}}}\n"
                    "spec: {type: database, owner: team-a}\n")
    return "---\n".join(docs)


@pytest.mark.parametrize("tab", ["overview", "relations"])
def test_entity_page_uses_the_same_number_of_queries_for_5_and_30_neighbours(client_owner, tmp_path, tab):
    counts = []
    for count in (5, 30):
        path = tmp_path / str(count)
        path.mkdir()
        location = yaml_load(path, _neighbours_yaml(count))
        client_owner.get("/catalog/default/component/hub/")
        with CaptureQueriesContext(connection) as ctx:
            response = client_owner.get("/catalog/default/component/hub/", {"tab": tab})
        assert response.content.decode().count('href="/catalog/default/resource/db-') >= count
        counts.append(len(ctx.captured_queries))
        from catalog import services

        services.location_delete(location=location)
    assert counts[0] == counts[1] <= 10


def test_graph_escapes_text_and_links_neighbours():
    from catalog.graph import Node, neighbourhood_svg

    url = "/catalog/default/resource/x/"
    svg = neighbourhood_svg(
        centre=Node("component:default/a", "Component", "<b>A</b>"),
        neighbours=[("dependsOn", Node("resource:default/x", "Resource", 'X" onload="y', url)),
                    ("<i>rel</i>", Node("resource:default/x", "Resource", "X", url))],
    )
    assert "<b>" not in svg and "&lt;b&gt;A&lt;/b&gt;" in svg
    assert 'onload="y' not in svg and "&lt;i&gt;rel&lt;/i&gt;, dependsOn" in svg
    assert svg.count('<a href="/catalog/default/resource/x/"') == 1  # one node per neighbour
