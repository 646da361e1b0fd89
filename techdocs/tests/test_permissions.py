"""Who may read and rebuild docs (issue 9): reading needs techdocs.entity.read (everyone, by
default), Rebuild needs techdocs.entity.build (the owners: team-a's members, the members of its
parent group, and admins). Refusals are 403 and queue nothing; rebuild requests are audited."""

import json

import pytest
from django.test import Client

from catalog.tests.factories import location_load
from core.access import access_cache_clear
from core.models import AuditEntry, Grant
from portal.tokens import api_token_create
from techdocs.models import DocsBuild
from techdocs.tests.conftest import write_site

pytestmark = pytest.mark.django_db

CAST = ("owner", "teammate", "lead", "outsider", "admin")
TEAM_A = {"owner": True, "teammate": True, "lead": True, "outsider": False, "admin": True}
ENTITY = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: handbook
  annotations: {backstage.io/techdocs-ref: "dir:."}
spec: {type: service, lifecycle: production, owner: team-a}
"""
SITE = "/docs/default/component/handbook/"
REBUILD = SITE + "-/rebuild/"


@pytest.fixture(autouse=True)
def _forget_identities():
    access_cache_clear()  # user ids are reused after a rolled-back test


@pytest.fixture
def people(org, owner, teammate, lead, outsider, admin_user) -> dict:
    return {"owner": owner, "teammate": teammate, "lead": lead, "outsider": outsider, "admin": admin_user}


@pytest.fixture
def handbook(org, tmp_path, settings):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]  # docs are read only there
    root = write_site(tmp_path / "handbook")
    (root / "catalog-info.yaml").write_text(ENTITY)
    return location_load(root / "catalog-info.yaml")


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", CAST)
def test_rebuild(people, handbook, who):
    user = people[who]
    client = page_client(user)
    page = client.get(SITE).content.decode()
    response = client.post(REBUILD)
    builds = DocsBuild.objects.filter(reason=DocsBuild.Reason.MANUAL)
    if TEAM_A[who]:
        assert "↻ Rebuild" in page
        assert response.status_code == 302 and builds.count() == 1
        assert AuditEntry.objects.filter(actor=user, action="techdocs.entity.build", outcome="success",
                                         target="component:default/handbook").exists()
    else:
        assert "↻ Rebuild" not in page
        assert response.status_code == 403 and not builds.exists()
        assert AuditEntry.objects.filter(actor=user, action="techdocs.entity.build", outcome="denied").exists()


@pytest.mark.parametrize("who", CAST)
def test_everyone_reads_docs_by_default(people, handbook, who):
    client = page_client(people[who])
    assert client.get(SITE).status_code == 200
    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=people[who], name='t')}"})
    assert api.get("/api/techdocs/metadata/entity/default/component/handbook").status_code == 200


@pytest.mark.parametrize("who", CAST)
def test_an_owner_only_read_grant_keeps_docs_from_others(people, handbook, who):
    Grant.objects.filter(role__everyone=True, permission="techdocs.entity.read").update(rule="IS_ENTITY_OWNER")
    user = people[who]
    client = page_client(user)
    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=user, name='t')}"})
    responses = [client.get(SITE), client.get(SITE + "-/build/"), client.get(SITE + "-/status/"),
                 api.get("/api/techdocs/metadata/entity/default/component/handbook"),
                 api.get("/api/techdocs/metadata/techdocs/default/component/handbook"),
                 api.get("/api/techdocs/static/docs/default/component/handbook/index.html")]
    if TEAM_A[who]:
        assert responses[0].status_code == 200 and responses[3].status_code == 200
    else:
        assert [r.status_code for r in responses] == [403] * 6
        assert responses[3].json()["error"]["name"] == "NotAllowedError"


def test_entities_hidden_from_the_catalog_have_no_docs_either(people, handbook):
    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    outsider = people["outsider"]
    assert page_client(outsider).get(SITE).status_code == 404
    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=outsider, name='t')}"})
    response = api.get("/api/techdocs/metadata/entity/default/component/handbook")
    assert response.status_code == 404 and response.json()["error"]["name"] == "NotFoundError"
    assert page_client(people["owner"]).get(SITE).status_code == 200


def test_the_techdocs_api_answers_envelopes_for_unsafe_methods(people, handbook):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["admin"])
    response = client.post("/api/techdocs/sync/default/component/handbook", json.dumps({}),
                           content_type="text/plain", headers={"Origin": "https://evil.example"})
    assert response.status_code in (403, 405) and response.json()["error"]["name"] == "NotAllowedError"
    assert not DocsBuild.objects.filter(reason=DocsBuild.Reason.MANUAL).exists()
