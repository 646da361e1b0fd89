"""The API over published Backstage files (shared/corpus, beside the repository)."""

import shutil

import pytest

from catalog.models import Entity
from catalog.tests.test_api_support import CORPUS, ingest, post_json

pytest_plugins = ["catalog.tests.test_api_support"]  # the api and catalog fixtures

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}"),
]

FILES = [
    "tetratelabs__eg-backstage-demo__catalog__org.yaml",
    "elastic__kibana__catalog-info.yaml",
    "janus-idp__backstage-showcase__catalog-entities__groups__rhdh-team.yaml",
    "1-Platform__one-platform__catalog__systems__OnePlatform.yaml",
    "RoadieHQ__roadie-backstage-plugins__catalog-info.yaml",
]


@pytest.fixture
def corpus(tmp_path):
    for name in FILES:
        if not (CORPUS / name).is_file():
            pytest.skip(f"corpus file {name} missing")
        shutil.copy(CORPUS / name, tmp_path / name)
        ingest(tmp_path / name)
    assert Entity.objects.filter(ref__startswith="component:").exists()


def test_every_corpus_entity_is_served_by_name_and_by_refs(api, corpus):
    rows = list(Entity.objects.values_list("kind", "namespace", "name", "ref"))
    for kind, namespace, name, _ in rows:
        response = api.get(f"/api/catalog/entities/by-name/{kind}/{namespace}/{name}")
        assert response.status_code == 200, (kind, namespace, name)
        assert response.json()["metadata"]["name"] == name
    response = post_json(api, "/api/catalog/entities/by-refs", {"entityRefs": [r[3] for r in rows]})
    assert [i["metadata"]["name"] for i in response.json()["items"]] == [r[2] for r in rows]


def test_kind_counts_agree_between_facets_and_by_query(api, corpus):
    facets = api.get("/api/catalog/entity-facets?facet=kind").json()["facets"]["kind"]
    assert sum(f["count"] for f in facets) == Entity.objects.count()
    for facet in facets:
        body = api.get(f"/api/catalog/entities/by-query?filter=kind={facet['value']}&limit=1").json()
        assert body["totalItems"] == facet["count"], facet


def test_a_full_walk_with_cursors_sees_every_corpus_entity(api, corpus):
    seen, params = [], "limit=3&orderField=metadata.name,asc"
    while True:
        body = api.get(f"/api/catalog/entities/by-query?{params}").json()
        seen += [i["metadata"]["uid"] for i in body["items"]]
        if "nextCursor" not in body["pageInfo"]:
            break
        params = f"cursor={body['pageInfo']['nextCursor']}&limit=3"
    assert len(seen) == len(set(seen)) == Entity.objects.count()
